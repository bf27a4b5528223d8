using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using DenseGen.Tests.Infrastructure;
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
    private const double Tolerance = 1e-6;

    [ExternalModelFact]
    public void TheLstmStreamsRtNeuralsReferenceOutputs()
    {
        Dictionary<string, float[]> tensors = StateDict("rtneural/lstm_torch.json");
        var first = new RtLstmFirst();
        var stack = new RtLstmStack();
        var dense = new RtDenseOut();
        LoadParameters(tensors, "lstm.", first);
        LoadParameters(tensors, "lstm2.", stack);
        LoadParameters(tensors, "dense.", dense);
        Compare("rtneural/lstm_torch", (x, y) =>
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
        Dictionary<string, float[]> tensors = StateDict("rtneural/gru_torch.json");
        var first = new RtGruFirst();
        var stack = new RtGruStack();
        var dense = new RtDenseOut();
        LoadParameters(tensors, "gru.", first);
        LoadParameters(tensors, "gru2.", stack);
        LoadParameters(tensors, "dense.", dense);
        Compare("rtneural/gru_torch", (x, y) =>
        {
            Span<float> a = stackalloc float[8], b = stackalloc float[8];
            first.Step(x, a);
            stack.Step(a, b);
            dense.Forward(b, y);
        });
    }

    private delegate void Model(ReadOnlySpan<float> x, Span<float> y);

    private void Compare(string stem, Model model)
    {
        float[] inputs = Column(stem + "_x_python.csv"), expected = Column(stem + "_y_python.csv");
        Assert.Equal(1000, inputs.Length);
        Assert.Equal(inputs.Length, expected.Length);
        var y = new float[1];
        double worst = 0;
        for (int t = 0; t < inputs.Length; t++)
        {
            model(new[] { inputs[t] }, y);
            double error = Math.Abs(y[0] - (double)expected[t]);
            worst = Math.Max(worst, error);
            Assert.True(error <= Tolerance, $"{stem}, step {t}: {y[0]:R} where PyTorch gave {expected[t]:R} (|error| {error:G3} > {Tolerance})");
        }
        output.WriteLine($"{stem}: {inputs.Length} steps, max |DenseGen − PyTorch| {worst:G3}");
    }

    /// <summary>Every tensor of the layer by its PyTorch name under <paramref name="prefix"/>, written through its span.</summary>
    private static void LoadParameters(Dictionary<string, float[]> tensors, string prefix, IParameterTensors<float> layer)
    {
        for (int i = 0; i < layer.ParameterTensorCount; i++)
        {
            string name = prefix + layer.ParameterTensorName(i);
            Span<float> destination = layer.ParameterTensor(i);
            if (!tensors.TryGetValue(name, out float[]? values))
            {
                // The initial state is not in PyTorch's state dict: it stays zero, as RTNeural's streams start.
                Assert.StartsWith("initial_", layer.ParameterTensorName(i), StringComparison.Ordinal);
                continue;
            }
            Assert.Equal(destination.Length, values.Length);
            values.CopyTo(destination);
        }
    }

    private static Dictionary<string, float[]> StateDict(string file)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(ExternalModels.Path(file)));
        var tensors = new Dictionary<string, float[]>();
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
            tensors[property.Name] = Flatten(property.Value).ToArray();
        return tensors;
    }

    private static IEnumerable<float> Flatten(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().SelectMany(Flatten) : [element.GetSingle()];

    private static float[] Column(string file) =>
        File.ReadAllLines(ExternalModels.Path(file)).Where(line => line.Length > 0).Select(line => float.Parse(line, CultureInfo.InvariantCulture)).ToArray();
}
