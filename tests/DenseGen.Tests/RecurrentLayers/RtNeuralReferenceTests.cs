using System;
using System.Collections.Generic;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Recurrent;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// RTNeural's reference data (shared/external/rtneural, see SOURCES.md there): PyTorch-trained models of a recurrent
/// layer 1 → 8, three stacked layers 8 → 8 and a Dense 8 → 1, as a state dict in JSON, with 1,000 inputs and the outputs
/// PyTorch computed streaming them one step at a time from a zero state. The generated layers, loaded through their
/// tensor spans by PyTorch's names, stream the same inputs through <c>Step</c> and must give every output within 1e-6,
/// RTNeural's own tolerance for these files.
/// </summary>
public sealed class RtNeuralReferenceTests(ITestOutputHelper output)
{
    [ExternalModelFact]
    public void TheLstmStreamsRtNeuralsReferenceOutputs()
    {
        Dictionary<string, double[]> tensors = RtNeuralData.StateDict("lstm");
        var first = new RtLstmFirst();
        var stack = new RtLstmStack();
        var dense = new RtDenseOut();
        LoadParameters(tensors, "lstm.", first);
        LoadParameters(tensors, "lstm2.", stack);
        LoadParameters(tensors, "dense.", dense);
        Compare("lstm", (x, y) =>
        {
            Span<float> a = stackalloc float[8], b = stackalloc float[8];
            first.Step(x, a);
            stack.Step(a, b);
            dense.Forward(b, y);
        });
    }

    [ExternalModelFact]
    public void TheGruStreamsRtNeuralsReferenceOutputs()
    {
        Dictionary<string, double[]> tensors = RtNeuralData.StateDict("gru");
        var first = new RtGruFirst();
        var stack = new RtGruStack();
        var dense = new RtDenseOut();
        LoadParameters(tensors, "gru.", first);
        LoadParameters(tensors, "gru2.", stack);
        LoadParameters(tensors, "dense.", dense);
        Compare("gru", (x, y) =>
        {
            Span<float> a = stackalloc float[8], b = stackalloc float[8];
            first.Step(x, a);
            stack.Step(a, b);
            dense.Forward(b, y);
        });
    }

    private delegate void Model(ReadOnlySpan<float> x, Span<float> y);

    private void Compare(string kind, Model model)
    {
        double[] inputs = RtNeuralData.Inputs(kind), expected = RtNeuralData.Outputs(kind);
        Assert.Equal(1000, inputs.Length);
        Assert.Equal(inputs.Length, expected.Length);
        var y = new float[1];
        double worst = 0;
        for (int t = 0; t < inputs.Length; t++)
        {
            model(new[] { (float)inputs[t] }, y);
            double error = Math.Abs(y[0] - expected[t]);
            worst = Math.Max(worst, error);
            Assert.True(error <= RtNeuralData.Tolerance, $"{kind}, step {t}: {y[0]:R} where PyTorch gave {expected[t]:R} (|error| {error:G3} > {RtNeuralData.Tolerance})");
        }
        output.WriteLine($"{kind}: {inputs.Length} steps, max |DenseGen − PyTorch| {worst:G3}");
    }

    /// <summary>Every tensor of the layer by its PyTorch name under <paramref name="prefix"/>, written through its span.</summary>
    private static void LoadParameters(Dictionary<string, double[]> tensors, string prefix, IParameterTensors<float> layer)
    {
        for (int i = 0; i < layer.ParameterTensorCount; i++)
        {
            string name = prefix + layer.ParameterTensorName(i);
            Span<float> destination = layer.ParameterTensor(i);
            if (!tensors.TryGetValue(name, out double[]? values))
            {
                // The initial state is not in PyTorch's state dict: it stays zero, as RTNeural's streams start.
                Assert.StartsWith("initial_", layer.ParameterTensorName(i), StringComparison.Ordinal);
                continue;
            }
            Assert.Equal(destination.Length, values.Length);
            for (int j = 0; j < values.Length; j++)
                destination[j] = (float)values[j];
        }
    }
}
