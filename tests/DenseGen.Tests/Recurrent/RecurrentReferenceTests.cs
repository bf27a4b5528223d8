using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Recurrent;

/// <summary>
/// <see cref="RecurrentReference"/> against PyTorch 1.13 (tests/DenseGen.Tests/Fixtures/recurrent, written by
/// tools/make-recurrent-fixtures.py) and against RTNeural's reference data (shared/external/rtneural): the outputs, final
/// states and gradients of nn.LSTM and nn.GRU stacks, so that the reference can stand for PyTorch when the recurrent
/// layers are checked.
/// </summary>
public class RecurrentReferenceTests(ITestOutputHelper output)
{
    /// <summary>
    /// PyTorch's float64 results and the reference are the same formulas in double from the same (float32) weights and
    /// inputs; they differ only in the order of the sums and in exp/tanh's last bits, which the contracting recurrence does
    /// not amplify. Relative to the largest magnitude in the tensor (at least 1), so values near zero are not held to
    /// digits they cannot have.
    /// </summary>
    private const double DoubleTolerance = 1e-12;

    /// <summary>
    /// PyTorch's float32 results against the double reference: not a rigorous bound but an estimate with a wide margin.
    /// One step's pre-activation is a float32 sum of n = in + hidden + 2 terms, off by at most γ_n Σ|w·v| ≈ n·2⁻²⁴·Σ|w·v|;
    /// with PyTorch's initialization (|w| ≤ 1/√hidden), |h| &lt; 1 and inputs from N(0, 1) that is at most ~4e-5 for the
    /// widest case (n = 68, Σ|w·v| ≲ 9), and rounding errors of random sign add up as √n rather than n (~5e-6). Through the
    /// gates (σ' ≤ 1/4, tanh' ≤ 1) and the recurrence, an error is scaled by the step's Jacobian, whose norm stays below 1
    /// for these networks (the forget gate and z average ~1/2 and the activations saturate), so errors do not grow over the
    /// 200 steps: PyTorch's own float32 results differ from its float64 ones by at most 1.5e-7 in every fixture. 1e-5
    /// (absolute, on values of magnitude ≤ 1.2) is a hundred times that and still a thousand times smaller than what a
    /// swapped gate or a wrong formula produces. Gradients, which sum 200 steps of such terms, are compared relative to the
    /// tensor's largest magnitude with 1e-4 (PyTorch's own float32/float64 gap: at most 1.2e-6).
    /// </summary>
    internal const double FloatTolerance = 1e-5, FloatGradientTolerance = 1e-4;


    public static TheoryData<string> Cases() =>
        [.. Directory.GetFiles(FixtureFolder, "*.safetensors").Select(f => Path.GetFileName(f)[..^".safetensors".Length]).Order(StringComparer.Ordinal)];

