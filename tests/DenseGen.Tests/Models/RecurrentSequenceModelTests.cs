using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DenseGen.CompilerServices;
using DenseGen.Tests.Import;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Recurrent;
using DenseGen.Tests.RecurrentLayers;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// Whole sequences under <c>[OnnxModel]</c>: PyTorch 1.13's exports of the recurrent fixtures of 200 steps in the form
/// <c>[OnnxModel]</c> compiles (tests/DenseGen.Tests/Fixtures/recurrent/onnxmodel, <c>tools/make-recurrent-fixtures.py</c>:
/// x <c>[batch, 200, In]</c>, the states <c>[batch, layers, H]</c>, each sample one stream; stacked layers exported as
/// chained nodes), compiled and run on the fixtures' inputs and initial states, against PyTorch's float64 results within
/// the recurrent layers' own bound; and the same bits as the export <c>LoadOnnx</c> reads into a declared layer.
/// </summary>
public class RecurrentSequenceModelTests(ITestOutputHelper output)
{
    private static string Folder => Path.Combine(RecurrentFixture.Folder, "onnxmodel");

    /// <summary>The exports for <c>[OnnxModel]</c>, by fixture name.</summary>
    public static TheoryData<string> Exports() =>
        [.. Directory.GetFiles(Folder, "*.onnx").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every export computes PyTorch's output and final states (the LSTM's cell state too) within (u + 2⁻⁵³)·β of its
    /// float64 results, β from <see cref="RecurrentErrorBound"/> as the layers' own fixture tests take it. MaxBatch 2 makes
    /// the 5-stream cases three chunks, the last of one stream.
    /// </summary>
    [Theory, MemberData(nameof(Exports))]
    public void WholeSequencesMatchPyTorch(string name)
    {
        var fixture = RecurrentFixture.Read(name);
        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers, streams = fixture.Streams, steps = fixture.Steps;
        string[] states = fixture.Lstm ? ["h0", "c0"] : ["h0"];
        float[][] inputs = [fixture.Get<float>("x"), .. states.Select(s => BatchMajor(fixture.Get<float>(s), layers, streams, hidden))];
        object[] results = [new float[streams * steps * hidden], .. states.Select(_ => new float[streams * layers * hidden])];
        string call = $"m.Forward({string.Join(", ", inputs.Select((_, i) => $"i[{i}]").Concat(results.Select((_, o) => $"(float[])o[{o}]")))})";
        SampledOutputTests.Invoke(File.ReadAllBytes(Path.Combine(Folder, name + ".onnx")), ", MaxBatch = 2", call, inputs, results, 0);

        RecurrentErrorBound bound = fixture.Bound();
        double allowed = ErrorBound.FloatRoundoff + ErrorBound.DoubleRoundoff;
        double Check(string tensor, float[] actual, double[] expected, double[] coefficient, int[] shape) =>
            RecurrentFixture.AssertWithin(expected, LayerChecks.Wide(actual), coefficient, allowed, tensor, shape, "[OnnxModel]", "PyTorch float64");
        double worst = Check("output", (float[])results[0], fixture.Get("f64.output"), bound.Output, [streams, steps, hidden]);
        worst = Math.Max(worst, Check("h_n", (float[])results[1], BatchMajor(fixture.Get("f64.h_n"), layers, streams, hidden), BatchMajor(bound.HN, layers, streams, hidden), [streams, layers, hidden]));
        if (fixture.Lstm)
            worst = Math.Max(worst, Check("c_n", (float[])results[2], BatchMajor(fixture.Get("f64.c_n"), layers, streams, hidden), BatchMajor(bound.CN!, layers, streams, hidden), [streams, layers, hidden]));
        Assert.Contains((float[])results[0], v => Math.Abs(v) > 0.01f);
        output.WriteLine($"{name} under [OnnxModel]: largest |DenseGen − PyTorch float64| is {worst:P2} of its bound");
    }

