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
/// layers are checked. PyTorch's results must lie within the error bounds of <see cref="RecurrentErrorBound"/>, element
/// by element (docs/math.md derives them), and those bounds must be far below what a mistake does.
/// </summary>
public class RecurrentReferenceTests(ITestOutputHelper output)
{
    private const double FloatU = ErrorBound.FloatRoundoff, DoubleU = ErrorBound.DoubleRoundoff;

    public static TheoryData<string> Cases() => [.. RecurrentFixture.Names()];

    /// <summary>
    /// PyTorch's float64 results and the reference are two double evaluations of the same formulas from the same (float32)
    /// weights and inputs, each within u·β of the exact values (<see cref="RecurrentErrorBound"/>, u = 2⁻⁵³): they differ by
    /// at most 2u·β, element by element.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorchFloat64(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        RecurrentErrorBound bound = fixture.Bound();
        double worst = 0;
        foreach (string tensor in fixture.Results)
            worst = Math.Max(worst, RecurrentFixture.AssertWithin(fixture.Get("f64." + tensor), Result(bound.Pass, tensor), Coefficient(bound, tensor), 2 * DoubleU, tensor, fixture.ResultShape(tensor), "reference", "PyTorch float64"));
        output.WriteLine($"{name}: largest |reference − PyTorch float64| is {worst:P2} of its bound");
    }

    /// <summary>
    /// PyTorch's float32 results within (2⁻²⁴ + 2⁻⁵³)·β of the reference: PyTorch computes each step with the operations
    /// the bound counts (docs/math.md), in float32, and the reference is off by its own 2⁻⁵³·β.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorchFloat32(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        RecurrentErrorBound bound = fixture.Bound();
        double worst = 0, error = 0, largest = 0;
        foreach (string tensor in fixture.Results)
        {
            double[] expected = fixture.Get(tensor), actual = Result(bound.Pass, tensor), coefficient = Coefficient(bound, tensor);
            worst = Math.Max(worst, RecurrentFixture.AssertWithin(expected, actual, coefficient, FloatU + DoubleU, tensor, fixture.ResultShape(tensor), "reference", "PyTorch float32"));
            error = Math.Max(error, expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max());
            largest = Math.Max(largest, (FloatU + DoubleU) * coefficient.Max());
        }
        output.WriteLine($"{name}: largest |reference − PyTorch float32| is {worst:P2} of its bound; largest difference {error:G3}, largest bound {largest:G3}");
    }

    /// <summary>
    /// Every gradient (weights, biases, the input, the initial state) of the loss sum(output ⊙ r) within the backward
    /// bound of <see cref="RecurrentErrorBound.Backward"/>: 2·2⁻⁵³·β of PyTorch's float64 gradients and (2⁻²⁴ + 2⁻⁵³)·β
    /// of its float32 ones.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchPyTorch(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        RecurrentErrorBound bound = fixture.Bound();
        RecurrentErrorBound.GradientBound backward = bound.Backward(fixture.Get("r"));
        RecurrentReference.Gradients gradients = fixture.Reference.Backward(bound.Pass, fixture.Get("r"));
        var coefficients = Named(fixture, backward.Coefficient).ToDictionary(c => c.Name, c => c.Values);
        double wide = 0, narrow = 0, relative = 0;
        foreach ((string tensor, double[] value) in Named(fixture, gradients))
        {
            double[] coefficient = coefficients[tensor];
            int[] shape = fixture.TensorShape("grad." + tensor);
            wide = Math.Max(wide, RecurrentFixture.AssertWithin(fixture.Get("f64.grad." + tensor), value, coefficient, 2 * DoubleU, "grad." + tensor, shape, "reference", "PyTorch float64"));
            narrow = Math.Max(narrow, RecurrentFixture.AssertWithin(fixture.Get("grad." + tensor), value, coefficient, FloatU + DoubleU, "grad." + tensor, shape, "reference", "PyTorch float32"));
            relative = Math.Max(relative, (FloatU + DoubleU) * coefficient.Max() / Math.Max(1, value.Max(Math.Abs)));
        }
        output.WriteLine($"{name}: largest |reference − PyTorch| gradient is {wide:P2} of its bound in float64, {narrow:P2} in float32; " +
            $"the largest float bound is {relative:G3} of its tensor's largest magnitude (at least 1)");
    }

    /// <summary>
    /// The bounds' Jacobians are the reference's: the gradients <see cref="RecurrentErrorBound.Backward"/> computes by
    /// transposing them agree with the reference's own backward pass, two double evaluations, within 2·2⁻⁵³·β.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void TheBoundsLinearizeTheReference(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        RecurrentErrorBound bound = fixture.Bound();
        RecurrentErrorBound.GradientBound backward = bound.Backward(fixture.Get("r"));
        RecurrentReference.Gradients gradients = fixture.Reference.Backward(bound.Pass, fixture.Get("r"));
        var values = Named(fixture, backward.Value).ToDictionary(c => c.Name, c => c.Values);
        var coefficients = Named(fixture, backward.Coefficient).ToDictionary(c => c.Name, c => c.Values);
        double worst = 0;
        foreach ((string tensor, double[] value) in Named(fixture, gradients))
            worst = Math.Max(worst, RecurrentFixture.AssertWithin(value, values[tensor], coefficients[tensor], 2 * DoubleU, "grad." + tensor, fixture.TensorShape("grad." + tensor), "bound's adjoint", "reference"));
        output.WriteLine($"{name}: largest |adjoint − reference| gradient is {worst:P2} of its bound");
    }

    /// <summary>
    /// The backward bound's signed sensitivities (how a backward step's results move with the forward step's x, h and c)
    /// are the derivatives of the reference's backward pass: central differences of one step's gradients of h₀, c₀, x and
    /// the biases with respect to x, h₀ and c₀, for a small LSTM and GRU with weights up to 0.8. A difference's truncation
    /// (ε²/6 times a third derivative, here below 10) and rounding (about 10⁻¹⁶/ε) stay below 3·10⁻⁹ at ε = 10⁻⁵.
    /// </summary>
    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void TheBackwardSensitivitiesAreDerivatives(string name)
    {
        RecurrentKind kind = name == "lstm" ? RecurrentKind.Lstm : RecurrentKind.Gru;
        const int inputs = 3, hidden = 4;
        const double step = 1e-5, tolerance = 1e-8;
        var random = new Random(5);
        void Fill(double[] values, double scale)
        {
            for (int i = 0; i < values.Length; i++)
                values[i] = (2 * random.NextDouble() - 1) * scale;
        }
        var model = new RecurrentReference(kind, inputs, hidden, 1);
        Fill(model.WeightIh[0], 0.8);
        Fill(model.WeightHh[0], 0.8);
        Fill(model.BiasIh[0], 0.5);
        Fill(model.BiasHh[0], 0.5);
        bool lstm = kind == RecurrentKind.Lstm;
        var v = new double[inputs + (lstm ? 2 : 1) * hidden];
        Fill(v, 0.9);
        var r = new double[hidden];
        Fill(r, 1);

        double[] x = v[..inputs], h0 = v[inputs..(inputs + hidden)];
        double[]? c0 = lstm ? v[(inputs + hidden)..] : null;
        RecurrentErrorBound bound = RecurrentErrorBound.Forward(model, x, 1, 1, h0, c0);
        var lambda = new double[(lstm ? 2 : 1) * hidden];
        r.CopyTo(lambda, 0);
        (double[][] state, double[][] injected, double[][] ih, double[][] hh) = bound.BackwardSensitivity(0, bound.Pass.Records[0][0][0], lambda);
        double[][] analytic = [.. state, .. injected, .. ih, .. hh];

        // The same results, in the same order, from the reference's backward pass at v.
        double[] Results(double[] at)
        {
            RecurrentReference.Pass pass = model.Forward(at[..inputs], 1, 1, at[inputs..(inputs + hidden)], lstm ? at[(inputs + hidden)..] : null);
            RecurrentReference.Gradients g = model.Backward(pass, r);
            return [.. g.H0, .. g.C0 ?? [], .. g.X, .. g.BiasIh[0], .. g.BiasHh[0]];
        }
        double worst = 0;
        for (int p = 0; p < v.Length; p++)
        {
            double[] up = (double[])v.Clone(), down = (double[])v.Clone();
            up[p] += step;
            down[p] -= step;
            double[] above = Results(up), below = Results(down);
            Assert.Equal(analytic.Length, above.Length);
            for (int i = 0; i < above.Length; i++)
            {
                double difference = (above[i] - below[i]) / (2 * step), error = Math.Abs(difference - analytic[i][p]);
                Assert.True(error <= tolerance, $"result {i}, input {p}: sensitivity {analytic[i][p]:R}, central difference {difference:R}");
                worst = Math.Max(worst, error);
            }
        }
        output.WriteLine($"{kind}: largest |sensitivity − central difference| {worst:G3}");
    }

    /// <summary>
    /// The bound is far below what a mistake does: 10⁻⁴ added to one bias of the last layer (the cell input's of its first
    /// unit, or the new gate's) moves some output of every fixture past the float bound.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void OneBiasOffBy1e4BreaksTheBound(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        RecurrentErrorBound bound = fixture.Bound();
        RecurrentReference model = fixture.Reference;
        model.BiasIh[model.Layers - 1][2 * model.HiddenSize] += 1e-4;
        RecurrentReference.Pass planted = fixture.Forward();
        double[] expected = fixture.Get("f64.output");
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(planted.Output[i] - expected[i]) / ((FloatU + DoubleU) * bound.Output[i]));
        Assert.True(worst > 1, $"the planted bias moved no output past its bound (largest {worst:P1} of it)");
        output.WriteLine($"{name}: the planted bias moves an output to {worst:F1} times its bound");
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

    private static double[] Result(RecurrentReference.Pass pass, string name) => name switch
    {
        "output" => pass.Output,
        "h_n" => pass.HN,
        "c_n" => pass.CN!,
        _ => throw new ArgumentException(name),
    };

    private static double[] Coefficient(RecurrentErrorBound bound, string name) => name switch
    {
        "output" => bound.Output,
        "h_n" => bound.HN,
        "c_n" => bound.CN!,
        _ => throw new ArgumentException(name),
    };

    /// <summary>The gradients by their fixture names (weight_ih_l0, …, x, h0, c0).</summary>
    private static (string Name, double[] Values)[] Named(RecurrentFixture fixture, RecurrentReference.Gradients gradients)
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