    private static string FixtureFolder => Path.Combine(Repository.Root(), "tests", "DenseGen.Tests", "Fixtures", "recurrent");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorchFloat64(string name)
    {
        Fixture fixture = Fixture.Read(name);
        RecurrentReference.Pass pass = fixture.Forward();
        double error = 0;
        foreach (string tensor in fixture.States("output"))
            error = Math.Max(error, Check(fixture.Get("f64." + tensor), Result(pass, tensor), DoubleTolerance, relative: true, tensor));
        output.WriteLine($"{name}: max relative error against PyTorch float64 {error:G3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorchFloat32(string name)
    {
        Fixture fixture = Fixture.Read(name);
        RecurrentReference.Pass pass = fixture.Forward();
        double error = 0;
        foreach (string tensor in fixture.States("output"))
            error = Math.Max(error, Check(fixture.Get(tensor), Result(pass, tensor), FloatTolerance, relative: false, tensor));
        output.WriteLine($"{name}: max absolute error against PyTorch float32 {error:G3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchPyTorch(string name)
    {
        Fixture fixture = Fixture.Read(name);
        RecurrentReference.Pass pass = fixture.Forward();
        RecurrentReference.Gradients gradients = fixture.Reference.Backward(pass, fixture.Get("r"));
        double wide = 0, narrow = 0;
        foreach ((string tensor, double[] value) in Named(fixture, gradients))
        {
            wide = Math.Max(wide, Check(fixture.Get("f64.grad." + tensor), value, DoubleTolerance, relative: true, "grad." + tensor));
            narrow = Math.Max(narrow, Check(fixture.Get("grad." + tensor), value, FloatGradientTolerance, relative: true, "grad." + tensor));
        }
        output.WriteLine($"{name}: max relative gradient error against PyTorch float64 {wide:G3}, float32 {narrow:G3}");
    }

    /// <summary>
    /// RTNeural's models (a one-layer GRU or LSTM of 8, one of 8 with 3 layers, a Linear to 1), fed their 1,000 inputs one
    /// step at a time from a zero state, carrying the state from call to call as a game or plug-in would.
    /// </summary>
    [ExternalModelTheory]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void StreamingMatchesRtNeural(string kind)
    {
        Dictionary<string, double[]> tensors = RtNeuralData.StateDict(kind);
        RecurrentKind recurrent = kind == "gru" ? RecurrentKind.Gru : RecurrentKind.Lstm;
        RecurrentReference first = FromStateDict(tensors, recurrent, kind, 1, 8, 1);
        RecurrentReference second = FromStateDict(tensors, recurrent, kind + "2", 8, 8, 3);
        double[] dense = tensors["dense.weight"];
        double bias = tensors["dense.bias"][0];
        double[] inputs = RtNeuralData.Inputs(kind);
        double[] expected = RtNeuralData.Outputs(kind);
        Assert.Equal(1000, inputs.Length);
        Assert.Equal(inputs.Length, expected.Length);

        double[]? h1 = null, c1 = null, h2 = null, c2 = null;
        double error = 0;
        for (int t = 0; t < inputs.Length; t++)
        {
            RecurrentReference.Pass a = first.Forward([inputs[t]], 1, 1, h1, c1);
            RecurrentReference.Pass b = second.Forward(a.Output, 1, 1, h2, c2);
            (h1, c1, h2, c2) = (a.HN, a.CN, b.HN, b.CN);
            double y = bias;
            for (int j = 0; j < dense.Length; j++)
                y += dense[j] * b.Output[j];
            error = Math.Max(error, Math.Abs(y - expected[t]));
            Assert.True(Math.Abs(y - expected[t]) <= RtNeuralData.Tolerance, $"step {t}: {y} against RTNeural's {expected[t]}");
        }
        output.WriteLine($"{kind}: max absolute error against RTNeural's data {error:G3}");
    }

    /// <summary>A fixture file: the model it describes, its inputs and PyTorch's results.</summary>
    private sealed class Fixture
    {
        private readonly SafeTensorsFile _file;

        private Fixture(SafeTensorsFile file, RecurrentReference reference)
        {
            _file = file;
            Reference = reference;
        }

        public RecurrentReference Reference { get; }

        public int Streams => int.Parse(_file.Metadata["streams"], CultureInfo.InvariantCulture);

        public int Steps => int.Parse(_file.Metadata["steps"], CultureInfo.InvariantCulture);

        public bool Lstm => Reference.Kind == RecurrentKind.Lstm;

        public static Fixture Read(string name)
        {
            SafeTensorsFile file = SafeTensorsFile.Read(Path.Combine(FixtureFolder, name + ".safetensors"));
            int Meta(string key) => int.Parse(file.Metadata[key], CultureInfo.InvariantCulture);
            var kind = file.Metadata["kind"] == "lstm" ? RecurrentKind.Lstm : RecurrentKind.Gru;
            var reference = new RecurrentReference(kind, Meta("input_size"), Meta("hidden_size"), Meta("num_layers"));
            var fixture = new Fixture(file, reference);
            for (int k = 0; k < reference.Layers; k++)
            {
                file.CopyTo<double>($"weight_ih_l{k}", reference.WeightIh[k]);
                file.CopyTo<double>($"weight_hh_l{k}", reference.WeightHh[k]);
                file.CopyTo<double>($"bias_ih_l{k}", reference.BiasIh[k]);
                file.CopyTo<double>($"bias_hh_l{k}", reference.BiasHh[k]);
            }
            return fixture;
        }

        public RecurrentReference.Pass Forward() =>
            Reference.Forward(Get("x"), Streams, Steps, Get("h0"), Lstm ? Get("c0") : null);

        /// <summary>The result tensors' names: <paramref name="first"/>, h_n and, for an LSTM, c_n.</summary>
        public string[] States(string first) => Lstm ? [first, "h_n", "c_n"] : [first, "h_n"];

        public double[] Get(string name)
        {
            long length = _file.Tensors[name].Shape.Aggregate(1L, (product, d) => product * d);
            var values = new double[length];
            _file.CopyTo<double>(name, values);
            return values;
        }
    }

    private static double[] Result(RecurrentReference.Pass pass, string name) => name switch
    {
        "output" => pass.Output,
        "h_n" => pass.HN,
        "c_n" => pass.CN!,
        _ => throw new ArgumentException(name),
    };

    private static (string, double[])[] Named(Fixture fixture, RecurrentReference.Gradients gradients)
    {
        var named = Enumerable.Range(0, fixture.Reference.Layers).SelectMany(k => new[]
        {
            ($"weight_ih_l{k}", gradients.WeightIh[k]), ($"weight_hh_l{k}", gradients.WeightHh[k]),
            ($"bias_ih_l{k}", gradients.BiasIh[k]), ($"bias_hh_l{k}", gradients.BiasHh[k]),
        }).ToList();
        named.Add(("x", gradients.X));
        named.Add(("h0", gradients.H0));
        if (gradients.C0 is not null)
            named.Add(("c0", gradients.C0));
        return [.. named];
    }

    /// <summary>
    /// Asserts every element within <paramref name="tolerance"/>, absolute or relative to the tensor's largest magnitude
    /// (at least 1), and returns the largest error on that scale.
    /// </summary>
    private static double Check(double[] expected, double[] actual, double tolerance, bool relative, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = relative ? Math.Max(1, expected.Max(Math.Abs)) : 1;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / scale;
            Assert.True(error <= tolerance, $"{name}[{i}]: {actual[i]} against PyTorch's {expected[i]} ({error:G3} > {tolerance:G3})");
            worst = Math.Max(worst, error);
        }
        return worst;
    }

    private static RecurrentReference FromStateDict(Dictionary<string, double[]> tensors, RecurrentKind kind, string prefix, int inputs, int hidden, int layers)
    {
        var reference = new RecurrentReference(kind, inputs, hidden, layers);
        for (int k = 0; k < layers; k++)
        {
            Load(reference.WeightIh[k], $"{prefix}.weight_ih_l{k}");
            Load(reference.WeightHh[k], $"{prefix}.weight_hh_l{k}");
            Load(reference.BiasIh[k], $"{prefix}.bias_ih_l{k}");
            Load(reference.BiasHh[k], $"{prefix}.bias_hh_l{k}");
        }
        return reference;

        void Load(double[] destination, string name)
        {
            double[] values = tensors[name];
            Assert.Equal(destination.Length, values.Length);
            values.CopyTo(destination, 0);
        }
    }
}
