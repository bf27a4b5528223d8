using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// The generated layers on PyTorch 1.13's own results (tests/DenseGen.Tests/Fixtures/recurrent, written by
/// tools/make-recurrent-fixtures.py): each case's weights loaded by their state-dict names, its nonzero initial state
/// written into <c>HiddenState</c>/<c>CellState</c>, its sequences of 1 or 200 steps for 1 or 5 streams run through
/// <c>Forward</c>; every output and the final state against PyTorch's float64 results, within the tolerance
/// <see cref="Recurrent.RecurrentReferenceTests"/> justifies for float32 (PyTorch's own float32 results stay within
/// 1.5e-7 of its float64 ones).
/// </summary>
public sealed class PyTorchFixtureTests(ITestOutputHelper output)
{
    // The declared layer (RecurrentLayers.cs) of each fixture shape.
    private static RecurrentUnderTest<float> Create(string shape) => RecurrentLayersUnderTest.Float(shape switch
    {
        "lstm_in1_h8_l1" => nameof(FixtureLstm1x8),
        "lstm_in1_h8_l2" => nameof(FixtureLstm1x8x2),
        "lstm_in3_h40_l1" => nameof(FixtureLstm3x40),
        "lstm_in3_h40_l2" => nameof(FixtureLstm3x40x2),
        "lstm_in2_h64_l1" => nameof(FixtureLstm2x64),
        "gru_in1_h8_l1" => nameof(FixtureGru1x8),
        "gru_in1_h8_l2" => nameof(FixtureGru1x8x2),
        "gru_in3_h40_l2" => nameof(FixtureGru3x40x2),
        "gru_in2_h64_l1" => nameof(FixtureGru2x64),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "no layer is declared for this fixture's shape"),
    });

    public static TheoryData<string> Cases()
    {
        var cases = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Folder, "*.safetensors").Select(path => Path.GetFileNameWithoutExtension(path)).Order(StringComparer.Ordinal))
            cases.Add(file);
        return cases;
    }

    private static string Folder => Path.Combine(Repository.Root(), "tests", "DenseGen.Tests", "Fixtures", "recurrent");

    [Theory, MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorch(string name)
    {
        SafeTensorsFile file = SafeTensorsFile.Read(Path.Combine(Folder, name + ".safetensors"));
        int Meta(string key) => int.Parse(file.Metadata[key], CultureInfo.InvariantCulture);
        int hidden = Meta("hidden_size"), layers = Meta("num_layers"), streams = Meta("streams"), steps = Meta("steps");
        RecurrentUnderTest<float> layer = Create($"{file.Metadata["kind"]}_in{Meta("input_size")}_h{hidden}_l{layers}");
        for (int i = 0; i < layer.Tensors.ParameterTensorCount; i++)
        {
            string tensor = layer.Tensors.ParameterTensorName(i);
            if (!tensor.StartsWith("initial_", StringComparison.Ordinal))
                file.CopyTo<float>(tensor, layer.Tensors.ParameterTensor(i));
        }
        // PyTorch's h0 is [layers, streams, H]; the layer's state is [layers, MaxBatch, H], of which the first streams run.
        WriteState(Get<float>(file, "h0"), layer.HiddenState, layers, streams, layer.MaxBatch, hidden);
        if (layer.HasCell)
            WriteState(Get<float>(file, "c0"), layer.CellState, layers, streams, layer.MaxBatch, hidden);

        float[] x = Get<float>(file, "x");
        var y = new float[streams * steps * hidden];
        layer.Forward(x, y, steps);

        double worst = Compare(Get<double>(file, "f64.output"), y.Select(v => (double)v).ToArray(), "output");
        worst = Math.Max(worst, Compare(Get<double>(file, "f64.h_n"), ReadState(layer.HiddenState, layers, streams, layer.MaxBatch, hidden), "h_n"));
        if (layer.HasCell)
            worst = Math.Max(worst, Compare(Get<double>(file, "f64.c_n"), ReadState(layer.CellState, layers, streams, layer.MaxBatch, hidden), "c_n"));
        output.WriteLine($"{name}: max |DenseGen − PyTorch float64| {worst:G3} over the output and final state");
    }

    private static double Compare(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            worst = Math.Max(worst, error);
            Assert.True(error <= Recurrent.RecurrentReferenceTests.FloatTolerance, $"{what}[{i}]: {actual[i]:R}, PyTorch {expected[i]:R}");
        }
        return worst;
    }

    private static void WriteState(float[] source, Span<float> state, int layers, int streams, int maxBatch, int hidden)
    {
        for (int k = 0; k < layers; k++)
            source.AsSpan(k * streams * hidden, streams * hidden).CopyTo(state.Slice(k * maxBatch * hidden));
    }

    private static double[] ReadState(Span<float> state, int layers, int streams, int maxBatch, int hidden)
    {
        var values = new List<double>();
        for (int k = 0; k < layers; k++)
            foreach (float v in state.Slice(k * maxBatch * hidden, streams * hidden))
                values.Add(v);
        return values.ToArray();
    }

    private static T[] Get<T>(SafeTensorsFile file, string name) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        long length = file.Tensors[name].Shape.Aggregate(1L, (product, d) => product * d);
        var values = new T[length];
        file.CopyTo<T>(name, values);
        return values;
    }
}
