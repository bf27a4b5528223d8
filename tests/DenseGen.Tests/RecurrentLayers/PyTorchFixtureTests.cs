using System;
using System.Linq;
using System.Numerics;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Recurrent;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// The generated layers on PyTorch 1.13's own results (tests/DenseGen.Tests/Fixtures/recurrent, written by
/// tools/make-recurrent-fixtures.py): each case's weights loaded by their state-dict names, its nonzero initial state
/// written into <c>HiddenState</c>/<c>CellState</c>, its sequences of 1 or 200 steps for 1 or 5 streams run through
/// <c>Forward</c>, then <c>Backward</c> with PyTorch's loss; every output, final state and gradient against PyTorch's
/// float64 results, within the error bound <see cref="RecurrentErrorBound"/> computes alongside the double reference
/// (docs/math.md): u·β for the layer, at its unit roundoff u, plus 2⁻⁵³·β for PyTorch's own float64 evaluation.
/// </summary>
public sealed class PyTorchFixtureTests(ITestOutputHelper output)
{
    // The declared float layer (RecurrentLayers.cs) of each fixture shape.
    private static RecurrentUnderTest<float> CreateFloat(string shape) => RecurrentLayersUnderTest.Float(RecurrentLayersUnderTest.FixtureLayerName(shape));

