using System;
using System.Linq;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>SGD and Adam: one step against the formulas, many steps reduce a loss, bad use changes nothing.</summary>
public class OptimizerTests
{
    [Fact]
    public void SgdStepIsParameterMinusRateTimesGradient()
    {
        var layer = new D3x5();
        Fill(layer, seed: 1);
        double[] weights = layer.Weights.ToArray(), gradients = layer.WeightGradients.ToArray();
        double[] bias = layer.Bias.ToArray(), biasGradients = layer.BiasGradients.ToArray();

        new Sgd<double>(layer, learningRate: 0.1).Step();

        // g + 0·p is g exactly, so the update is one multiply and one subtract, as computed here.
        for (int i = 0; i < weights.Length; i++)
            Assert.Equal(weights[i] - 0.1 * gradients[i], layer.Weights[i]);
        for (int i = 0; i < bias.Length; i++)
            Assert.Equal(bias[i] - 0.1 * biasGradients[i], layer.Bias[i]);
    }

    [Fact]
    public void SgdWithMomentumAndWeightDecayFollowsPyTorch()
    {
        // Two steps by hand: g = ∇ + λp, v₁ = g₁, p₁ = p₀ − η v₁; v₂ = μ v₁ + g₂, p₂ = p₁ − η v₂ (PyTorch's SGD with
        // dampening 0), evaluated in the same order of operations as the optimizer, so the results are identical.
        const double rate = 0.05, momentum = 0.9, decay = 0.01;
        var layer = new D3x5();
        Fill(layer, seed: 2);
        var optimizer = new Sgd<double>(layer, rate, momentum, decay);
        double p0 = layer.Weights[4], g1 = layer.WeightGradients[4];
        optimizer.Step();
        double v1 = momentum * 0 + (g1 + decay * p0), p1 = p0 - rate * v1;
        Assert.Equal(p1, layer.Weights[4]);

        layer.WeightGradients[4] = -0.25;
        optimizer.Step();
        double v2 = momentum * v1 + (-0.25 + decay * p1), p2 = p1 - rate * v2;
        Assert.Equal(p2, layer.Weights[4]);
        Assert.Equal(2, optimizer.Steps);
    }

