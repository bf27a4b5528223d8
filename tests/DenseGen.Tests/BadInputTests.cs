using System;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Every rejected call throws ArgumentException naming the parameter and the lengths, and changes nothing:
/// not the output buffers, not the parameters, not the gradients.
/// </summary>
public class BadInputTests
{
    // In = 3, Out = 5. Each case runs on a class layer and on a struct layer (boxed through the interface).
    public static TheoryData<string> Layers => ["class", "struct"];

    private static IDenseLayer<float> CreateTrainedLayer(string kind)
    {
        IDenseLayer<float> layer = kind == "class" ? new F3x5() : new SF3x5();
        var random = new Random(7);
        for (int i = 0; i < layer.Weights.Length; i++)
            layer.Weights[i] = (float)random.NextDouble();
        for (int i = 0; i < layer.Bias.Length; i++)
            layer.Bias[i] = (float)random.NextDouble();
        // Non-zero gradients, so that a stray write to them would show.
        layer.Backward([1f, 2f, 3f], [1f, 2f, 3f, 4f, 5f], []);
        return layer;
    }

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsEmptyInput(string kind) =>
        AssertRejected(kind, "input", ["length 0", "positive multiple of InputSize (3)"], (layer, buffers) => layer.Forward([], buffers.Output));

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsPartialSample(string kind) =>
        AssertRejected(kind, "input", ["length 4", "positive multiple of InputSize (3)"], (layer, buffers) => layer.Forward(buffers.Input.AsSpan(0, 4), buffers.Output));

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsShortOutput(string kind) =>
        AssertRejected(kind, "output", ["length 9", "expected 10", "2 samples"], (layer, buffers) => layer.Forward(buffers.Input.AsSpan(0, 6), buffers.Output.AsSpan(0, 9)));

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsLongOutput(string kind) =>
        AssertRejected(kind, "output", ["length 15", "expected 10"], (layer, buffers) => layer.Forward(buffers.Input.AsSpan(0, 6), buffers.Output.AsSpan(0, 15)));

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsOutputOverlappingInput(string kind) =>
        AssertRejected(kind, "output", ["overlaps input"], (layer, buffers) => layer.Forward(buffers.Shared.AsSpan(0, 3), buffers.Shared.AsSpan(2, 5)));

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsOutputOverlappingWeights(string kind) =>
        AssertRejected(kind, "output", ["overlaps Weights"], (layer, buffers) => layer.Forward(buffers.Input.AsSpan(0, 9), layer.Weights));

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsOutputOverlappingBias(string kind) =>
        AssertRejected(kind, "output", ["overlaps Bias"], (layer, buffers) => layer.Forward(buffers.Input.AsSpan(0, 3), layer.Bias));

    [Theory, MemberData(nameof(Layers))]
    public void ForwardRejectsOutputOverlappingGradients(string kind) =>
        AssertRejected(kind, "output", ["overlaps WeightGradients"], (layer, buffers) => layer.Forward(buffers.Input.AsSpan(0, 9), layer.WeightGradients));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsEmptyInput(string kind) =>
        AssertRejected(kind, "input", ["length 0"], (layer, buffers) => layer.Backward([], buffers.OutputGradient.AsSpan(0, 5), buffers.InputGradient.AsSpan(0, 3)));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsPartialSample(string kind) =>
        AssertRejected(kind, "input", ["length 5", "positive multiple of InputSize (3)"], (layer, buffers) => layer.Backward(buffers.Input.AsSpan(0, 5), buffers.OutputGradient.AsSpan(0, 5), []));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsWrongOutputGradientLength(string kind) =>
        AssertRejected(kind, "outputGradient", ["length 5", "expected 10"], (layer, buffers) => layer.Backward(buffers.Input.AsSpan(0, 6), buffers.OutputGradient.AsSpan(0, 5), []));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsWrongInputGradientLength(string kind) =>
        AssertRejected(kind, "inputGradient", ["length 3", "expected 6", "or 0 to skip it"], (layer, buffers) => layer.Backward(buffers.Input.AsSpan(0, 6), buffers.OutputGradient.AsSpan(0, 10), buffers.InputGradient.AsSpan(0, 3)));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsInputGradientOverlappingInput(string kind) =>
        AssertRejected(kind, "inputGradient", ["overlaps input"], (layer, buffers) => layer.Backward(buffers.Shared.AsSpan(0, 3), buffers.OutputGradient.AsSpan(0, 5), buffers.Shared.AsSpan(1, 3)));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsInputGradientOverlappingOutputGradient(string kind) =>
        AssertRejected(kind, "inputGradient", ["overlaps outputGradient"], (layer, buffers) => layer.Backward(buffers.Input.AsSpan(0, 3), buffers.Shared.AsSpan(0, 5), buffers.Shared.AsSpan(4, 3)));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsInputGradientOverlappingWeights(string kind) =>
        AssertRejected(kind, "inputGradient", ["overlaps Weights"], (layer, buffers) => layer.Backward(buffers.Input.AsSpan(0, 3), buffers.OutputGradient.AsSpan(0, 5), layer.Weights[..3]));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsInputGradientOverlappingWeightGradients(string kind) =>
        AssertRejected(kind, "inputGradient", ["overlaps WeightGradients"], (layer, buffers) => layer.Backward(buffers.Input.AsSpan(0, 3), buffers.OutputGradient.AsSpan(0, 5), layer.WeightGradients[12..]));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsInputOverlappingWeightGradients(string kind) =>
        AssertRejected(kind, "input", ["overlaps WeightGradients"], (layer, buffers) => layer.Backward(layer.WeightGradients[..3], buffers.OutputGradient.AsSpan(0, 5), buffers.InputGradient.AsSpan(0, 3)));

