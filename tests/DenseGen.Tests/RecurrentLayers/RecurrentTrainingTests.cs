using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// Backward through time of the generated recurrent layers: against central finite differences through 50 steps in
/// double, and what <c>Backward</c>, <c>ZeroGradients</c>, the state gradients and optimizers promise (PyTorch's own
/// gradients: <see cref="PyTorchFixtureTests"/>).
/// </summary>
public sealed class RecurrentTrainingTests(ITestOutputHelper output)
{
    /// <summary>
    /// Central differences through 50 steps of two streams in double, every parameter, initial-state and input element:
    /// the loss is <c>Σ r ⊙ output</c> from the initial state (ResetState). With ε = 1e-5 the difference's truncation error
    /// is ε²/6·|L'''| (≲ 1e-10 here, the third derivatives being of the order of the loss) and its rounding error about
    /// 2·n·u·Σ|terms| / ε with n·u·Σ|terms| the forward's own error (≲ 1e-13 over 50 steps), so 1e-6 relative to the
    /// gradient's scale leaves a wide margin and still fails a swapped gate by orders of magnitude.
    /// </summary>
    [Theory]
    [InlineData(nameof(FiniteLstm))]
    [InlineData(nameof(FiniteGru))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        (int values, double worst) = CheckAgainstFiniteDifferences(RecurrentLayersUnderTest.Double(name));
        output.WriteLine($"{name}: {values} values, largest difference {worst:G3} of the gradient's scale");
    }

    /// <summary>
    /// The check of <see cref="GradientsMatchFiniteDifferences"/> on any double layer of two streams and 50 steps or more;
    /// returns how many values it checked and the largest difference relative to the gradient's scale.
    /// </summary>
    internal static (int Values, double Worst) CheckAgainstFiniteDifferences(RecurrentUnderTest<double> layer)
    {
        const int Streams = 2, Steps = 50;
        const double Epsilon = 1e-5, Tolerance = 1e-6;
        var random = new Random(25);
        layer.Randomize(random);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, Streams * Steps * layer.InputSize);
        double[] r = RecurrentUnderTest<double>.RandomValues(random, Streams * Steps * layer.HiddenSize);
        var y = new double[r.Length];
        double Loss()
        {
            layer.ResetState();
            layer.Forward(x, y, Steps);
            return y.Zip(r, (a, b) => a * b).Sum();
        }

        Loss();
        layer.ZeroGradients();
        var dx = new double[x.Length];
        layer.Backward(x, r, dx);

        double worst = 0;
        int checkedValues = 0;
        void Check(Span<double> values, ReadOnlySpan<double> analytic, string what)
        {
            Assert.Equal(values.Length, analytic.Length);
            var numeric = new double[values.Length];
            for (int j = 0; j < values.Length; j++)
                numeric[j] = CentralDifference.Of(values, j, Epsilon, Loss);
            double scale = Math.Max(1, numeric.Max(Math.Abs));
            for (int j = 0; j < values.Length; j++)
            {
                double error = Math.Abs(analytic[j] - numeric[j]) / scale;
                worst = Math.Max(worst, error);
                Assert.True(error <= Tolerance, $"{layer}: ∂L/∂{what}[{j}] is {analytic[j]:R}; the central difference gives {numeric[j]:R}");
            }
            checkedValues += values.Length;
        }