    [Fact]
    public void AdamFirstStepsMatchTheFormula()
    {
        // PyTorch's Adam: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², p −= η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε). Evaluated here
        // in double by the textbook form m̂/(√v̂ + ε); the two forms differ by a few roundings, so the tolerance is
        // 16u relative to the update (u = 2⁻⁵³), far below the update itself (≈ η).
        const double rate = 0.01, beta1 = 0.8, beta2 = 0.99, epsilon = 1e-6;
        var layer = new D3x5();
        Fill(layer, seed: 3);
        var optimizer = new Adam<double>(layer, rate, beta1, beta2, epsilon);
        double p = layer.Weights[7], m = 0, v = 0;
        for (int t = 1; t <= 3; t++)
        {
            double g = 0.5 - 0.3 * t;
            layer.WeightGradients[7] = g;
            optimizer.Step();
            m = beta1 * m + (1 - beta1) * g;
            v = beta2 * v + (1 - beta2) * g * g;
            double update = rate * (m / (1 - Math.Pow(beta1, t))) / (Math.Sqrt(v / (1 - Math.Pow(beta2, t))) + epsilon);
            p -= update;
            Assert.Equal(p, layer.Weights[7], 16 * Math.Abs(update) / (1L << 53) + 1e-18);
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void AFewHundredStepsFitATeacher(string kind)
    {
        // A 17→33 student learns the outputs of a fixed random teacher of the same shape under the mean squared
        // error; after 300 steps the loss must be below a hundredth of where it started.
        var teacher = new F17x33();
        Initializer.Initialize(teacher, Initialization.PyTorchDefault, seed: 10);
        var student = new F17x33();
        Initializer.Initialize(student, Initialization.PyTorchDefault, seed: 11);
        Optimizer<float> optimizer = kind == "sgd" ? new Sgd<float>(student, 0.1, momentum: 0.9) : new Adam<float>(student, 0.01);
        var random = new SeededRandom(12);
        float[] x = new float[8 * 17], target = new float[8 * 33], y = new float[8 * 33], dy = new float[8 * 33];
        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            for (int i = 0; i < x.Length; i++)
                x[i] = (float)(2 * random.NextDouble() - 1);
            teacher.Forward(x, target);
            student.Forward(x, y);
            float loss = Losses.MeanSquaredError<float>(y, target, dy);
            student.ZeroGradients();
            student.Backward(x, dy, []);
            optimizer.Step();
            if (step == 0)
                first = loss;
            last = loss;
        }
        Assert.True(last < first / 100, $"loss went from {first} to {last}");
    }

    [Fact]
    public void AnOptimizerTypedToOneStructRefusesAnotherAndChangesNothing()
    {
        // Optimizers bind to what they update, so two models can never swap their moments: one created for SD3x2
        // refuses an SD6x5, and one bound to a class refuses any struct (and Step() without a model refuses a struct).
        SD3x2 bound = default;
        var optimizer = new Adam<double>(bound);
        SD6x5 other = default;
        other.WeightGradients.Fill(1);
        ArgumentException exception = Assert.Throws<ArgumentException>(() => optimizer.Step(ref other));
        Assert.Contains("SD3x2", exception.Message, StringComparison.Ordinal);
        Assert.Contains("SD6x5", exception.Message, StringComparison.Ordinal);
        Assert.All(other.Weights.ToArray(), w => Assert.Equal(0, w));
        Assert.Equal(0, optimizer.Steps);
        Assert.Contains("Step(ref", Assert.Throws<InvalidOperationException>(optimizer.Step).Message, StringComparison.Ordinal);

        var classBound = new Sgd<double>(new D3x5(), learningRate: 0.1);
        Assert.Throws<ArgumentException>(() => classBound.Step(ref bound));
        Assert.Equal(0, classBound.Steps);
    }

    [Fact]
    public void StructLayersAreSteppedInPlace()
    {
        SD3x2 layer = default;
        layer.WeightGradients.Fill(1);
        var optimizer = new Sgd<double>(layer, learningRate: 0.5);
        optimizer.Step(ref layer);
        Assert.All(layer.Weights.ToArray(), w => Assert.Equal(-0.5, w));
    }

    [Fact]
    public void HyperparametersOutOfRangeAreRejected()
    {
        var layer = new F3x5();
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(layer, learningRate: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(layer, 0.1, momentum: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(layer, beta1: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(layer, beta2: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(layer, weightDecay: -0.1));
        Assert.Throws<InvalidOperationException>(() => new Sgd<float>(layer, 0.1) { Momentum = 0.9 });
    }

    [Fact]
    public void StateSavedAndLoadedResumesToTheBit()
    {
        // Two optimizers on two copies of one layer: the first runs four steps; the second runs two, saves its state and
        // the layer, a fresh optimizer loads it, and the last two steps must give the first run's weights exactly.
        var straight = new D3x5();
        var resumed = new D3x5();
        Fill(straight, seed: 5);
        Fill(resumed, seed: 5);
        var straightAdam = new Adam<double>(straight, 0.01);
        var firstAdam = new Adam<double>(resumed, 0.01);
        straightAdam.Step();
        straightAdam.Step();
        firstAdam.Step();
        firstAdam.Step();
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"densegen-adam-{Guid.NewGuid():N}.safetensors");
        try
        {
            firstAdam.Save(path);
            var secondAdam = new Adam<double>(resumed, 0.01);
            secondAdam.Load(path);
            Assert.Equal(2, secondAdam.Steps);
            straightAdam.Step();
            straightAdam.Step();
            secondAdam.Step();
            secondAdam.Step();
            Assert.Equal(straight.Weights.ToArray(), resumed.Weights.ToArray());
            Assert.Equal(straight.Bias.ToArray(), resumed.Bias.ToArray());

            // Another optimizer's state, or another model's, is refused and changes nothing.
            var sgd = new Sgd<double>(resumed, 0.1, momentum: 0.9);
            Assert.Contains("Adam", Assert.Throws<System.IO.InvalidDataException>(() => sgd.Load(path)).Message, StringComparison.Ordinal);
            var otherShape = new Adam<double>(new D6x5());
            Assert.Contains("weight", Assert.Throws<System.IO.InvalidDataException>(() => otherShape.Load(path)).Message, StringComparison.Ordinal);
            Assert.Equal(0, otherShape.Steps);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    public static TheoryData<string, Func<F3x5, object>, string> NaNHyperparameters() => new()
    {
        { "LearningRate", layer => new Sgd<float>(layer, double.NaN), "LearningRate must be a finite, non-negative number, not NaN." },
        { "Momentum", layer => new Sgd<float>(layer, 0.1, momentum: double.NaN), "Momentum must be in [0, 1), not NaN." },
        { "WeightDecay", layer => new Sgd<float>(layer, 0.1, weightDecay: double.NaN), "WeightDecay must be a finite, non-negative number, not NaN." },
        { "LearningRate", layer => new Adam<float>(layer, learningRate: double.NaN), "LearningRate must be a finite, non-negative number, not NaN." },
        { "Beta1", layer => new Adam<float>(layer, beta1: double.NaN), "Beta1 must be in [0, 1), not NaN." },
        { "Beta2", layer => new Adam<float>(layer, beta2: double.NaN), "Beta2 must be in [0, 1), not NaN." },
        { "Epsilon", layer => new Adam<float>(layer, epsilon: double.NaN), "Epsilon must be a finite, non-negative number, not NaN." },
        { "WeightDecay", layer => new Adam<float>(layer, weightDecay: double.NaN), "WeightDecay must be a finite, non-negative number, not NaN." },
        { "LearningRate", layer => new Adam<float>(layer) { LearningRate = double.PositiveInfinity }, "LearningRate must be a finite, non-negative number, not Infinity." },
        { "LearningRate", layer => new Adam<float>(layer) { LearningRate = -0.5 }, "LearningRate must be a finite, non-negative number, not -0.5." },
    };

    [Theory]
    [MemberData(nameof(NaNHyperparameters))]
    public void ANaNOrOutOfRangeHyperparameterIsNamedWithWhatItMustBe(string name, Func<F3x5, object> create, string message)
    {
        // Not "must be in [0, 1.7976931348623157E+308]", which hides that the value was NaN.
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>(() => create(new F3x5()));
        Assert.Equal(name, exception.ParamName);
        Assert.StartsWith(message, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("E+308", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StateOfAnotherOptimizerIsRefusedWithItsKindAndTheRightArticle()
    {
        var layer = new D3x5();
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"densegen-kind-{Guid.NewGuid():N}.safetensors");
        try
        {
            new Sgd<double>(layer, 0.1, momentum: 0.9).Save(path);
            Assert.Equal(System.IO.Path.GetFileName(path) + ": the file holds the state of an Sgd optimizer, not of an Adam optimizer.",
                Assert.Throws<System.IO.InvalidDataException>(() => new Adam<double>(layer).Load(path)).Message);
            new Adam<double>(layer).Save(path);
            Assert.Equal(System.IO.Path.GetFileName(path) + ": the file holds the state of an Adam optimizer, not of an Sgd optimizer.",
                Assert.Throws<System.IO.InvalidDataException>(() => new Sgd<double>(layer, 0.1, momentum: 0.9).Load(path)).Message);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void StateKeepsEachParametersShapeAndAnotherShapeIsRefusedShowingBoth()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"densegen-shape-{Guid.NewGuid():N}.safetensors");
        try
        {
            // A network's state has its parameters' shapes, as PyTorch's optimizers keep it.
            new Adam<float>(new DenseGen.Tests.Import.TorchMlp()).Save(path);
            SafeTensorsFile file = SafeTensorsFile.Read(path);
            Assert.Equal([7L, 5], file.Tensors["0.weight.exp_avg"].Shape);
            Assert.Equal([7L], file.Tensors["0.bias.exp_avg_sq"].Shape);
            Assert.Equal([3L, 4], file.Tensors["4.weight.exp_avg_sq"].Shape);

            // A layer of 3 inputs' state loaded for one of 6: the shapes as they are, and whose shape is needed.
            var optimizer = new Adam<double>(new D3x5());
            optimizer.Step();
            optimizer.Save(path);
            var other = new Adam<double>(new D6x5());
            System.IO.InvalidDataException exception = Assert.Throws<System.IO.InvalidDataException>(() => other.Load(path));
            Assert.Equal(System.IO.Path.GetFileName(path) + ": tensor 'weight.exp_avg' has shape [5, 3]; the optimizer state needs [5, 6], the shape of the optimizer's parameter 'weight'.", exception.Message);
            Assert.Equal(0, other.Steps);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void StateWrittenFlatAsBeforeStillLoads()
    {
        // Earlier versions wrote every state tensor with one dimension: such files load as they did.
        var layer = new D3x5();
        Fill(layer, seed: 3);
        var optimizer = new Adam<double>(layer, 0.01);
        optimizer.Step();
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"densegen-flat-{Guid.NewGuid():N}.safetensors");
        try
        {
            optimizer.Save(path);
            SafeTensorsFile saved = SafeTensorsFile.Read(path);
            var tensors = saved.Tensors.Keys.Select(name =>
            {
                var values = new double[(saved.Tensors[name].End - saved.Tensors[name].Begin) / sizeof(double)];
                saved.CopyTo(name, values.AsSpan());
                return (name, new[] { values.Length }, values);
            }).ToList();
            var metadata = saved.Metadata.Where(e => e.Key.StartsWith("densegen.", StringComparison.Ordinal)).ToDictionary(e => e.Key, e => e.Value);
            SafeTensorsFile.Write(path, tensors, metadata);
            Assert.Equal([15L], SafeTensorsFile.Read(path).Tensors["weight.exp_avg"].Shape);

            var resumed = new Adam<double>(layer, 0.01);
            resumed.Load(path);
            Assert.Equal(1, resumed.Steps);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void AMomentumThatDecaysPastTheSmallestNormalFloatBecomesZero(string kind)
    {
        // One step with gradient 1 gives the momentum 0.1 (Adam, β₁ = 0.9) or 1 (SGD, μ = 0.9); with zero gradients it
        // then decays by 0.9 a step. After 700 more steps it is still normal (Adam: 0.1·0.9⁷⁰⁰ ≈ 9e-34); after 900 it
        // would be subnormal (0.1·0.9⁹⁰⁰ ≈ 1.5e-42, SGD's ten times that), so it must be exactly zero. 37 elements: vector
        // loops and a scalar tail both.
        var model = new OneTensor(37);
        model.Gradients.AsSpan().Fill(1);
        Optimizer<float> optimizer = kind == "adam" ? new Adam<float>(model, 1e-3) : new Sgd<float>(model, 1e-3, momentum: 0.9);
        optimizer.Step();
        Array.Clear(model.Gradients);
        for (int step = 0; step < 700; step++)
            optimizer.Step();
        Assert.All(Momentum(optimizer, kind), m => Assert.True(float.IsNormal(m), $"{m} should still be normal"));
        for (int step = 0; step < 200; step++)
            optimizer.Step();
        Assert.All(Momentum(optimizer, kind), m => Assert.Equal(0f, m));
        Assert.All(model.Parameters, p => Assert.True(float.IsFinite(p)));
    }

    private static float[] Momentum(Optimizer<float> optimizer, string kind)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"densegen-momentum-{Guid.NewGuid():N}.safetensors");
        try
        {
            optimizer.Save(path);
            var values = new float[37];
            SafeTensorsFile.Read(path).CopyTo(kind == "adam" ? "w.exp_avg" : "w.momentum_buffer", values.AsSpan());
            return values;
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    /// <summary>
    /// A gradient shorter than its tensor is refused when the optimizer is created (an empty one means "not trained"),
    /// and a model that trains nothing is refused as a frozen one is.
    /// </summary>
    [Fact]
    public void GradientsThatDoNotMatchTheirTensorsAreRefused()
    {
        var wrong = new OneTensor(8, gradientLength: 7);
        Assert.Contains("gradient of 7 elements", Assert.Throws<ArgumentException>(() => new Adam<float>(wrong)).Message, StringComparison.Ordinal);
        var untrained = new OneTensor(8, gradientLength: 0);
        Assert.Contains("no parameter tensors to optimize", Assert.Throws<ArgumentException>(() => new Sgd<float>(untrained, 0.1)).Message, StringComparison.Ordinal);
    }

    /// <summary>A model of one parameter tensor named "w", with a gradient as long as it unless told otherwise.</summary>
    private sealed class OneTensor(int length, int? gradientLength = null) : ITrainable<float>
    {
        public float[] Parameters { get; } = new float[length];

        public float[] Gradients { get; } = new float[gradientLength ?? length];

        public int ParameterTensorCount => 1;

        public string ParameterTensorName(int index) => "w";

        public TensorDescription DescribeParameterTensor(int index) => new("w", [length], TensorRole.Parameter, length, 1, isBias: false);

        public Span<float> ParameterTensor(int index) => Parameters;

        public Span<float> GradientTensor(int index) => Gradients;
    }

    private static void Fill(IDenseParameters<double> layer, int seed)
    {
        var random = new Random(seed);
        foreach (ref double value in layer.Weights) value = random.NextDouble() - 0.5;
        foreach (ref double value in layer.Bias) value = random.NextDouble() - 0.5;
        foreach (ref double value in layer.WeightGradients) value = random.NextDouble() - 0.5;
        foreach (ref double value in layer.BiasGradients) value = random.NextDouble() - 0.5;
    }
}