    /// <summary>
    /// A one-stream export under <c>[OnnxModel]</c> computes the same bits as the fixture's time-major export read by
    /// <c>LoadOnnx</c>'s reader into the declared <c>[Lstm]</c>/<c>[Gru]</c> layer of its shape, whose state is set to the
    /// fixture's initial state and whose <c>Forward</c> runs the 200 steps: the same cells, in the same order.
    /// </summary>
    [Theory]
    [InlineData("lstm_in1_h8_l1_s1_t200")]
    [InlineData("lstm_in3_h40_l1_s1_t200")]
    [InlineData("lstm_in2_h64_l1_s1_t200")]
    [InlineData("gru_in3_h40_l2_s1_t200")]
    [InlineData("gru_in2_h64_l1_s1_t200")]
    public void WholeSequencesAreTheBitsOfTheLayerLoadOnnxFills(string name)
    {
        var fixture = RecurrentFixture.Read(name);
        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers, steps = fixture.Steps;
        string[] states = fixture.Lstm ? ["h0", "c0"] : ["h0"];

        RecurrentUnderTest<float> layer = RecurrentLayersUnderTest.Float(RecurrentLayersUnderTest.FixtureLayerName(fixture.Shape));
        float[][] tensors = NetworkFile.ReadOnnx<float>(Path.Combine(RecurrentFixture.Folder, name + ".onnx"), OnnxRecurrentImportTests.Describe(layer.Tensors, fixture));
        for (int t = 0; t < tensors.Length; t++)
            tensors[t].CopyTo(layer.Tensors.ParameterTensor(t));
        // The layer's state is [layers, MaxBatch, H]: stream 0 of layer k at k · MaxBatch · H.
        float[] h0 = fixture.Get<float>("h0"), c0 = fixture.Lstm ? fixture.Get<float>("c0") : [];
        for (int k = 0; k < layers; k++)
        {
            h0.AsSpan(k * hidden, hidden).CopyTo(layer.HiddenState.Slice(k * layer.MaxBatch * hidden));
            if (fixture.Lstm)
                c0.AsSpan(k * hidden, hidden).CopyTo(layer.CellState.Slice(k * layer.MaxBatch * hidden));
        }
        float[] x = fixture.Get<float>("x"), expected = new float[steps * hidden];
        layer.Forward(x, expected, steps);

        float[][] inputs = [x, .. states.Select(s => BatchMajor(fixture.Get<float>(s), layers, 1, hidden))];
        object[] results = [new float[steps * hidden], .. states.Select(_ => new float[layers * hidden])];
        string call = $"m.Forward({string.Join(", ", inputs.Select((_, i) => $"i[{i}]").Concat(results.Select((_, o) => $"(float[])o[{o}]")))})";
        SampledOutputTests.Invoke(File.ReadAllBytes(Path.Combine(Folder, name + ".onnx")), "", call, inputs, results, 0);

        Assert.Equal(expected, (float[])results[0]);
        var finalHidden = new float[layers * hidden];
        for (int k = 0; k < layers; k++)
            layer.HiddenState.Slice(k * layer.MaxBatch * hidden, hidden).CopyTo(finalHidden.AsSpan(k * hidden));
        Assert.Equal(finalHidden, (float[])results[1]);
        if (fixture.Lstm)
        {
            var finalCell = new float[layers * hidden];
            for (int k = 0; k < layers; k++)
                layer.CellState.Slice(k * layer.MaxBatch * hidden, hidden).CopyTo(finalCell.AsSpan(k * hidden));
            Assert.Equal(finalCell, (float[])results[2]);
        }
    }

    /// <summary>
    /// PyTorch's export with the steps dynamic (the committed time-major fixtures: x <c>[1, steps, In]</c>) is refused
    /// naming the input and the recurrent node, and saying what to export instead.
    /// </summary>
    [Fact]
    public void ASymbolicStepCountIsRefusedNamingTheNode()
    {
        byte[] file = File.ReadAllBytes(Path.Combine(RecurrentFixture.Folder, "lstm_in1_h8_l1_s1_t200.onnx"));
        string message = RefusalOf(file);
        Assert.Contains("the input 'x' has the shape [1, steps, 1]", message, StringComparison.Ordinal);
        Assert.Contains("node '/layer/LSTM' (LSTM) runs a constant number of time steps", message, StringComparison.Ordinal);
    }

