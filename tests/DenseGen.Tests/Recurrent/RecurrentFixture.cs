using System;
using System.Globalization;
using System.IO;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Recurrent;

/// <summary>
/// A PyTorch fixture file (tests/DenseGen.Tests/Fixtures/recurrent, written by tools/make-recurrent-fixtures.py): the
/// model it describes as a <see cref="RecurrentReference"/>, its inputs and PyTorch's results.
/// </summary>
internal sealed class RecurrentFixture
{
    private RecurrentFixture(string name, SafeTensorsFile file, RecurrentReference reference)
    {
        Name = name;
        File = file;
        Reference = reference;
    }

    public static string Folder => Path.Combine(Repository.Root(), "tests", "DenseGen.Tests", "Fixtures", "recurrent");

    /// <summary>Every fixture's name, in ordinal order.</summary>
    public static string[] Names() =>
        [.. Directory.GetFiles(Folder, "*.safetensors").Select(f => Path.GetFileName(f)[..^".safetensors".Length]).Order(StringComparer.Ordinal)];

    public string Name { get; }

    public SafeTensorsFile File { get; }

    public RecurrentReference Reference { get; }

    public int Streams => Meta("streams");

    public int Steps => Meta("steps");

    public bool Lstm => Reference.Kind == RecurrentKind.Lstm;

    /// <summary>The declared layer's shape: <c>lstm_in3_h40_l2</c>.</summary>
    public string Shape => $"{File.Metadata["kind"]}_in{Reference.InputSize}_h{Reference.HiddenSize}_l{Reference.Layers}";

    /// <summary>The fixture <paramref name="name"/>, a path from <see cref="Folder"/> without its extension.</summary>
    public static RecurrentFixture Read(string name)
    {
        SafeTensorsFile file = SafeTensorsFile.Read(Path.Combine(Folder, name + ".safetensors"));
        int Meta(string key) => int.Parse(file.Metadata[key], CultureInfo.InvariantCulture);
        var kind = file.Metadata["kind"] == "lstm" ? RecurrentKind.Lstm : RecurrentKind.Gru;
        var reference = new RecurrentReference(kind, Meta("input_size"), Meta("hidden_size"), Meta("num_layers"));
        for (int k = 0; k < reference.Layers; k++)
        {
            file.CopyTo<double>($"weight_ih_l{k}", reference.WeightIh[k]);
            file.CopyTo<double>($"weight_hh_l{k}", reference.WeightHh[k]);
            file.CopyTo<double>($"bias_ih_l{k}", reference.BiasIh[k]);
            file.CopyTo<double>($"bias_hh_l{k}", reference.BiasHh[k]);
        }
        return new RecurrentFixture(name, file, reference);
    }

    public RecurrentReference.Pass Forward() =>
        Reference.Forward(Get("x"), Streams, Steps, Get("h0"), Lstm ? Get("c0") : null);

    /// <summary>The reference's forward pass on the fixture's input and initial state, with the bounds of its results.</summary>
    public RecurrentErrorBound Bound() =>
        RecurrentErrorBound.Forward(Reference, Get("x"), Streams, Steps, Get("h0"), Lstm ? Get("c0") : null);

    /// <summary>The result tensors' names: output, h_n and, for an LSTM, c_n.</summary>
    public string[] Results => Lstm ? ["output", "h_n", "c_n"] : ["output", "h_n"];

    /// <summary>A result tensor's shape: output [streams, steps, hidden], the final states [layers, streams, hidden].</summary>
    public int[] ResultShape(string name) => name == "output"
        ? [Streams, Steps, Reference.HiddenSize]
        : [Reference.Layers, Streams, Reference.HiddenSize];

    public double[] Get(string name) => Get<double>(name);

    public T[] Get<T>(string name) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        long length = File.Tensors[name].Shape.Aggregate(1L, (product, d) => product * d);
        var values = new T[length];
        File.CopyTo<T>(name, values);
        return values;
    }

    public int[] TensorShape(string name) => [.. File.Tensors[name].Shape.Select(d => (int)d)];

    private int Meta(string key) => int.Parse(File.Metadata[key], CultureInfo.InvariantCulture);

    /// <summary>
    /// Asserts |<paramref name="actual"/> − <paramref name="expected"/>| ≤ <paramref name="roundoff"/>·β element by
    /// element, naming the element, both values and the bound; returns the largest ratio of difference to bound.
    /// </summary>
    public static double AssertWithin(double[] expected, double[] actual, double[] coefficient, double roundoff, string what, int[] shape, string actualName, string expectedName)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Length, coefficient.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]), bound = roundoff * coefficient[i];
            Assert.True(error <= bound,
                $"{what}[{Index(i, shape)}]: {actualName} {actual[i]:R}, {expectedName} {expected[i]:R}: |difference| {error:G3} > bound {bound:G3}");
            if (bound > 0)
                worst = Math.Max(worst, error / bound);
        }
        return worst;
    }

    /// <summary>Flat index <paramref name="i"/> as a row-major multi-index, "2, 17, 5".</summary>
    public static string Index(int i, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = i % shape[d];
            i /= shape[d];
        }
        return string.Join(", ", index);
    }
}