    // The declared double layer (FixtureDoubleLayers.cs) of each fixture shape.
    private static RecurrentUnderTest<double> CreateDouble(string shape) => RecurrentLayersUnderTest.Double(shape switch
    {
        "lstm_in1_h8_l1" => nameof(FixtureLstm1x8Double),
        "lstm_in1_h8_l2" => nameof(FixtureLstm1x8x2Double),
        "lstm_in3_h40_l1" => nameof(FixtureLstm3x40Double),
        "lstm_in3_h40_l2" => nameof(FixtureLstm3x40x2Double),
        "lstm_in2_h64_l1" => nameof(FixtureLstm2x64Double),
        "gru_in1_h8_l1" => nameof(FixtureGru1x8Double),
        "gru_in1_h8_l2" => nameof(FixtureGru1x8x2Double),
        "gru_in3_h40_l2" => nameof(FixtureGru3x40x2Double),
        "gru_in2_h64_l1" => nameof(FixtureGru2x64Double),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "no double layer is declared for this fixture's shape"),
    });

    public static TheoryData<string> Cases() => [.. RecurrentFixture.Names()];

    [Theory, MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorch(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        Check(fixture, CreateFloat(fixture.Shape), ErrorBound.FloatRoundoff, "float");
    }

    [Theory, MemberData(nameof(Cases))]
    public void DoubleForwardMatchesPyTorch(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        Check(fixture, CreateDouble(fixture.Shape), ErrorBound.DoubleRoundoff, "double");
    }

    /// <summary>
    /// Backward through time with PyTorch's loss (<c>Σ r ⊙ output</c>, so <c>∂L/∂output = r</c>), float and double layers:
    /// every weight's and bias's gradient, the input's and the initial state's (<c>HiddenStateGradients</c>,
    /// <c>CellStateGradients</c>) within (u + 2⁻⁵³)·β of PyTorch's float64 ones, β from
    /// <see cref="RecurrentErrorBound.Backward"/> (a gradient computed at u is within u·β of the exact one, PyTorch's
    /// float64 within 2⁻⁵³·β).
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void BackwardMatchesPyTorch(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        RecurrentErrorBound.GradientBound bound = fixture.Bound().Backward(fixture.Get("r"));
        double worst = CheckGradients(fixture, CreateFloat(fixture.Shape), bound, ErrorBound.FloatRoundoff, "float");
        double worstDouble = CheckGradients(fixture, CreateDouble(fixture.Shape), bound, ErrorBound.DoubleRoundoff, "double");
        output.WriteLine($"{fixture.Name}: largest gradient difference from PyTorch float64 is {worst:P2} of its bound in float, {worstDouble:P2} in double");
    }

    private static double CheckGradients<T>(RecurrentFixture fixture, RecurrentUnderTest<T> layer, RecurrentErrorBound.GradientBound bound, double roundoff, string type)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Run(fixture, layer);
        var dx = new T[x.Length];
        layer.Backward(x, fixture.Get<T>("r"), dx);

        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers, streams = fixture.Streams;
        double allowed = roundoff + ErrorBound.DoubleRoundoff;
        string actual = $"DenseGen {type}";
        RecurrentReference.Gradients beta = bound.Coefficient;
        double Within(string tensor, double[] values, double[] coefficient, int[] shape) =>
            RecurrentFixture.AssertWithin(fixture.Get("f64.grad." + tensor), values, coefficient, allowed, "∂L/∂" + tensor, shape, actual, "PyTorch float64");
        double worst = 0;
        for (int k = 0; k < layers; k++)
        {
            foreach ((string tensor, double[] coefficient) in new[] { ($"weight_ih_l{k}", beta.WeightIh[k]), ($"weight_hh_l{k}", beta.WeightHh[k]), ($"bias_ih_l{k}", beta.BiasIh[k]), ($"bias_hh_l{k}", beta.BiasHh[k]) })
                worst = Math.Max(worst, Within(tensor, Wide(layer.GradientOf(tensor).ToArray()), coefficient, fixture.TensorShape(tensor)));
        }
        worst = Math.Max(worst, Within("x", Wide(dx), beta.X, fixture.TensorShape("x")));
        worst = Math.Max(worst, Within("h0", ReadState(layer.HiddenStateGradients, layers, streams, layer.MaxBatch, hidden), beta.H0, fixture.ResultShape("h_n")));
        if (layer.HasCell)
            worst = Math.Max(worst, Within("c0", ReadState(layer.CellStateGradients, layers, streams, layer.MaxBatch, hidden), beta.C0!, fixture.ResultShape("c_n")));
        return worst;
    }

    /// <summary>Loads the fixture's weights and initial state into <paramref name="layer"/> and runs its sequences through Forward (into <paramref name="output"/> if given); returns the input.</summary>
    private static T[] Run<T>(RecurrentFixture fixture, RecurrentUnderTest<T> layer, T[]? output = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers, streams = fixture.Streams, steps = fixture.Steps;
        for (int i = 0; i < layer.Tensors.ParameterTensorCount; i++)
        {
            string tensor = layer.Tensors.ParameterTensorName(i);
            if (!tensor.StartsWith("initial_", StringComparison.Ordinal))
                fixture.File.CopyTo<T>(tensor, layer.Tensors.ParameterTensor(i));
        }
        // PyTorch's h0 is [layers, streams, H]; the layer's state is [layers, MaxBatch, H], of which the first streams run.
        WriteState(fixture.Get<T>("h0"), layer.HiddenState, layers, streams, layer.MaxBatch, hidden);
        if (layer.HasCell)
            WriteState(fixture.Get<T>("c0"), layer.CellState, layers, streams, layer.MaxBatch, hidden);
        T[] x = fixture.Get<T>("x");
        layer.Forward(x, output ?? new T[streams * steps * hidden], steps);
        return x;
    }

    /// <summary>Loads the fixture into <paramref name="layer"/>, runs its sequences and checks every result within (u + 2⁻⁵³)·β of PyTorch's float64 one.</summary>
    private void Check<T>(RecurrentFixture fixture, RecurrentUnderTest<T> layer, double roundoff, string type) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers, streams = fixture.Streams, steps = fixture.Steps;
        var y = new T[streams * steps * hidden];
        Run(fixture, layer, y);

        RecurrentErrorBound bound = fixture.Bound();
        double allowed = roundoff + ErrorBound.DoubleRoundoff;
        string actual = $"DenseGen {type}";
        double worst = RecurrentFixture.AssertWithin(fixture.Get("f64.output"), Wide(y), bound.Output, allowed, "output", fixture.ResultShape("output"), actual, "PyTorch float64");
        worst = Math.Max(worst, RecurrentFixture.AssertWithin(fixture.Get("f64.h_n"), ReadState(layer.HiddenState, layers, streams, layer.MaxBatch, hidden), bound.HN, allowed, "h_n", fixture.ResultShape("h_n"), actual, "PyTorch float64"));
        if (layer.HasCell)
            worst = Math.Max(worst, RecurrentFixture.AssertWithin(fixture.Get("f64.c_n"), ReadState(layer.CellState, layers, streams, layer.MaxBatch, hidden), bound.CN!, allowed, "c_n", fixture.ResultShape("c_n"), actual, "PyTorch float64"));
        output.WriteLine($"{fixture.Name} ({type}): largest |DenseGen − PyTorch float64| over the output and final state is {worst:P2} of its bound");
    }

    private static double[] Wide<T>(T[] values) where T : unmanaged, IFloatingPointIeee754<T> => values.Select(double.CreateChecked).ToArray();

    private static void WriteState<T>(T[] source, Span<T> state, int layers, int streams, int maxBatch, int hidden) where T : unmanaged
    {
        for (int k = 0; k < layers; k++)
            source.AsSpan(k * streams * hidden, streams * hidden).CopyTo(state.Slice(k * maxBatch * hidden));
    }

    private static double[] ReadState<T>(Span<T> state, int layers, int streams, int maxBatch, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new double[layers * streams * hidden];
        for (int k = 0; k < layers; k++)
        {
            Span<T> block = state.Slice(k * maxBatch * hidden, streams * hidden);
            for (int i = 0; i < block.Length; i++)
                values[k * streams * hidden + i] = double.CreateChecked(block[i]);
        }
        return values;
    }
}
