using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Layers;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests;

/// <summary>Forward and all three gradients of the layers compiled into this project, against the double reference.</summary>
public class NumericalTests(ITestOutputHelper output)
{
    // 3 and 4 samples are the forward and input-gradient tiles; 1, 2, 5 and 7 leave remainders after them.
    // 11 and 130 reach the kernel along the outputs (from 8 samples on, or 128 for rows of whole vectors) with samples
    // left over after its register tiles of 2, 3 or 4.
    public static readonly int[] BatchSizes = [1, 2, 3, 4, 5, 7, 11, 64, 130];

    public static readonly Func<IDenseLayer<float>>[] FloatLayers =
    [
        () => new F1x1(), () => new F1x100(), () => new F100x1(), () => new F3x5(), () => new F17x33(),
        () => new F31x7(), () => new F64x32(), () => new F784x128(), () => new SF3x5(), () => new SF17x33(),
        () => new Container.NestedF4x3(), () => new F48x12(), () => new F200x6(), () => new F130x15(),
        () => new F8x3(), () => new F5x9(), () => new F1000x20(), () => new F20x12Full(),
        () => new DetF100x67(), () => new SDetF33x10(), () => new DetF784x128(), () => new DetF32x3(),
        () => new F17x33NoBias(), () => new F130x15NoBias(), () => new F20x12FullNoBias(), () => new SF3x5NoBias(),
        () => new DetF100x67NoBias(), () => new F10x64(), () => new F12x23NoBias(), () => new F16x32(),
    ];

    public static readonly Func<IDenseLayer<double>>[] DoubleLayers =
    [
        () => new D1x1(), () => new D1x100(), () => new D100x1(), () => new D3x5(), () => new D17x33(),
        () => new D31x7(), () => new D64x32(), () => new D784x128(), () => new SD3x2(), () => new D130x15(),
        () => new D6x5(), () => new D41x10Full(), () => new DetD17x33(), () => new DetD64x20(),
        () => new D41x10NoBias(), () => new DetD17x33NoBias(), () => new SD2x19NoBias(), () => new D8x16(),
    ];

    public static readonly Func<IActivatedDenseLayer<float>>[] ActivatedFloatLayers =
    [
        () => new F17x33ReLU(), () => new F130x15LeakyReLU(), () => new F37x21LeakyReLU02(), () => new F31x7Sigmoid(), () => new F48x12Tanh(),
        () => new F784x128ReLU(), () => new SF3x5Tanh(), () => new F9x300Sigmoid(),
        () => new DetF100x67LeakyReLU(), () => new DetF20x11LeakyReLU02(), () => new DetF67x33Tanh(), () => new DetF33x10Sigmoid(), () => new DetF17x33ReLU(),
        () => new F48x12TanhNoBias(), () => new F17x33ReLUNoBias(),
        () => new F29x11ELU(), () => new SF4x3ELU(), () => new DetF37x21ELU(),
        () => new F29x11SiLU(), () => new F9x300SiLU(), () => new SF4x3SiLU(), () => new F17x33SiLUNoBias(), () => new DetF37x21SiLU(),
        () => new F15x40ReLU(),
    ];

    public static readonly Func<IActivatedDenseLayer<double>>[] ActivatedDoubleLayers =
    [
        () => new D3x5ReLU(), () => new D17x33LeakyReLU(), () => new D9x13LeakyReLU03(), () => new D6x5Sigmoid(), () => new D41x10Tanh(),
        () => new D5x1100Tanh(), () => new SD3x2Sigmoid(), () => new DetD41x10Tanh(), () => new D6x5SigmoidNoBias(),
        () => new D19x9ELU(), () => new DetD19x9ELU(),
        () => new D19x9SiLU(), () => new D5x1100SiLU(), () => new DetD19x9SiLU(),
        () => new D7x27ReLU(),
    ];

    /// <summary>The deterministic layers without an activation, whose bits <see cref="DeterministicOrder{T}"/> fixes.</summary>
    public static readonly Func<IDenseLayer<float>>[] DeterministicFloatLayers =
    [
        () => new DetF100x67(), () => new SDetF33x10(), () => new DetF784x128(), () => new DetF32x3(), () => new DetF100x67NoBias(),
    ];

    public static readonly Func<IDenseLayer<double>>[] DeterministicDoubleLayers = [() => new DetD17x33(), () => new DetD64x20(), () => new DetD17x33NoBias()];

    public static IEnumerable<object[]> DeterministicFloatCases() =>
        from layer in Enumerable.Range(0, DeterministicFloatLayers.Length) from batch in BatchSizes select new object[] { layer, batch };

    public static IEnumerable<object[]> DeterministicDoubleCases() =>
        from layer in Enumerable.Range(0, DeterministicDoubleLayers.Length) from batch in BatchSizes select new object[] { layer, batch };

    [Theory]
    [MemberData(nameof(DeterministicFloatCases))]
    public void DeterministicFloatLayerHasTheFixedOrdersBits(int layer, int batch) =>
        LayerChecks.CheckDeterministicOrder(DeterministicFloatLayers[layer](), batch, seed: 1000 * layer + batch);