    /// <summary>The exports of a recurrent layer with a head at every step (tests/DenseGen.Tests/Fixtures/recurrent/heads).</summary>
    public static TheoryData<string> HeadExports() =>
        [.. Directory.GetFiles(Path.Combine(RecurrentFixture.Folder, "heads"), "*.onnx").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The models amp and effect users export, as PyTorch 1.13 writes them: a layer from a zero state, a Linear at every
    /// step (a MatMul of <c>[batch, steps, H]</c>, the bias's Add), then a skip connection adding the input or a tanh; one
    /// with the batch dynamic (three streams, two chunks at MaxBatch 2), one with <c>torch.onnx.export</c>'s defaults (the
    /// batch fixed at 1, so the Transposes to and from time-major move a batch of one). Each output is within the bound of
    /// PyTorch's float64 result, propagated from the layer's (<see cref="RecurrentErrorBound"/>, β per hidden element)
    /// through the head: z = W h + b is off by at most (u + u₆₄)·Σⱼ|Wₖⱼ|βⱼ from the layer's error, plus its own sum of
    /// H + 1 terms, γ_{H+1}·(Σⱼ|Wₖⱼhⱼ| + |bₖ|) in float and in double; the skip connection adds one rounding in each,
    /// (u + u₆₄)·|y|, and the tanh, whose slope is at most 1, its own rounding in each (<see cref="Reference.ActivationRounding"/>,
    /// which covers the math library's double tanh as well as DenseGen's float one).
    /// </summary>
    [Theory, MemberData(nameof(HeadExports))]
    public void LayersWithAHeadAtEveryStepMatchPyTorch(string name)
    {
        var fixture = RecurrentFixture.Read(Path.Combine("heads", name));
        int hidden = fixture.Reference.HiddenSize, streams = fixture.Streams, steps = fixture.Steps;
        double[] weight = fixture.Get("head.weight"), bias = fixture.Get("head.bias");
        int outputs = bias.Length;
        bool residual = fixture.File.Metadata["head"] == "residual";
        float[] x = fixture.Get<float>("x"), y = new float[streams * steps * outputs];
        string options = name.EndsWith("_fixed", StringComparison.Ordinal) ? "" : ", MaxBatch = 2";
        SampledOutputTests.Invoke(File.ReadAllBytes(Path.Combine(RecurrentFixture.Folder, "heads", name + ".onnx")), options, "m.Forward(i[0], (float[])o[0])", [x], [y], 0);

        RecurrentErrorBound layer = fixture.Bound();
        (_, double[] scale) = Reference.Forward(weight, bias, layer.Pass.Output, hidden, outputs);
        double[] expected = fixture.Get("f64.y"), coefficient = new double[expected.Length];
        double u = ErrorBound.FloatRoundoff, allowed = u + ErrorBound.DoubleRoundoff;
        for (int row = 0; row < streams * steps; row++)
        {
            for (int k = 0; k < outputs; k++)
            {
                int i = row * outputs + k;
                double propagated = 0;
                for (int j = 0; j < hidden; j++)
                    propagated += Math.Abs(weight[k * hidden + j]) * layer.Output[row * hidden + j];
                double zError = allowed * propagated + ErrorBound.Allowed<float>(hidden + 1, scale[i]);
                double own = (residual ? 1 : Reference.ActivationRounding(Activation.Tanh)) * allowed * Math.Abs(expected[i]);
                // AssertWithin multiplies the coefficient by the roundoff it is given: 1 here, the bound already in units.
                coefficient[i] = zError + own;
            }
        }
        double worst = RecurrentFixture.AssertWithin(expected, LayerChecks.Wide(y), coefficient, 1, "y", [streams, steps, outputs], "[OnnxModel]", "PyTorch float64");
        Assert.Contains(y, v => Math.Abs(v) > 0.01f);
        output.WriteLine($"{name} under [OnnxModel]: largest |DenseGen − PyTorch float64| is {worst:P2} of its bound");
    }

    /// <summary>A MatMul whose rows would run along the batch (the batch moved last by a Transpose) is refused naming it.</summary>
    [Fact]
    public void AMatMulAlongTheBatchIsRefusedNamingIt()
    {
        byte[] file = new OnnxBuilder(14)
            .Input("x", "batch", 5L, 2L)
            .Initializer("W", [3, 4], new float[12])
            .Node("Transpose", "batch_last", ["x"], ["xt"], ("perm", new long[] { 1, 2, 0 }))
            .Node("MatMul", "head", ["xt", "W"], ["y"])
            .Output("y", 5L, 2L, 4L).Build();
        string message = RefusalOf(file);
        Assert.Contains("node 'head' (MatMul) multiplies [5, 2, batch], whose last axis is the batch", message, StringComparison.Ordinal);
    }

    /// <summary>A recurrent node given the batch first (no Transpose to time-major) reads it as the steps: refused naming the node.</summary>
    [Fact]
    public void ABatchNotSecondIsRefusedNamingTheNode()
    {
        byte[] file = new OnnxBuilder(14)
            .Input("x", "batch", 5L, 2L)
            .Initializer("W", [1, 12, 2], new float[24])
            .Initializer("R", [1, 12, 3], new float[36])
            .Node("GRU", "memory", ["x", "W", "R"], ["y"], ("hidden_size", 3L), ("linear_before_reset", 1L))
            .Output("y", "batch", 1L, 5L, 3L).Build();
        string message = RefusalOf(file);
        Assert.Contains("node 'memory' (GRU) takes X of shape [batch, 5, 2]", message, StringComparison.Ordinal);
        Assert.Contains("X time-major [steps, batch, In] with the batch second", message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A module called without <c>h0</c> (torch.onnx.export's zero state computed from x's shape, <c>Shape → Gather →
    /// Unsqueeze → Concat → ConstantOfShape</c>, sliced per stacked node; written here in that form) starts every stream at
    /// zero: the output within the bound of the float64 reference run from zero. Its <c>h_n</c>, <c>[layers, batch, H]</c>
    /// with two layers, cannot be written sample by sample and is refused naming it, so <c>Outputs</c> leaves it out.
    /// </summary>
    [Theory]
    [InlineData("lstm_in1_h8_l2_s5_t200", "zero")]
    [InlineData("gru_in1_h8_l2_s5_t200", "zero by default")]
    public void AShapeComputedZeroStateStartsEveryStreamAtZero(string name, string form)
    {
        var fixture = RecurrentFixture.Read(name);
        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers, streams = fixture.Streams, steps = fixture.Steps;
        byte[] file = RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options { Steps = steps, ShapeComputedStates = form });

        Diagnostic refused = Assert.Single(ModelHarness.Generate(file, ModelHarness.Declaration()).Result.Diagnostics);
        Assert.Contains($"the output 'h_n' is [{layers}, batch, {hidden}], the batch behind a dimension larger than 1", refused.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var result = new float[streams * steps * hidden];
        SampledOutputTests.Invoke(file, ", MaxBatch = 2, Outputs = new[] { \"output\" }", "m.Forward(i[0], (float[])o[0])", [fixture.Get<float>("x")], [result], 0);
        var zero = new double[layers * streams * hidden];
        RecurrentErrorBound bound = RecurrentErrorBound.Forward(fixture.Reference, fixture.Get("x"), streams, steps, zero, fixture.Lstm ? zero : null);
        double worst = RecurrentFixture.AssertWithin(bound.Pass.Output, LayerChecks.Wide(result), bound.Output, ErrorBound.FloatRoundoff + ErrorBound.DoubleRoundoff,
            "output", [streams, steps, hidden], "[OnnxModel]", "float64 reference from zero");
        output.WriteLine($"{name}, {form}: largest |DenseGen − reference| is {worst:P2} of its bound");
    }

    /// <summary>
    /// Constant initial states (<c>[1, 1, H]</c> initializers, each stacked node's row) are the nested layers' own initial
    /// state, which every stream starts from: three streams of the one-stream fixture's input, two chunks at MaxBatch 2,
    /// each within the bound of PyTorch's float64 output from that state.
    /// </summary>
    [Theory]
    [InlineData("lstm_in1_h8_l1_s1_t200")]
    [InlineData("gru_in3_h40_l2_s1_t200")]
    public void ConstantInitialStatesStartEveryStream(string name)
    {
        const int streams = 3;
        var fixture = RecurrentFixture.Read(name);
        int hidden = fixture.Reference.HiddenSize, steps = fixture.Steps;
        byte[] file = RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options { Steps = steps, ConstantStates = true });
        float[] x = fixture.Get<float>("x");
        var result = new float[streams * steps * hidden];
        SampledOutputTests.Invoke(file, ", MaxBatch = 2, Outputs = new[] { \"output\" }", "m.Forward(i[0], (float[])o[0])", [[.. Enumerable.Repeat(x, streams).SelectMany(v => v)]], [result], 0);

        RecurrentErrorBound bound = fixture.Bound();
        double worst = 0;
        for (int s = 0; s < streams; s++)
        {
            worst = Math.Max(worst, RecurrentFixture.AssertWithin(fixture.Get("f64.output"), LayerChecks.Wide(result.AsSpan(s * steps * hidden, steps * hidden).ToArray()), bound.Output,
                ErrorBound.FloatRoundoff + ErrorBound.DoubleRoundoff, $"output of stream {s}", [1, steps, hidden], "[OnnxModel]", "PyTorch float64"));
        }
        output.WriteLine($"{name}, constant initial states: largest |DenseGen − PyTorch float64| is {worst:P2} of its bound");
    }

    /// <summary>
    /// The last step of the batch-first output, a Gather of index −1 along the steps (PyTorch's <c>out[:, -1]</c>, which a
    /// head usually reads), is each stream's last row of the output: within the bound of PyTorch's float64 last step.
    /// </summary>
    [Theory]
    [InlineData("lstm_in1_h8_l2_s5_t200")]
    [InlineData("gru_in1_h8_l2_s5_t200")]
    public void TheLastStepIsGathered(string name)
    {
        var fixture = RecurrentFixture.Read(name);
        int hidden = fixture.Reference.HiddenSize, streams = fixture.Streams, steps = fixture.Steps;
        byte[] file = RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options { Steps = steps, ShapeComputedStates = "zero", LastStep = true });
        var result = new float[streams * hidden];
        SampledOutputTests.Invoke(file, ", MaxBatch = 2, Outputs = new[] { \"last\" }", "m.Forward(i[0], (float[])o[0])", [fixture.Get<float>("x")], [result], 0);

        var zero = new double[fixture.Reference.Layers * streams * hidden];
        RecurrentErrorBound bound = RecurrentErrorBound.Forward(fixture.Reference, fixture.Get("x"), streams, steps, zero, fixture.Lstm ? zero : null);
        double[] Last(double[] all) => [.. Enumerable.Range(0, streams).SelectMany(s => all.Skip((s * steps + steps - 1) * hidden).Take(hidden))];
        double worst = RecurrentFixture.AssertWithin(Last(bound.Pass.Output), LayerChecks.Wide(result), Last(bound.Output), ErrorBound.FloatRoundoff + ErrorBound.DoubleRoundoff,
            "last", [streams, hidden], "[OnnxModel]", "float64 reference from zero");
        output.WriteLine($"{name}, last step: largest |DenseGen − reference| is {worst:P2} of its bound");
    }

    /// <summary>PyTorch's <c>[layers, streams, H]</c> (or a bound of that shape) as <c>[streams, layers, H]</c>.</summary>
    private static T[] BatchMajor<T>(T[] state, int layers, int streams, int hidden)
    {
        var result = new T[state.Length];
        for (int k = 0; k < layers; k++)
        {
            for (int s = 0; s < streams; s++)
                Array.Copy(state, (k * streams + s) * hidden, result, (s * layers + k) * hidden, hidden);
        }
        return result;
    }

    /// <summary>The message of the one diagnostic compiling <paramref name="file"/> gives, which must be DG0038 (a graph [OnnxModel] does not compile).</summary>
    private static string RefusalOf(byte[] file)
    {
        Diagnostic error = Assert.Single(ModelHarness.Generate(file, ModelHarness.Declaration()).Result.Diagnostics);
        Assert.Equal("DG0038", error.Id);
        return error.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }
}