    [Theory, MemberData(nameof(Layers))]
    public void BackwardRejectsOutputGradientOverlappingBiasGradients(string kind) =>
        AssertRejected(kind, "outputGradient", ["overlaps BiasGradients"], (layer, buffers) => layer.Backward(buffers.Input.AsSpan(0, 3), layer.BiasGradients, buffers.InputGradient.AsSpan(0, 3)));

    // The four-argument Backward of a layer with an activation (SF3x5Tanh: In = 3, Out = 5) checks its extra span too.
    [Fact]
    public void ActivatedBackwardRejectsWrongOutputLength() =>
        AssertActivatedRejected("output", ["length 5", "expected 10"], (layer, buffers) =>
            layer.Backward(buffers.Input.AsSpan(0, 6), buffers.Output.AsSpan(0, 5), buffers.OutputGradient.AsSpan(0, 10), []));

    [Fact]
    public void ActivatedBackwardRejectsInputGradientOverlappingOutput() =>
        AssertActivatedRejected("inputGradient", ["overlaps output"], (layer, buffers) =>
            layer.Backward(buffers.Input.AsSpan(0, 3), buffers.Shared.AsSpan(0, 5), buffers.OutputGradient.AsSpan(0, 5), buffers.Shared.AsSpan(2, 3)));

    [Fact]
    public void ActivatedBackwardRejectsOutputOverlappingWeightGradients() =>
        AssertActivatedRejected("output", ["overlaps WeightGradients"], (layer, buffers) =>
            layer.Backward(buffers.Input.AsSpan(0, 3), layer.WeightGradients[..5], buffers.OutputGradient.AsSpan(0, 5), []));

    [Fact]
    public void ActivatedBackwardRejectsWrongOutputGradientLength() =>
        AssertActivatedRejected("outputGradient", ["length 6", "expected 5"], (layer, buffers) =>
            layer.Backward(buffers.Input.AsSpan(0, 3), buffers.Output.AsSpan(0, 5), buffers.OutputGradient.AsSpan(0, 6), []));

    [Fact]
    public void ReadingTheInputFromTheParametersIsAllowed()
    {
        // Overlap is rejected only where a write could corrupt a read: Forward may read its input from the
        // weights, since it writes neither.
        var layer = new F3x5();
        layer.Weights.Fill(1);
        var output = new float[5];
        layer.Forward(layer.Weights[..3], output);
        Assert.Equal([3f, 3f, 3f, 3f, 3f], output);
    }

    private sealed class Buffers
    {
        public readonly float[] Input = Filled(64, 1);
        public readonly float[] Output = Filled(64, 2);
        public readonly float[] OutputGradient = Filled(64, 3);
        public readonly float[] InputGradient = Filled(64, 4);
        public readonly float[] Shared = Filled(64, 5);

        private static float[] Filled(int length, int seed)
        {
            var random = new Random(seed);
            var values = new float[length];
            for (int i = 0; i < length; i++)
                values[i] = (float)random.NextDouble();
            return values;
        }

        public float[][] All => [Input, Output, OutputGradient, InputGradient, Shared];
    }

    private static void AssertRejected(string kind, string paramName, string[] messageParts, Action<IDenseLayer<float>, Buffers> call)
    {
        IDenseLayer<float> layer = CreateTrainedLayer(kind);
        AssertRejectedChangingNothing(layer, paramName, messageParts, buffers => call(layer, buffers));
    }

    private static void AssertActivatedRejected(string paramName, string[] messageParts, Action<IActivatedDenseLayer<float>, Buffers> call)
    {
        IActivatedDenseLayer<float> layer = new SF3x5Tanh();
        var random = new Random(7);
        for (int i = 0; i < layer.Weights.Length; i++)
            layer.Weights[i] = (float)random.NextDouble();
        layer.Backward([1f, 2f, 3f], [0.1f, 0.2f, 0.3f, 0.4f, 0.5f], [1f, 2f, 3f, 4f, 5f], []);
        AssertRejectedChangingNothing(layer, paramName, messageParts, buffers => call(layer, buffers));
    }

    /// <summary>The call throws naming <paramref name="paramName"/>, and no parameter, gradient or buffer changed.</summary>
    private static void AssertRejectedChangingNothing(IDenseParameters<float> layer, string paramName, string[] messageParts, Action<Buffers> call)
    {
        var buffers = new Buffers();
        float[][] before = [layer.Weights.ToArray(), layer.Bias.ToArray(), layer.WeightGradients.ToArray(), layer.BiasGradients.ToArray(), .. Copy(buffers.All)];

        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => call(buffers));

        Assert.Equal(paramName, exception.ParamName);
        foreach (string part in messageParts)
            Assert.Contains(part, exception.Message, StringComparison.Ordinal);
        float[][] after = [layer.Weights.ToArray(), layer.Bias.ToArray(), layer.WeightGradients.ToArray(), layer.BiasGradients.ToArray(), .. Copy(buffers.All)];
        Assert.Equal(before, after);
    }

    private static float[][] Copy(float[][] arrays) => Array.ConvertAll(arrays, a => (float[])a.Clone());
}