    [Theory]
    [MemberData(nameof(DeterministicDoubleCases))]
    public void DeterministicDoubleLayerHasTheFixedOrdersBits(int layer, int batch) =>
        LayerChecks.CheckDeterministicOrder(DeterministicDoubleLayers[layer](), batch, seed: 1000 * layer + batch);

    public static IEnumerable<object[]> ActivatedFloatCases() =>
        from layer in Enumerable.Range(0, ActivatedFloatLayers.Length) from batch in BatchSizes select new object[] { layer, batch };

    public static IEnumerable<object[]> ActivatedDoubleCases() =>
        from layer in Enumerable.Range(0, ActivatedDoubleLayers.Length) from batch in BatchSizes select new object[] { layer, batch };

    [Theory]
    [MemberData(nameof(ActivatedFloatCases))]
    public void ActivatedFloatLayerMatchesReference(int layer, int batch) =>
        LayerChecks.CheckActivatedAgainstReference(ActivatedFloatLayers[layer](), batch, seed: 1000 * layer + batch);

    [Theory]
    [MemberData(nameof(ActivatedDoubleCases))]
    public void ActivatedDoubleLayerMatchesReference(int layer, int batch) =>
        LayerChecks.CheckActivatedAgainstReference(ActivatedDoubleLayers[layer](), batch, seed: 1000 * layer + batch);

    [Fact]
    public void ActivatedLayersReportTheirActivation()
    {
        Assert.Equal(Activation.ReLU, new F784x128ReLU().Activation);
        Assert.Equal(Activation.LeakyReLU, new F130x15LeakyReLU().Activation);
        Assert.Equal(Activation.Sigmoid, new SD3x2Sigmoid().Activation);
        Assert.Equal(Activation.Tanh, new SF3x5Tanh().Activation);
    }

    public static IEnumerable<object[]> FloatCases() =>
        from layer in Enumerable.Range(0, FloatLayers.Length) from batch in BatchSizes select new object[] { layer, batch };

    public static IEnumerable<object[]> DoubleCases() =>
        from layer in Enumerable.Range(0, DoubleLayers.Length) from batch in BatchSizes select new object[] { layer, batch };

    [Theory]
    [MemberData(nameof(FloatCases))]
    public void FloatLayerMatchesReference(int layer, int batch) =>
        LayerChecks.CheckAgainstReference(FloatLayers[layer](), batch, seed: 1000 * layer + batch);

    [Theory]
    [MemberData(nameof(DoubleCases))]
    public void DoubleLayerMatchesReference(int layer, int batch) =>
        LayerChecks.CheckAgainstReference(DoubleLayers[layer](), batch, seed: 1000 * layer + batch);

    [Fact]
    public void GeneratedConstantsMatchTheAttribute()
    {
        Assert.Equal(784, F784x128.InputSize);
        Assert.Equal(128, F784x128.OutputSize);
        var layer = new F784x128();
        Assert.Equal(784 * 128, layer.Weights.Length);
        Assert.Equal(128, layer.Bias.Length);
        Assert.Equal(784 * 128, layer.WeightGradients.Length);
        Assert.Equal(128, layer.BiasGradients.Length);
        Assert.Equal(3, SD3x2.InputSize);
        Assert.Equal(2, SD3x2.OutputSize);
    }

    [Fact]
    public void StructLayerHoldsItsStorageInline()
    {
        // Two 3x2 buffers and two 2-element buffers of doubles: (6 + 2) * 2 * 8 bytes, nothing else.
        Assert.Equal((6 + 2) * 2 * sizeof(double), System.Runtime.CompilerServices.Unsafe.SizeOf<SD3x2>());
        SD3x2 layer = default;
        layer.Weights[5] = 1.5;
        SD3x2 copy = layer;
        copy.Weights[5] = 2.5;
        Assert.Equal(1.5, layer.Weights[5]);
    }

    [Fact]
    public void StructLayerWorksWithoutBoxing()
    {
        SF3x5 layer = default;
        for (int i = 0; i < layer.Weights.Length; i++)
            layer.Weights[i] = i;
        layer.Bias.Fill(1);
        Span<float> y = stackalloc float[5];
        layer.Forward([1f, 2f, 3f], y);
        // Row o of W is (3o, 3o + 1, 3o + 2): y[o] = 3o + 2(3o + 1) + 3(3o + 2) + 1 = 18o + 9.
        Assert.Equal([9f, 27f, 45f, 63f, 81f], y.ToArray());
    }

    /// <summary>Runs every shape once more and prints the largest error seen, for the record.</summary>
    [Fact]
    public void ReportLargestErrors()
    {
        for (int i = 0; i < FloatLayers.Length; i++)
            LayerChecks.CheckAgainstReference(FloatLayers[i](), 64, seed: 77 + i);
        for (int i = 0; i < DoubleLayers.Length; i++)
            LayerChecks.CheckAgainstReference(DoubleLayers[i](), 64, seed: 77 + i);
        foreach ((Type type, (double error, double ratio)) in LayerChecks.LargestErrors.OrderBy(p => p.Key.Name))
            output.WriteLine($"{type.Name}: largest |layer − reference| = {error:E3}, largest error / bound = {ratio:F4}");
        Assert.True(LayerChecks.LargestErrors.ContainsKey(typeof(float)));
        Assert.True(LayerChecks.LargestErrors.ContainsKey(typeof(double)));
    }
}