        for (int i = 0; i < layer.Tensors.ParameterTensorCount; i++)
        {
            string tensor = layer.Tensors.ParameterTensorName(i);
            Check(layer.Tensors.ParameterTensor(i), layer.GradientOf(tensor).ToArray(), tensor);
        }
        Check(x, dx, "input");
        return (checkedValues, worst);
    }

    /// <summary>
    /// The state gradients are those of the state Forward started from, stream by stream: set one stream's running state,
    /// and the change of the loss per change of one element is that element's <c>HiddenStateGradients</c>.
    /// </summary>
    [Theory]
    [InlineData(nameof(StreamsLstmStruct))]
    [InlineData(nameof(StreamsGruStruct))]
    public void StateGradientsAreThoseOfTheStartingState(string name)
    {
        const int Steps = 5;
        const double Epsilon = 1e-6;
        RecurrentUnderTest<double> layer = RecurrentLayersUnderTest.Double(name);
        var random = new Random(7);
        layer.Randomize(random);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, 3 * Steps * layer.InputSize), r = RecurrentUnderTest<double>.RandomValues(random, 3 * Steps * layer.HiddenSize);
        double[] start = RecurrentUnderTest<double>.RandomValues(random, layer.HiddenState.Length), startCell = RecurrentUnderTest<double>.RandomValues(random, layer.CellState.Length);
        var y = new double[r.Length];
        double Loss()
        {
            start.CopyTo(layer.HiddenState);
            startCell.CopyTo(layer.CellState);
            layer.Forward(x, y, Steps);
            return y.Zip(r, (a, b) => a * b).Sum();
        }

        Loss();
        layer.Backward(x, r, default);
        double[] hiddenGradients = layer.HiddenStateGradients.ToArray(), cellGradients = layer.CellStateGradients.ToArray();
        foreach ((double[] state, double[] gradients, string what) in new[] { (start, hiddenGradients, "hidden"), (startCell, cellGradients, "cell") })
        {
            if (state.Length == 0)
                continue;   // a GRU has no cell
            for (int k = 0; k < layer.Layers; k++)
            {
                for (int s = 0; s < layer.MaxBatch; s++)
                {
                    int at = (k * layer.MaxBatch + s) * layer.HiddenSize + 1;
                    double numeric = CentralDifference.Of(state, at, Epsilon, Loss);
                    if (s < 3)
                        Assert.True(Math.Abs(numeric - gradients[at]) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"{what} layer {k} stream {s}: {gradients[at]:R}, central difference {numeric:R}");
                    else
                        Assert.Equal(0, gradients[at]);   // a stream Forward did not run keeps what it held: zero here
                }
            }
        }
    }

    public static TheoryData<string> FloatLayers() => new() { nameof(StreamsLstm), nameof(StreamsGru), nameof(StreamsLstmDeterministic), nameof(StreamsGruDeterministic), nameof(FusedLstmStruct), nameof(FusedGruStruct) };

    public static TheoryData<string> DoubleLayers() => new() { nameof(StreamsLstmStruct), nameof(StreamsGruStruct) };

    [Theory, MemberData(nameof(FloatLayers))]
    public void FloatLayersKeepTheirTrainingPromises(string name) => TrainingPromises(() => RecurrentLayersUnderTest.Float(name));

    [Theory, MemberData(nameof(DoubleLayers))]
    public void DoubleLayersKeepTheirTrainingPromises(string name) => TrainingPromises(() => RecurrentLayersUnderTest.Double(name));

    /// <summary>
    /// Gradients accumulate until ZeroGradients; two streams' gradients together are the sum of each alone; an empty input
    /// gradient changes nothing else; Backward touches only the streams the Forward ran.
    /// </summary>
    internal static void TrainingPromises<T>(Func<RecurrentUnderTest<T>> create) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Steps = 7, Streams = 3;
        var random = new Random(11);
        RecurrentUnderTest<T> layer = create();
        layer.Randomize(random);
        T[] x = RecurrentUnderTest<T>.RandomValues(random, Streams * Steps * layer.InputSize), dy = RecurrentUnderTest<T>.RandomValues(random, Streams * Steps * layer.HiddenSize);
        var y = new T[dy.Length];
        var dx = new T[x.Length];

        layer.ResetState();
        layer.Forward(x, y, Steps);
        layer.Backward(x, dy, dx);
        T[][] once = Gradients(layer);
        T[] hiddenGradients = layer.HiddenStateGradients.ToArray(), cellGradients = layer.CellStateGradients.ToArray();
        Assert.Contains(once.SelectMany(g => g), v => v != T.Zero);
        Assert.Contains(hiddenGradients, v => v != T.Zero);
        if (layer.HasCell)
            Assert.Contains(cellGradients, v => v != T.Zero);

        // Again: the parameter gradients double (to the rounding of the second run of sums); the input's and the state's
        // are written, not added.
        var dxAgain = new T[x.Length];
        layer.Backward(x, dy, dxAgain);
        T[][] twice = Gradients(layer);
        Assert.True(dx.SequenceEqual(dxAgain), $"{layer}: the input gradient was added to, not written");
        Assert.True(hiddenGradients.AsSpan().SequenceEqual(layer.HiddenStateGradients), $"{layer}: the hidden state gradients were added to, not written");
        Assert.True(cellGradients.AsSpan().SequenceEqual(layer.CellStateGradients), $"{layer}: the cell state gradients were added to, not written");
        for (int i = 0; i < once.Length; i++)
            AssertClose(once[i].Select(v => 2 * double.CreateChecked(v)).ToArray(), twice[i], Streams * Steps, $"{layer}: gradient {i} after two Backward calls");

        // Without an input gradient, the same parameter gradients.
        layer.ZeroGradients();
        Assert.All(Gradients(layer), g => Assert.All(g, v => Assert.Equal(T.Zero, v)));
        layer.Backward(x, dy, default);
        T[][] skipped = Gradients(layer);
        for (int i = 0; i < once.Length; i++)
            Assert.True(once[i].SequenceEqual(skipped[i]), $"{layer}: skipping the input gradient changed gradient {i}");

        // Streams are independent: each alone from the same state gives its slice of the input gradient and the state
        // gradients, and the parameter gradients of all together are their sums (to rounding).
        var sum = once.Select(g => new double[g.Length]).ToArray();
        for (int s = 0; s < Streams; s++)
        {
            RecurrentUnderTest<T> alone = create();
            alone.CopyTensorsFrom(layer);
            alone.ResetState();
            var ySingle = new T[Steps * layer.HiddenSize];
            alone.Forward(x.AsSpan(s * Steps * layer.InputSize, Steps * layer.InputSize), ySingle, Steps);
            var dxSingle = new T[Steps * layer.InputSize];
            alone.Backward(x.AsSpan(s * Steps * layer.InputSize, Steps * layer.InputSize), dy.AsSpan(s * Steps * layer.HiddenSize, Steps * layer.HiddenSize), dxSingle);
            Assert.True(dxSingle.AsSpan().SequenceEqual(dx.AsSpan(s * Steps * layer.InputSize, Steps * layer.InputSize)), $"{layer}: stream {s}'s input gradient depends on the others");
            for (int k = 0; k < layer.Layers; k++)
            {
                int at = (k * layer.MaxBatch + s) * layer.HiddenSize;
                Assert.True(alone.HiddenStateGradients.Slice(k * layer.MaxBatch * layer.HiddenSize, layer.HiddenSize).SequenceEqual(hiddenGradients.AsSpan(at, layer.HiddenSize)),
                    $"{layer}: stream {s}'s state gradient depends on the others");
                if (layer.HasCell)
                    Assert.True(alone.CellStateGradients.Slice(k * layer.MaxBatch * layer.HiddenSize, layer.HiddenSize).SequenceEqual(cellGradients.AsSpan(at, layer.HiddenSize)),
                        $"{layer}: stream {s}'s cell state gradient depends on the others");
            }
            T[][] single = Gradients(alone);
            for (int i = 0; i < sum.Length; i++)
                for (int j = 0; j < sum[i].Length; j++)
                    sum[i][j] += double.CreateChecked(single[i][j]);
        }
        for (int i = 0; i < sum.Length; i++)
            AssertClose(sum[i], once[i], Streams * Steps, $"{layer}: gradient {i} of the streams together against the sum of each alone");
    }

    /// <summary>
    /// Two accumulations of the same <paramref name="terms"/> products in different orders: each partial sum's rounding is
    /// at most u times the running magnitude, which stays below the largest gradient's (the terms are of mixed sign but
    /// their sums here never exceed a few times the final values), so the gap is within 2·terms·u·scale; 8× that is the margin.
    /// </summary>
    private static void AssertClose<T>(double[] expected, T[] actual, int terms, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = typeof(T) == typeof(float) ? Math.ScaleB(1, -24) : Math.ScaleB(1, -53);   // unit roundoff
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Select(Math.Abs).DefaultIfEmpty(0).Max());
        for (int j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(double.CreateChecked(actual[j]) - expected[j]) <= 16 * terms * u * scale, $"{what}: [{j}] is {actual[j]}, expected {expected[j]:R}");
    }

    /// <summary>Backward checks everything first: before a Forward, lengths that differ from it, spans that overlap what it writes.</summary>
    [Fact]
    public void BadArgumentsChangeNothing()
    {
        var layer = new StreamsLstm();
        var random = new Random(3);
        foreach (int i in Enumerable.Range(0, ((IParameterTensors<float>)layer).ParameterTensorCount))
        {
            Span<float> tensor = ((IParameterTensors<float>)layer).ParameterTensor(i);
            for (int j = 0; j < tensor.Length; j++)
                tensor[j] = (float)(random.NextDouble() - 0.5);
        }
        float[] x = new float[2 * 4 * StreamsLstm.InputSize], dy = new float[2 * 4 * StreamsLstm.HiddenSize], y = new float[dy.Length];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(random.NextDouble() - 0.5);
        for (int i = 0; i < dy.Length; i++)
            dy[i] = (float)(random.NextDouble() - 0.5);
        Assert.Throws<InvalidOperationException>(() => layer.Backward(x, dy, default));

        layer.Forward(x, y, 4);
        layer.Backward(x, dy, default);
        float[] gradients = layer.WeightHhL0Gradients.ToArray(), stateGradients = layer.HiddenStateGradients.ToArray();
        var dx = new float[x.Length];
        Assert.Throws<ArgumentException>(() => layer.Backward(x.AsSpan(0, x.Length - StreamsLstm.InputSize), dy, default));
        Assert.Throws<ArgumentException>(() => layer.Backward(x, dy.AsSpan(1), default));
        Assert.Throws<ArgumentException>(() => layer.Backward(x, dy, new float[x.Length + 1]));
        Assert.Throws<ArgumentException>(() => layer.Backward(x, dy, dy.AsSpan(0, x.Length)));                              // over the output gradient
        Assert.Throws<ArgumentException>(() => layer.Backward(x, dy, layer.WeightIhL1.Slice(0, x.Length)));                 // over a weight
        Assert.Throws<ArgumentException>(() => layer.Backward(layer.WeightHhL0Gradients.Slice(0, x.Length), dy, dx));       // reading what it writes
        Assert.Throws<ArgumentException>(() => layer.Backward(x, dy, layer.HiddenStateGradients.Slice(0, x.Length)));
        Assert.True(gradients.AsSpan().SequenceEqual(layer.WeightHhL0Gradients), "a refused Backward changed a gradient");
        Assert.True(stateGradients.AsSpan().SequenceEqual(layer.HiddenStateGradients), "a refused Backward changed a state gradient");
        Assert.All(dx, v => Assert.Equal(0f, v));

        // A trainable layer keeps at most MaxSteps; a refused Forward leaves the state and what Backward goes through.
        float[] state = layer.HiddenState.ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(new float[(StreamsLstm.MaxSteps + 1) * StreamsLstm.InputSize], new float[(StreamsLstm.MaxSteps + 1) * StreamsLstm.HiddenSize], StreamsLstm.MaxSteps + 1));
        Assert.True(state.AsSpan().SequenceEqual(layer.HiddenState), "a refused Forward changed the state");
        layer.Backward(x, dy, default);   // still the 2 × 4 steps of the last Forward
    }

    /// <summary>
    /// Optimizers train the weights and biases, and the initial state only where the layer learns it: a layer without
    /// TrainInitialState lists its initial state with an empty gradient, and a step leaves it as it was.
    /// </summary>
    [Fact]
    public void OptimizersTrainTheInitialStateOnlyWhenAsked()
    {
        var frozenStart = new StreamsGru();
        ITrainable<float> trainable = frozenStart;
        int initial = Enumerable.Range(0, trainable.ParameterTensorCount).Single(i => trainable.ParameterTensorName(i) == "initial_hidden");
        Assert.Equal(0, trainable.GradientTensor(initial).Length);
        frozenStart.InitialHiddenState.Fill(0.25f);
        var random = new Random(5);
        for (int i = 0; i < trainable.ParameterTensorCount; i++)
            if (i != initial)
                for (int j = 0; j < trainable.ParameterTensor(i).Length; j++)
                    trainable.ParameterTensor(i)[j] = (float)(random.NextDouble() - 0.5);
        var adam = new Adam<float>(frozenStart, learningRate: 0.01, weightDecay: 0.1);
        float[] x = RecurrentUnderTest<float>.RandomValues(random, 4 * StreamsGru.InputSize), dy = RecurrentUnderTest<float>.RandomValues(random, 4 * StreamsGru.HiddenSize), y = new float[dy.Length];
        float[] weightsBefore = frozenStart.WeightHhL0.ToArray();
        frozenStart.ResetState();
        frozenStart.Forward(x, y, 4);
        frozenStart.Backward(x, dy, default);
        adam.Step();
        Assert.All(frozenStart.InitialHiddenState.ToArray(), v => Assert.Equal(0.25f, v));
        Assert.False(weightsBefore.AsSpan().SequenceEqual(frozenStart.WeightHhL0), "the optimizer did not train the weights");

        var learning = new RecurrentUnderTest<double>.Box<StreamsGruStruct>();
        learning.Layer.InitialHiddenState.Fill(0.25);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < learning.Layer.WeightHhL0.Length; j++)
                learning.Layer.WeightHhL0[j] = random.NextDouble() - 0.5;
        var sgd = new Sgd<double>(learning.Layer, learningRate: 0.1);
        double[] sequence = RecurrentUnderTest<double>.RandomValues(random, 4 * StreamsGruStruct.InputSize);
        learning.Layer.ResetState();
        learning.Layer.Forward(sequence, new double[4 * StreamsGruStruct.HiddenSize], 4);
        learning.Layer.Backward(sequence, RecurrentUnderTest<double>.RandomValues(random, 4 * StreamsGruStruct.HiddenSize), default);
        double[] expected = learning.Layer.InitialHiddenState.ToArray().Zip(learning.Layer.InitialHiddenStateGradients.ToArray(), (v, g) => v - 0.1 * g).ToArray();
        Assert.Contains(learning.Layer.InitialHiddenStateGradients.ToArray(), g => g != 0);
        sgd.Step(ref learning.Layer);
        Assert.True(expected.AsSpan().SequenceEqual(learning.Layer.InitialHiddenState), "SGD did not step the initial state it trains");
    }

    /// <summary>A small task learned end to end: an LSTM that must remember its input three steps back.</summary>
    [Fact]
    public void AnLstmLearnsToRememberThroughTime()
    {
        var layer = new DelayLstm();
        var head = new DelayHead();
        Initializer.Initialize(layer, Initialization.PyTorchDefault, seed: 1);
        Initializer.Initialize(head, Initialization.PyTorchDefault, seed: 2);
        var adamLayer = new Adam<float>(layer, learningRate: 0.02);
        var adamHead = new Adam<float>(head, learningRate: 0.02);
        var random = new Random(9);
        const int Steps = DelayLstm.MaxSteps, Streams = DelayLstm.MaxBatch, Delay = 3;
        var x = new float[Streams * Steps];
        var hidden = new float[Streams * Steps * DelayLstm.HiddenSize];
        var prediction = new float[Streams * Steps];
        var dPrediction = new float[Streams * Steps];
        var dHidden = new float[hidden.Length];
        double Train()
        {
            for (int i = 0; i < x.Length; i++)
                x[i] = random.NextSingle() * 2 - 1;
            layer.ZeroGradients();
            head.ZeroGradients();
            layer.ResetState();
            layer.Forward(x, hidden, Steps);
            head.Forward(hidden, prediction);
            double loss = 0;
            for (int s = 0; s < Streams; s++)
            {
                for (int t = 0; t < Steps; t++)
                {
                    int at = s * Steps + t;
                    float target = t >= Delay ? x[at - Delay] : 0;
                    float error = t >= Delay ? prediction[at] - target : 0;
                    loss += error * error;
                    dPrediction[at] = 2 * error / (Streams * (Steps - Delay));
                }
            }
            head.Backward(hidden, dPrediction, dHidden);
            layer.Backward(x, dHidden, default);
            adamLayer.Step();
            adamHead.Step();
            return loss / (Streams * (Steps - Delay));
        }

        double first = Enumerable.Range(0, 20).Average(_ => Train());
        for (int i = 0; i < 600; i++)
            Train();
        double last = Enumerable.Range(0, 20).Average(_ => Train());
        output.WriteLine($"mean squared error of the delayed input: {first:G3} → {last:G3}");
        Assert.True(last < first / 20, $"the loss went from {first} to {last}");
    }

    [Fact]
    public void BackwardAllocatesNothing()
    {
        var layer = new StreamsGru();
        float[] x = new float[3 * StreamsGru.MaxSteps * StreamsGru.InputSize], dy = new float[3 * StreamsGru.MaxSteps * StreamsGru.HiddenSize], y = new float[dy.Length], dx = new float[x.Length];
        layer.Forward(x, y, StreamsGru.MaxSteps);
        layer.Backward(x, dy, dx);
        AllocationTests.RequireAWindowWithoutAllocation(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                layer.Forward(x, y, StreamsGru.MaxSteps);
                layer.Backward(x, dy, dx);
            }
        });
    }

    private static T[][] Gradients<T>(RecurrentUnderTest<T> layer) where T : unmanaged =>
        Enumerable.Range(0, layer.Tensors.ParameterTensorCount).Select(i => layer.Trainable.GradientTensor(i).ToArray()).ToArray();



}

[Lstm(In = 1, Hidden = 12, MaxBatch = 16, MaxSteps = 12)]
public partial class DelayLstm;

[Dense(In = 12, Out = 1)]
public partial class DelayHead;
