using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Import;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace DenseGen.Tests.Standardize;

/// <summary>
/// <c>[Standardize]</c> layers compiled into this project: their numbers against the references (see
/// <see cref="StandardizeChecks"/>), their argument checks, initialization, and their mean and std in weight files by
/// name, where a std that is not positive is refused and leaves everything as it was.
/// </summary>
public sealed class StandardizeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "densegen-standardize-" + Guid.NewGuid().ToString("N"));

    public StandardizeTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    public static IEnumerable<object[]> FloatCases() =>
        from layer in Enumerable.Range(0, StandardizeChecks.FloatLayers().Length) from batch in StandardizeChecks.BatchSizes select new object[] { layer, batch };

    public static IEnumerable<object[]> DoubleCases() =>
        from layer in Enumerable.Range(0, StandardizeChecks.DoubleLayers().Length) from batch in StandardizeChecks.BatchSizes select new object[] { layer, batch };

    [Theory]
    [MemberData(nameof(FloatCases))]
    public void FloatLayerMatchesTheReferences(int layer, int batch)
    {
        (Func<IStandardizeUnderTest<float>> create, float clip) = StandardizeChecks.FloatLayers()[layer];
        StandardizeChecks.CheckAgainstReference(create(), clip, batch, seed: 100 * layer + batch);
    }

    [Theory]
    [MemberData(nameof(DoubleCases))]
    public void DoubleLayerMatchesTheReferences(int layer, int batch)
    {
        (Func<IStandardizeUnderTest<double>> create, double clip) = StandardizeChecks.DoubleLayers()[layer];
        StandardizeChecks.CheckAgainstReference(create(), clip, batch, seed: 100 * layer + batch);
    }

    [Fact]
    public void SpecialValuesFollowTheSpecificationOnEveryLayer()
    {
        foreach ((Func<IStandardizeUnderTest<float>> create, float clip) in StandardizeChecks.FloatLayers())
            StandardizeChecks.CheckSpecialValues(create(), clip);
        foreach ((Func<IStandardizeUnderTest<double>> create, double clip) in StandardizeChecks.DoubleLayers())
            StandardizeChecks.CheckSpecialValues(create(), clip);
    }

    /// <summary>The deterministic layers give the committed digest here, on the widest vectors; VectorPathTests' children check the narrower paths.</summary>
    [Fact]
    public void DeterministicLayersGiveTheCommittedDigest() =>
        Assert.Equal(StandardizeChecks.ExpectedDigest, StandardizeChecks.Digest(StandardizeChecks.DeterministicLayers()));

    [Fact]
    public void ConstantsAndInterfacesAreThoseOfAStateOnlyLayer()
    {
        Assert.Equal(17, StdF17Clip.InputSize);
        Assert.Equal(17, StdF17Clip.OutputSize);
        Assert.Equal(2.5f, StdF17Clip.Clip);
        Assert.Equal(0f, StdF16.Clip);
        Assert.Equal(2 * 17 * sizeof(float), StdF17Clip.StorageBytes);
        // A struct layer is its mean and std, packed.
        Assert.Equal(SStdF37Clip.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<SStdF37Clip>());
        Assert.Equal(SStdD9Clip.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<SStdD9Clip>());
        // Nothing is learned: not ITrainable, so no optimizer binds to it.
        Assert.False(typeof(ITrainable<float>).IsAssignableFrom(typeof(StdF17Clip)));
        IParameterTensors<float> tensors = new StdF17Clip();
        Assert.Equal(2, tensors.ParameterTensorCount);
        Assert.Equal(new[] { "mean", "std" }, new[] { tensors.ParameterTensorName(0), tensors.ParameterTensorName(1) });
        TensorDescription std = tensors.DescribeParameterTensor(1);
        Assert.Equal(TensorRole.State, std.Role);
        Assert.Equal(TensorConstraint.Positive, std.Constraint);
        Assert.Equal(1, std.InitialValue);
        Assert.Equal(TensorConstraint.None, tensors.DescribeParameterTensor(0).Constraint);
    }

    /// <summary>Forward and Backward allocate nothing: a class layer, a struct layer called directly, and a deterministic one.</summary>
    [Fact]
    public void ForwardAndBackwardAllocateNothing()
    {
        var layer = new StdF300Clip();
        layer.Std.Fill(1);
        float[] x = new float[3 * 300], y = new float[3 * 300], dx = new float[3 * 300];
        var deterministic = new DetStdD21();
        deterministic.Std.Fill(2);
        double[] xd = new double[5 * 21], yd = new double[5 * 21], dxd = new double[5 * 21];
        SStdD9Clip value = default;
        value.Std.Fill(0.5);
        double[] xs = new double[2 * 9], ys = new double[2 * 9], dxs = new double[2 * 9];
        void Calls()
        {
            for (int i = 0; i < 20; i++)
            {
                layer.Forward(x, y);
                layer.Backward(x, y, dx);
                deterministic.Forward(xd, yd);
                deterministic.Backward(xd, yd, dxd);
                value.Forward(xs, ys);
                value.Backward(xs, ys, dxs);
            }
        }
        Calls();
        AllocationTests.RequireAWindowWithoutAllocation(Calls);
    }

    /// <summary>Every generated method stays far inside the JIT's limits: kernels loop over a sample's vectors past eight of them.</summary>
    [Fact]
    public void GeneratedMethodsStayWithinJitLimits()
    {
        Assembly assembly = GeneratorHarness.CompileAndLoad("[DenseGen.Standardize(Size = 100000, Clip = 5)] public partial class Measured;");
        MethodInfo[] methods = assembly.GetType("Measured")!.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.GetMethodBody() is not null).ToArray();
        Assert.Contains(methods, m => m.Name == "__DenseForwardVector128");
        foreach (MethodInfo method in methods)
        {
            IlMeasure measure = IlInspector.Measure(method);
            Assert.True(measure.Bytes < IlInspector.MaxBytes / 20 && measure.Instructions < IlInspector.MaxInstructions / 20, $"{method.Name}: {measure}");
        }
    }

    /// <summary>Bad arguments throw before anything is written, as the dense layers' do.</summary>
    [Fact]
    public void BadArgumentsThrowAndWriteNothing()
    {
        var layer = new StdF17Clip();
        layer.Std.Fill(1);
        float[] x = new float[2 * 17], dy = new float[2 * 17];
        float[] y = Enumerable.Repeat(7f, 2 * 17).ToArray(), dx = Enumerable.Repeat(7f, 2 * 17).ToArray();

        Assert.Equal("input", Assert.ThrowsAny<ArgumentException>(() => layer.Forward(x.AsSpan(0, 20), y)).ParamName);
        Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => layer.Forward(x, y.AsSpan(0, 17))).ParamName);
        Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => layer.Forward(x, x)).ParamName);
        Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => layer.Forward(x.AsSpan(0, 17), layer.Std)).ParamName);
        Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => layer.Forward(x.AsSpan(0, 17), layer.Mean)).ParamName);
        Assert.Equal("outputGradient", Assert.ThrowsAny<ArgumentException>(() => layer.Backward(x, dy.AsSpan(0, 17), dx)).ParamName);
        // ∂L/∂X is all Backward computes: it cannot be skipped.
        Assert.Equal("inputGradient", Assert.ThrowsAny<ArgumentException>(() => layer.Backward(x, dy, [])).ParamName);
        Assert.Equal("inputGradient", Assert.ThrowsAny<ArgumentException>(() => layer.Backward(x, dy, dy)).ParamName);
        Assert.Equal("inputGradient", Assert.ThrowsAny<ArgumentException>(() => layer.Backward(x, dy, x)).ParamName);
        Assert.Equal("inputGradient", Assert.ThrowsAny<ArgumentException>(() => layer.Backward(x.AsSpan(0, 17), dy.AsSpan(0, 17), layer.Std)).ParamName);

        Assert.All(y, value => Assert.Equal(7f, value));
        Assert.All(dx, value => Assert.Equal(7f, value));
        Assert.All(layer.Std.ToArray(), value => Assert.Equal(1f, value));
        Assert.All(layer.Mean.ToArray(), value => Assert.Equal(0f, value));
    }

    [Fact]
    public void InitializationSetsTheMeanToZeroAndTheStdToOne()
    {
        var layer = new StdF17Clip();
        layer.Mean.Fill(3);
        layer.Std.Fill(4);
        Initializer.Initialize<float>(layer, Initialization.HeNormal, seed: 9);
        Assert.All(layer.Mean.ToArray(), value => Assert.Equal(0f, value));
        Assert.All(layer.Std.ToArray(), value => Assert.Equal(1f, value));

        SStdD9Clip value = default;
        value.Mean.Fill(3);
        Initializer.Initialize<double, SStdD9Clip>(ref value, Initialization.PyTorchDefault, seed: 9);
        Assert.All(value.Mean.ToArray(), m => Assert.Equal(0d, m));
        Assert.All(value.Std.ToArray(), s => Assert.Equal(1d, s));

        // In a network, the standardizing layer takes its seed index and draws nothing: the dense layers after it get
        // what seeds seed + 1 and seed + 2 give them alone.
        var network = new StandardizedNet();
        network.Initialize(seed: 20);
        Assert.All(network.Normalize.Mean.ToArray(), m => Assert.Equal(0f, m));
        Assert.All(network.Normalize.Std.ToArray(), s => Assert.Equal(1f, s));
        var hidden = new Hidden6x5ReLU();
        Initializer.Initialize<float>(hidden, Initialization.PyTorchDefault, seed: 21);
        Assert.Equal(hidden.Weights.ToArray(), network.Hidden.Weights.ToArray());
    }

    [Fact]
    public void ALoneLayerSavesAndLoadsItsMeanAndStdByName()
    {
        var layer = new StdF3Clip();
        StandardizeChecks.SetStatistics<float>(layer, new Random(1));
        SafeTensors.Save(PathOf("norm.safetensors"), ("norm", (IParameterTensors<float>)layer));
        SafeTensorsFile file = SafeTensorsFile.Read(PathOf("norm.safetensors"));
        Assert.Equal(new[] { "norm.mean", "norm.std" }, file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([3], file.Tensors["norm.std"].Shape);

        var loaded = new StdF3Clip();
        SafeTensors.Load(PathOf("norm.safetensors"), ("norm", (IParameterTensors<float>)loaded));
        Assert.Equal(layer.Mean.ToArray(), loaded.Mean.ToArray());
        Assert.Equal(layer.Std.ToArray(), loaded.Std.ToArray());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-1.5")]
    [InlineData("-Infinity")]
    [InlineData("NaN")]
    public void ALoneLayerRefusesAStdThatIsNotPositiveAndKeepsItsValues(string value)
    {
        double bad = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        var source = new StdD3Clip();
        source.Std.Fill(1);
        source.Std[2] = bad;
        SafeTensors.Save(PathOf("bad.safetensors"), ("norm", (IParameterTensors<double>)source));

        var layer = new StdF3Clip();
        layer.Mean.Fill(0.25f);
        layer.Std.Fill(2);
        InvalidDataException error = Assert.Throws<InvalidDataException>(
            () => SafeTensors.Load(PathOf("bad.safetensors"), ("norm", (IParameterTensors<float>)layer)));
        Assert.Contains("tensor 'norm.std'", error.Message, StringComparison.Ordinal);
        Assert.Contains("at element 2", error.Message, StringComparison.Ordinal);
        Assert.All(layer.Mean.ToArray(), m => Assert.Equal(0.25f, m));
        Assert.All(layer.Std.ToArray(), s => Assert.Equal(2f, s));
    }

    /// <summary>A positive double that is 0 as a float would divide by zero all the same: a float layer refuses it, a double layer takes it.</summary>
    [Fact]
    public void AStdThatRoundsToZeroAsAFloatIsRefusedByAFloatLayerOnly()
    {
        var source = new StdD3Clip();
        source.Std.Fill(1e-50);
        SafeTensors.Save(PathOf("tiny.safetensors"), ("norm", (IParameterTensors<double>)source));

        var single = new StdF3Clip();
        InvalidDataException error = Assert.Throws<InvalidDataException>(
            () => SafeTensors.Load(PathOf("tiny.safetensors"), ("norm", (IParameterTensors<float>)single)));
        Assert.Contains("which is 0 as a float", error.Message, StringComparison.Ordinal);
        Assert.All(single.Std.ToArray(), s => Assert.Equal(0f, s));

        var wide = new StdD3Clip();
        SafeTensors.Load(PathOf("tiny.safetensors"), ("norm", (IParameterTensors<double>)wide));
        Assert.All(wide.Std.ToArray(), s => Assert.Equal(1e-50, s));
    }

    [Fact]
    public void ANetworkSavesAndLoadsTheStatisticsUnderTheFieldsPrefix()
    {
        StandardizedNet saved = Trained(out _);
        saved.Save(PathOf("net.safetensors"));
        SafeTensorsFile file = SafeTensorsFile.Read(PathOf("net.safetensors"));
        Assert.Equal(
            new[] { "hidden.bias", "hidden.weight", "normalize.mean", "normalize.std", "output.bias", "output.weight" },
            file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([6], file.Tensors["normalize.mean"].Shape);
        Assert.Equal("normalize: Standardize(Size = 6, Clip = 5)", file.Metadata["densegen.layer.0"]);

        var loaded = new StandardizedNet();
        loaded.Load(PathOf("net.safetensors"));
        AssertSameTensors(saved, loaded);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.0)]
    [InlineData(double.NaN)]
    public void ANetworkRefusesAStdThatIsNotPositiveAndIsUnchanged(double bad)
    {
        StandardizedNet source = Trained(out _);
        source.Normalize.Std[4] = (float)bad;
        source.Save(PathOf("bad.safetensors"));

        var network = new StandardizedNet();
        network.Initialize(seed: 31);
        network.Normalize.Mean.Fill(0.5f);
        network.Normalize.Std.Fill(3);
        var before = new StandardizedNet();
        CopyTensors(network, before);
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => network.Load(PathOf("bad.safetensors")));
        Assert.Contains("tensor 'normalize.std' holds", error.Message, StringComparison.Ordinal);
        Assert.Contains("at element 4", error.Message, StringComparison.Ordinal);
        AssertSameTensors(before, network);
        // The rest of the file was fine: with a good std it loads.
        source.Normalize.Std[4] = 0.5f;
        source.Save(PathOf("good.safetensors"));
        network.Load(PathOf("good.safetensors"));
        AssertSameTensors(source, network);
    }

    [Fact]
    public void ANetworkRefusesAFileOfAnotherClip()
    {
        // The clamp is part of the architecture: a file recorded with Clip = 5 does not load where Clip is 3.
        var saved = new StandardizedNet();
        saved.Initialize(seed: 2);
        saved.Save(PathOf("net.safetensors"));
        Assert.Equal("Standardize", StandardizedNet.Architecture[0].Kind);
        Assert.Equal(new[] { "mean", "std" }, StandardizedNet.Architecture[0].Tensors.Select(t => t.Name));
        Assert.False(StandardizedNet.Architecture[0].Trainable);

        var other = new StandardizedNetClip3();
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => other.Load(PathOf("net.safetensors")));
        Assert.Contains(
            "layer 0 is recorded as 'normalize: Standardize(Size = 6, Clip = 5)'; this network's layer 0 is 'normalize: Standardize(Size = 6, Clip = 3)'",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOnnxRefusesANetworkWithAStandardizingLayerNamingIt()
    {
        var network = new StandardizedNet();
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => network.LoadOnnx(File.ReadAllBytes(OnnxImportTests.Fixture("mlp.opset17.onnx"))));
        Assert.Contains("'normalize' is a Standardize layer, which DenseGen does not read from ONNX models yet", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The network is its layers called in order: the same calls on the same buffers give the same bits, the standardizing
    /// layer first and, backward, last (only when the caller asks for ∂L/∂X, since nothing before it learns).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(StandardizedNet.MaxBatch)]
    public void TheNetworkIsItsLayersCalledInOrder(int samples)
    {
        StandardizedNet network = Trained(out _);
        var byHand = new StandardizedNet();
        CopyTensors(network, byHand);
        var random = new Random(samples);
        float[] x = Enumerable.Range(0, samples * 6).Select(_ => (float)(12 * random.NextDouble() - 6)).ToArray();
        float[] dy = LayerChecks.RandomValues<float>(random, samples * 3);
        float[] y = new float[samples * 3], dx = new float[samples * 6];
        network.ZeroGradients();
        network.Forward(x, y);
        network.Backward(x, dy, dx);

        float[] h0 = new float[samples * 6], h1 = new float[samples * 5], expectedY = new float[samples * 3];
        byHand.Normalize.Forward(x, h0);
        byHand.Hidden.Forward(h0, h1);
        byHand.Output.Forward(h1, expectedY);
        float[] g1 = new float[samples * 5], g0 = new float[samples * 6], expectedDx = new float[samples * 6];
        byHand.ZeroGradients();
        byHand.Output.Backward(h1, dy, g1);
        byHand.Hidden.Backward(h0, h1, g1, g0);
        byHand.Normalize.Backward(x, g0, expectedDx);
        Assert.Equal(expectedY, y);
        Assert.Equal(expectedDx, dx);
        Assert.Equal(byHand.Hidden.WeightGradients.ToArray(), network.Hidden.WeightGradients.ToArray());
        Assert.Equal(byHand.Output.BiasGradients.ToArray(), network.Output.BiasGradients.ToArray());
        // Some inputs were clamped: their gradient is 0, the others' is not.
        Assert.Contains(dx, value => value == 0);
        Assert.Contains(dx, value => value != 0);
    }

    /// <summary>Last in a network, the standardizing layer gets the caller's output gradient and passes it back through the clamp.</summary>
    [Fact]
    public void AStandardizingLayerMayComeLast()
    {
        var network = new StandardizedLastNet();
        network.Initialize(seed: 6);
        network.Normalize.Mean.Fill(0.1f);
        network.Normalize.Std.Fill(0.25f);
        var random = new Random(7);
        float[] x = LayerChecks.RandomValues<float>(random, 3 * 4), dy = LayerChecks.RandomValues<float>(random, 3 * 6);
        float[] y = new float[3 * 6], dx = new float[3 * 4];
        network.ZeroGradients();
        network.Forward(x, y);
        network.Backward(x, dy, dx);

        float[] h = new float[3 * 6], expectedY = new float[3 * 6], g = new float[3 * 6], expectedDx = new float[3 * 4];
        var hidden = new Hidden4x6Tanh();
        network.Hidden.Weights.CopyTo(hidden.Weights);
        network.Hidden.Bias.CopyTo(hidden.Bias);
        hidden.Forward(x, h);
        network.Normalize.Forward(h, expectedY);
        network.Normalize.Backward(h, dy, g);
        hidden.Backward(x, h, g, expectedDx);
        Assert.Equal(expectedY, y);
        Assert.Equal(expectedDx, dx);
        Assert.Equal(hidden.WeightGradients.ToArray(), network.Hidden.WeightGradients.ToArray());
        // tanh's outputs lie in (−1, 1): (h − 0.1) / 0.25 passes ±5 for none, so every gradient passes.
        Assert.Contains(g, value => value != 0);
    }

    /// <summary>A network of standardizing layers learns nothing: inference only, with the scratch overload, and nothing for optimizers.</summary>
    [Fact]
    public void ANetworkOfStandardizingLayersIsInferenceOnly()
    {
        Assert.False(typeof(ITrainableModule<float>).IsAssignableFrom(typeof(StatisticsOnlyNet)));
        Assert.Equal(0, StatisticsOnlyNet.ParameterCount);
        var network = new StatisticsOnlyNet();
        network.Initialize(seed: 1);
        network.First.Std.Fill(0.5f);
        float[] x = [4, -4, 0.25f, 1, -1, 2, 0, 0, 0, 0, 0, 0], y = new float[12], viaScratch = new float[12];
        network.Forward(x, y);
        network.Forward(x, viaScratch, new float[StatisticsOnlyNet.ForwardScratchLength]);
        // First: x / 0.5 clamped to ±5; then the second clamps to ±3.
        Assert.Equal([3, -3, 0.5f, 2, -2, 3, 0, 0, 0, 0, 0, 0], y);
        Assert.Equal(y, viaScratch);
    }

    /// <summary>Optimizers see the dense layers' tensors only; training leaves the statistics alone.</summary>
    [Fact]
    public void TrainingUpdatesTheDenseLayersAndNeverTheStatistics()
    {
        StandardizedNet network = Trained(out float[] losses);
        IParameterTensors<float> trained = network;
        Assert.Equal(4, trained.ParameterTensorCount);
        Assert.Equal(new[] { "hidden.weight", "hidden.bias", "output.weight", "output.bias" }, Enumerable.Range(0, 4).Select(trained.ParameterTensorName));
        Assert.Equal(Statistics().Mean, network.Normalize.Mean.ToArray());
        Assert.Equal(Statistics().Std, network.Normalize.Std.ToArray());
        Assert.True(losses[^1] < losses[0], $"the loss went from {losses[0]} to {losses[^1]}");
    }

    [Fact]
    public void AStructNetworkRunsItsStructStandardizingLayerInPlace()
    {
        StandardizedStructNet network = default;
        network.Initialize(seed: 4);
        network.Normalize.Mean.Fill(1);
        network.Normalize.Std.Fill(0.5f);
        float[] x = [1, 2, 3, 0.5f, -1, 1, 1.25f, 1], y = new float[4], expected = new float[4];
        network.Forward(x, y);
        float[] h = new float[8];
        network.Normalize.Forward(x, h);
        Assert.Equal([0, 2, 2, -1, -2, 0, 0.5f, 0], h);
        network.Output.Forward(h, expected);
        Assert.Equal(expected, y);
        float[] dx = new float[8];
        network.ZeroGradients();
        network.Backward(x, [1, 1, 1, 1], dx);
        // z = 4 and −4 are clamped to ±2: no gradient; the others get dY·W / σ.
        Assert.Equal(0, dx[2]);
        Assert.Equal(0, dx[4]);
        Assert.NotEqual(0, dx[0]);
    }

    /// <summary>Baked weights go through the same readers: a std that is not positive is the mismatch error at the attribute.</summary>
    [Theory]
    [InlineData(1.0, null)]
    [InlineData(0.0, "tensor 'normalize.std' holds 0 at element 4")]
    [InlineData(double.NaN, "tensor 'normalize.std' holds NaN at element 4")]
    public void BakedWeightsRefuseAStdThatIsNotPositive(double std, string? problem)
    {
        StandardizedNet source = Trained(out _);
        source.Normalize.Std[4] = (float)std;
        source.Save(PathOf("policy.safetensors"));
        const string Network = """
            using DenseGen;
            [Standardize(Size = 6, Clip = 5)] public partial class Norm;
            [Dense(In = 6, Out = 5, Activation = Activation.ReLU)] public partial class Hidden;
            [Dense(In = 5, Out = 3)] public partial class Output;

            [Sequential(Weights = "policy.safetensors")]
            public partial class Policy
            {
                public readonly Norm Normalize = new();
                public readonly Hidden Hidden = new();
                public readonly Output Output = new();
            }
            """;
        var text = new BakedWeightsTests.WeightsAdditionalText("/p/policy.densegen-weights", "policy.safetensors", File.ReadAllBytes(PathOf("policy.safetensors")));
        GeneratorRunResult result = GeneratorHarness.CreateDriver().AddAdditionalTexts([text])
            .RunGenerators(GeneratorHarness.CreateCompilation(Network)).GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        if (problem is null)
        {
            Assert.Empty(result.Diagnostics);
            Assert.Contains(result.GeneratedSources, s => s.HintName == "Policy.Sequential.g.cs");
            return;
        }
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0030", error.Id);
        Assert.Contains(problem, error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName == "Policy.Sequential.g.cs");
    }

    /// <summary>A state tensor that must be positive cannot start at a value its own Load would refuse.</summary>
    [Fact]
    public void ATensorDescriptionRefusesAnInitialValueItsConstraintBreaks()
    {
        Assert.Throws<ArgumentException>(() => new TensorDescription("std", [3], TensorRole.State, 3, 3, false, 0, TensorConstraint.Positive));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorDescription("std", [3], TensorRole.State, 3, 3, false, 1, (TensorConstraint)7));
        var description = new TensorDescription("std", [3], TensorRole.State, 3, 3, false, 1, TensorConstraint.Positive);
        Assert.Equal(TensorConstraint.Positive, description.Constraint);
    }

    internal static (float[] Mean, float[] Std) Statistics() =>
        ([0.5f, -1, 0, 2, -0.25f, 1], [1.5f, 0.5f, 2, 1, 0.25f, 3]);

    /// <summary>A network with statistics set and a few Adam steps of mean squared error on inputs some of which clamp; the losses seen.</summary>
    private static StandardizedNet Trained(out float[] losses)
    {
        var network = new StandardizedNet();
        network.Initialize(seed: 11);
        (float[] mean, float[] std) = Statistics();
        mean.CopyTo(network.Normalize.Mean);
        std.CopyTo(network.Normalize.Std);
        var random = new Random(12);
        float[] x = Enumerable.Range(0, 4 * 6).Select(_ => (float)(8 * random.NextDouble() - 4)).ToArray();
        float[] target = LayerChecks.RandomValues<float>(random, 4 * 3);
        var adam = new Adam<float>(network, learningRate: 0.01);
        float[] y = new float[4 * 3], dy = new float[4 * 3];
        losses = new float[8];
        for (int step = 0; step < losses.Length; step++)
        {
            network.Forward(x, y);
            losses[step] = Losses.MeanSquaredError<float>(y, target, dy);
            network.ZeroGradients();
            network.Backward(x, dy, []);
            adam.Step();
        }
        return network;
    }

    private static float[][] Values(StandardizedNet network) =>
    [
        network.Normalize.Mean.ToArray(), network.Normalize.Std.ToArray(), network.Hidden.Weights.ToArray(), network.Hidden.Bias.ToArray(),
        network.Output.Weights.ToArray(), network.Output.Bias.ToArray(),
    ];

    private static void CopyTensors(StandardizedNet from, StandardizedNet to)
    {
        from.Normalize.Mean.CopyTo(to.Normalize.Mean);
        from.Normalize.Std.CopyTo(to.Normalize.Std);
        from.Hidden.Weights.CopyTo(to.Hidden.Weights);
        from.Hidden.Bias.CopyTo(to.Hidden.Bias);
        from.Output.Weights.CopyTo(to.Output.Weights);
        from.Output.Bias.CopyTo(to.Output.Bias);
    }

    private static void AssertSameTensors(StandardizedNet expected, StandardizedNet actual)
    {
        float[][] a = Values(expected), b = Values(actual);
        for (int i = 0; i < a.Length; i++)
            Assert.Equal(a[i].Select(BitConverter.SingleToInt32Bits), b[i].Select(BitConverter.SingleToInt32Bits));
    }
}
