using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DenseGen.CompilerServices;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Recurrent;
using DenseGen.Tests.RecurrentLayers;
using Xunit;

namespace DenseGen.Tests.Import;

/// <summary>
/// ONNX's <c>LSTM</c> and <c>GRU</c> read as PyTorch's tensors: PyTorch 1.13's own exports of the recurrent fixtures
/// (tests/DenseGen.Tests/Fixtures/recurrent, tools/make-recurrent-fixtures.py) give exactly the state dicts beside
/// them; models written here in other legal forms (constant initial states, no bias, time-major input, stacked nodes)
/// give the same; and every attribute or input PyTorch's cells do not compute is refused with
/// <see cref="InvalidDataException"/> naming the node.
/// </summary>
public sealed class OnnxRecurrentImportTests
{
    /// <summary>The fixtures torch.onnx.export wrote (one stream each).</summary>
    public static TheoryData<string> Exports() =>
        [.. Directory.GetFiles(RecurrentFixture.Folder, "*.onnx").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    /// <summary>The declared float layer of a fixture's shape (RecurrentLayers.cs).</summary>
    internal static IParameterTensors<float> LayerFor(string shape) => RecurrentLayersUnderTest.Float(RecurrentLayersUnderTest.FixtureLayerName(shape)).Tensors;

    /// <summary>A network of one recurrent layer, as a generated network describes its layers: the layer's own tensor table under the prefix <c>rec</c>.</summary>
    internal static LayerDescription[] Describe(IParameterTensors<float> layer, RecurrentFixture fixture)
    {
        string kind = fixture.Lstm ? "Lstm" : "Gru";
        RecurrentReference r = fixture.Reference;
        return
        [
            new LayerDescription("rec", kind, $"{kind}(In = {r.InputSize}, Hidden = {r.HiddenSize}, Layers = {r.Layers})", r.InputSize, r.HiddenSize, Activation.None, trainable: false,
                [.. Enumerable.Range(0, layer.ParameterTensorCount).Select(layer.DescribeParameterTensor)]),
        ];
    }

    [Theory, MemberData(nameof(Exports))]
    public void EveryExportGivesExactlyItsStateDict(string name)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        IParameterTensors<float> layer = LayerFor(fixture.Shape);
        float[][] tensors = NetworkFile.ReadOnnx<float>(Path.Combine(RecurrentFixture.Folder, name + ".onnx"), Describe(layer, fixture));

        Assert.Equal(layer.ParameterTensorCount, tensors.Length);
        for (int t = 0; t < tensors.Length; t++)
        {
            string tensor = layer.ParameterTensorName(t);
            // The export takes its initial state from graph inputs, the caller's: the layer's own starts at zero.
            float[] expected = tensor.StartsWith("initial_", StringComparison.Ordinal) ? new float[layer.ParameterTensor(t).Length] : fixture.Get<float>(tensor);
            Assert.True(expected.SequenceEqual(tensors[t]), $"{name}: {tensor} differs from the state dict's");
        }
    }

    /// <summary>The export loaded into the layer runs PyTorch's sequence: the same bits as the layer loaded from the state dict.</summary>
    [Fact]
    public void AnExportLoadedIntoTheLayerRunsAsTheStateDictDoes()
    {
        RecurrentFixture fixture = RecurrentFixture.Read("gru_in3_h40_l2_s1_t200");
        RecurrentUnderTest<float> fromOnnx = RecurrentLayersUnderTest.Float(nameof(FixtureGru3x40x2)), fromStateDict = RecurrentLayersUnderTest.Float(nameof(FixtureGru3x40x2));
        float[][] tensors = NetworkFile.ReadOnnx<float>(Path.Combine(RecurrentFixture.Folder, fixture.Name + ".onnx"), Describe(fromOnnx.Tensors, fixture));
        for (int t = 0; t < tensors.Length; t++)
        {
            tensors[t].CopyTo(fromOnnx.Tensors.ParameterTensor(t));
            string tensor = fromStateDict.Tensors.ParameterTensorName(t);
            if (!tensor.StartsWith("initial_", StringComparison.Ordinal))
                fixture.Get<float>(tensor).CopyTo(fromStateDict.Tensors.ParameterTensor(t));
        }
        float[] x = fixture.Get<float>("x");
        var a = new float[fixture.Steps * 40];
        var b = new float[a.Length];
        fromOnnx.ResetState();
        fromStateDict.ResetState();
        fromOnnx.Forward(x, a, fixture.Steps);
        fromStateDict.Forward(x, b, fixture.Steps);
        Assert.Equal(b, a);
        Assert.Contains(a, value => value != 0);
    }

    /// <summary>
    /// Other legal forms of the same layers, written here from the state dicts: time-major input (no Transposes),
    /// constant initial states (each layer's row of the initial state), no bias (zero), and a stacked layer's nodes.
    /// </summary>
    [Theory]
    [InlineData("lstm_in1_h8_l1_s1_t200", true, true, true)]
    [InlineData("lstm_in1_h8_l2_s5_t200", false, true, true)]
    [InlineData("lstm_in3_h40_l2_s5_t1", true, false, false)]
    [InlineData("gru_in1_h8_l2_s5_t200", true, true, false)]
    [InlineData("gru_in2_h64_l1_s5_t1", false, false, true)]
    public void WrittenFormsGiveTheStateDict(string name, bool batchFirst, bool bias, bool constantStates)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        IParameterTensors<float> layer = LayerFor(fixture.Shape);
        byte[] model = RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options { BatchFirst = batchFirst, Bias = bias, ConstantStates = constantStates });
        float[][] tensors = NetworkFile.ParseOnnx<float>(model, "built.onnx", Describe(layer, fixture));

        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers;
        for (int t = 0; t < tensors.Length; t++)
        {
            string tensor = layer.ParameterTensorName(t);
            float[] expected = tensor switch
            {
                "initial_hidden" or "initial_cell" when constantStates => FirstStream(fixture.Get<float>(tensor == "initial_hidden" ? "h0" : "c0"), layers, fixture.Streams, hidden),
                "initial_hidden" or "initial_cell" => new float[layers * hidden],
                _ when tensor.StartsWith("bias_", StringComparison.Ordinal) && !bias => new float[fixture.Get<float>(tensor).Length],
                _ => fixture.Get<float>(tensor),
            };
            Assert.True(expected.SequenceEqual(tensors[t]), $"{name}: {tensor} differs");
        }
    }

    /// <summary>Each layer's state for stream 0 of <c>[layers, streams, hidden]</c>.</summary>
    private static float[] FirstStream(float[] state, int layers, int streams, int hidden) =>
        [.. Enumerable.Range(0, layers).SelectMany(k => state.Skip(k * streams * hidden).Take(hidden))];

    /// <summary>
    /// A zero state computed from the input's shape (a module called without h0) reads as zero, with the same weights
    /// as the export that takes h0 as a graph input, whether the ConstantOfShape sets its value to 0 or leaves it out.
    /// </summary>
    [Theory]
    [InlineData("lstm_in1_h8_l2_s5_t200", "zero")]
    [InlineData("gru_in1_h8_l2_s5_t200", "zero by default")]
    [InlineData("lstm_in3_h40_l2_s5_t1", "zero by default")]
    public void AShapeComputedZeroStateReadsAsZero(string name, string form)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        IParameterTensors<float> layer = LayerFor(fixture.Shape);
        float[][] fromInputs = NetworkFile.ParseOnnx<float>(RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options()), "built.onnx", Describe(layer, fixture));
        float[][] shaped = NetworkFile.ParseOnnx<float>(RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options { ShapeComputedStates = form }), "built.onnx", Describe(layer, fixture));
        for (int t = 0; t < shaped.Length; t++)
        {
            Assert.True(fromInputs[t].SequenceEqual(shaped[t]), $"{name}: {layer.ParameterTensorName(t)} differs");
            if (layer.ParameterTensorName(t).StartsWith("initial_", StringComparison.Ordinal))
                Assert.All(shaped[t], value => Assert.Equal(0f, value));
        }
    }

    public static TheoryData<string, string, string> Refusals() => new()
    {
        { "gru_in1_h8_l2_s5_t200", "linear_before_reset = 0", "has linear_before_reset 0" },
        { "gru_in1_h8_l2_s5_t200", "linear_before_reset absent", "has linear_before_reset 0" },
        { "lstm_in1_h8_l1_s1_t200", "layout = 1", "has layout 1" },
        { "gru_in1_h8_l2_s5_t200", "layout = 1", "has layout 1" },
        { "lstm_in1_h8_l1_s1_t200", "direction = reverse", "has direction 'reverse'" },
        { "gru_in1_h8_l2_s5_t200", "direction = bidirectional", "has direction 'bidirectional'" },
        { "lstm_in1_h8_l1_s1_t200", "clip", "clips its gates' inputs (clip = 3)" },
        { "gru_in1_h8_l2_s5_t200", "clip", "clips its gates' inputs (clip = 3)" },
        { "lstm_in1_h8_l1_s1_t200", "input_forget = 1", "(input_forget = 1)" },
        { "lstm_in1_h8_l1_s1_t200", "activations", "has activations [Sigmoid, Tanh, Relu]" },
        { "gru_in1_h8_l2_s5_t200", "activations", "has activations [Sigmoid, Relu]" },
        { "lstm_in1_h8_l1_s1_t200", "activation_alpha", "sets activation_alpha" },
        { "lstm_in1_h8_l1_s1_t200", "hidden_size = 16", "has hidden_size 16" },
        { "lstm_in1_h8_l1_s1_t200", "P", "takes the peephole weights P 'P'" },
        { "gru_in1_h8_l2_s5_t200", "sequence_lens", "takes sequence_lens 'lens'" },
        { "lstm_in1_h8_l1_s1_t200", "sequence_lens", "takes sequence_lens 'lens'" },
        { "gru_in1_h8_l2_s5_t200", "unknown attribute", "has the attribute 'colour'" },
        { "lstm_in1_h8_l1_s1_t200", "initial_h of 2 streams", "starts every stream from one state, [1, 1, 8]" },
        { "lstm_in1_h8_l1_s1_t200", "initial_h computed", "takes its initial_h from 'h_computed', computed by node 'make_h' (Sigmoid)" },
        { "lstm_in1_h8_l2_s5_t200", "zero state filled with 1", "takes its initial_h from 'h0_0', which node 'zeros' (ConstantOfShape) fills with 1" },
        { "gru_in1_h8_l2_s5_t200", "zero state of a computed value's shape", "node 'state_shape' (Shape) takes the shape of 'h_computed' for the initial_h of node 'rec0' (GRU)" },
        { "lstm_in1_h8_l1_s1_t200", "zero state's shape negated", "node 'state_shape' (Shape)" },
        { "gru_in1_h8_l2_s5_t200", "final state used", "takes the final state 'yh0'" },
        { "lstm_in1_h8_l1_s1_t200", "no Squeeze", "is not followed by a Squeeze of its direction axis" },
        { "lstm_in1_h8_l1_s1_t200", "Transpose not undone", "its output is not turned back" },
        { "gru_in1_h8_l2_s5_t200", "Squeeze of axis 0", "node 'squeeze0' (Squeeze) does not squeeze exactly the direction axis (axes = [1])" },
    };

    [Theory, MemberData(nameof(Refusals))]
    public void WhatPyTorchsCellsDoNotComputeIsRefusedNamingTheNode(string name, string change, string message)
    {
        RecurrentFixture fixture = RecurrentFixture.Read(name);
        IParameterTensors<float> layer = LayerFor(fixture.Shape);
        byte[] model = RecurrentOnnx.Build(fixture, RecurrentOnnx.Change(change, fixture));
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => NetworkFile.ParseOnnx<float>(model, "built.onnx", Describe(layer, fixture)));
        Assert.StartsWith("built.onnx: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
        Assert.Contains("node '", refused.Message, StringComparison.Ordinal);

        // The unchanged model loads: the refusal is the change's doing.
        NetworkFile.ParseOnnx<float>(RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options()), "built.onnx", Describe(layer, fixture));
    }

    [Fact]
    public void AGraphInputOfOtherWidthIsRefused()
    {
        RecurrentFixture fixture = RecurrentFixture.Read("lstm_in1_h8_l1_s1_t200");
        byte[] model = RecurrentOnnx.Build(fixture, RecurrentOnnx.Change("input of 2 per step", fixture));
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => NetworkFile.ParseOnnx<float>(model, "built.onnx", Describe(LayerFor(fixture.Shape), fixture)));
        Assert.Equal("built.onnx: the graph input 'x' has shape [1, steps, 2], 2 values per time step; the network's layer 0 ('rec') takes 1.", refused.Message);
    }

    /// <summary>Opset 11's form, Squeeze with its axes as an attribute, read as opset 14's; and into a double layer, exactly.</summary>
    [Fact]
    public void AnOlderOpsetAndDoubleLayersReadTheSameValues()
    {
        RecurrentFixture fixture = RecurrentFixture.Read("gru_in1_h8_l2_s5_t200");
        LayerDescription[] layers = Describe(LayerFor(fixture.Shape), fixture);
        float[][] current = NetworkFile.ParseOnnx<float>(RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options()), "built.onnx", layers);
        float[][] older = NetworkFile.ParseOnnx<float>(RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options { Opset = 11 }), "built.onnx", layers);
        double[][] wide = NetworkFile.ParseOnnx<double>(RecurrentOnnx.Build(fixture, new RecurrentOnnx.Options()), "built.onnx", layers);
        Assert.Equal(current.Length, older.Length);
        for (int t = 0; t < current.Length; t++)
        {
            Assert.Equal(current[t], older[t]);
            Assert.Equal(current[t].Select(v => (double)v), wide[t]);
        }
    }

    [Fact]
    public void AModelOfOtherSizesIsRefusedNamingTheNodeAndTheLayer()
    {
        RecurrentFixture fixture = RecurrentFixture.Read("lstm_in3_h40_l1_s1_t200");
        RecurrentFixture other = RecurrentFixture.Read("lstm_in2_h64_l1_s1_t200");
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() =>
            NetworkFile.ReadOnnx<float>(Path.Combine(RecurrentFixture.Folder, other.Name + ".onnx"), Describe(LayerFor(fixture.Shape), fixture)));
        Assert.Contains("has hidden_size 64; the network's layer 0 ('rec'), an LSTM 3 → 40 has Hidden = 40", refused.Message, StringComparison.Ordinal);

        // A 2-layer export is not a 1-layer network: its second node starts a layer the network does not have.
        RecurrentFixture stacked = RecurrentFixture.Read("gru_in3_h40_l2_s1_t200");
        RecurrentFixture single = RecurrentFixture.Read("gru_in2_h64_l1_s1_t200");
        refused = Assert.Throws<InvalidDataException>(() =>
            NetworkFile.ReadOnnx<float>(Path.Combine(RecurrentFixture.Folder, single.Name + ".onnx"), Describe(LayerFor(stacked.Shape), stacked)));
        Assert.Contains("the network's layer 0 ('rec'), a GRU 3 → 40 of 2 layers", refused.Message, StringComparison.Ordinal);
        byte[] gru = RecurrentOnnx.Build(stacked, new RecurrentOnnx.Options());
        var oneLayer = new RecurrentFixtureAs(stacked, layers: 1);
        refused = Assert.Throws<InvalidDataException>(() => NetworkFile.ParseOnnx<float>(gru, "built.onnx", oneLayer.Describe()));
        Assert.Contains("node 'rec1' (GRU) stacks a layer onto the network's layer 0 ('rec'), a GRU 3 → 40, which has 1 (Layers = 1)", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A fixture's network description as if its layer had another number of layers (the first <paramref name="layers"/> layers' tensors).</summary>
    private sealed class RecurrentFixtureAs(RecurrentFixture fixture, int layers)
    {
        public LayerDescription[] Describe()
        {
            LayerDescription full = OnnxRecurrentImportTests.Describe(LayerFor(fixture.Shape), fixture)[0];
            RecurrentReference r = fixture.Reference;
            TensorDescription[] kept = [.. full.Tensors.Where(t => !t.Name.EndsWith("_l" + (layers), StringComparison.Ordinal))
                .Select(t => t.Name.StartsWith("initial_", StringComparison.Ordinal) ? new TensorDescription(t.Name, [layers, r.HiddenSize], t.Role, t.FanIn, t.FanOut, t.IsBias) : t)];
            return [new LayerDescription("rec", full.Kind, $"{full.Kind}(In = {r.InputSize}, Hidden = {r.HiddenSize}, Layers = {layers})", r.InputSize, r.HiddenSize, Activation.None, trainable: false, kept)];
        }
    }
}

/// <summary>
/// Writes ONNX models of a recurrent fixture's layer with <see cref="OnnxBuilder"/>, its weights turned into ONNX's
/// layout here (independently of the reader): <c>W</c> <c>[1, G·H, In]</c>, <c>R</c>, <c>B</c> = input then recurrent
/// bias, gate blocks in ONNX's order (LSTM i, o, f, c; GRU z, r, h). The nodes are named <c>rec0</c>, <c>rec1</c>, …
/// </summary>
internal static class RecurrentOnnx
{
    internal sealed class Options
    {
        public bool BatchFirst { get; init; } = true;
        public bool Bias { get; init; } = true;
        public bool ConstantStates { get; init; }
        /// <summary>Attributes of node rec0 set (or, with a null value, removed) over the defaults.</summary>
        public (string Name, object? Value)[] Attributes { get; init; } = [];
        /// <summary>Inputs of node rec0 set over the defaults, by position, with the initializers they need.</summary>
        public (int Position, string Name)[] Inputs { get; init; } = [];
        public bool InitialStateOfTwoStreams { get; init; }
        public bool ComputedInitialState { get; init; }
        /// <summary>
        /// The initial states computed from the input's shape, as torch.onnx.export writes a module called without h0
        /// (<c>Shape → Gather → Unsqueeze → Concat → ConstantOfShape</c>, sliced per layer): "zero", "zero by default" (no
        /// value attribute), or a refused form ("fill 1", "shape of a computed value", "shape through Neg"); null for none.
        /// </summary>
        public string? ShapeComputedStates { get; init; }
        public bool FinalStateUsed { get; init; }
        public bool NoSqueeze { get; init; }
        public bool TransposeNotUndone { get; init; }
        /// <summary>The default opset's version: before 13, Squeeze takes its axes as an attribute.</summary>
        public long Opset { get; init; } = 14;
        public long SqueezeAxis { get; init; } = 1;
        /// <summary>The last dimension the graph input declares, when not the layer's input size.</summary>
        public long? DeclaredInputs { get; init; }
        /// <summary>
        /// A fixed number of time steps and a dynamic batch, as <c>[OnnxModel]</c> compiles a sequence, rather than one
        /// stream of dynamic steps (null).
        /// </summary>
        public long? Steps { get; init; }
        /// <summary>A graph output <c>last</c> besides: the batch-first output's last step, a Gather of index −1 along axis 1 (PyTorch's <c>out[:, -1]</c>).</summary>
        public bool LastStep { get; init; }
    }

    /// <summary>The options that make one of <see cref="OnnxRecurrentImportTests.Refusals"/>' changes.</summary>
    public static Options Change(string change, RecurrentFixture fixture) => change switch
    {
        "linear_before_reset = 0" => new() { Attributes = [("linear_before_reset", 0L)] },
        "linear_before_reset absent" => new() { Attributes = [("linear_before_reset", null)] },
        "layout = 1" => new() { Attributes = [("layout", 1L)] },
        "direction = reverse" => new() { Attributes = [("direction", "reverse")] },
        "direction = bidirectional" => new() { Attributes = [("direction", "bidirectional")] },
        "clip" => new() { Attributes = [("clip", 3f)] },
        "input_forget = 1" => new() { Attributes = [("input_forget", 1L)] },
        "activations" => new() { Attributes = [("activations", fixture.Lstm ? new[] { "Sigmoid", "Tanh", "Relu" } : new[] { "Sigmoid", "Relu" })] },
        "activation_alpha" => new() { Attributes = [("activation_alpha", new[] { 1f })] },
        "hidden_size = 16" => new() { Attributes = [("hidden_size", 16L)] },
        "unknown attribute" => new() { Attributes = [("colour", 1L)] },
        "P" => new() { Inputs = [(7, "P")] },
        "sequence_lens" => new() { Inputs = [(4, "lens")] },
        "initial_h of 2 streams" => new() { ConstantStates = true, InitialStateOfTwoStreams = true },
        "initial_h computed" => new() { ConstantStates = true, ComputedInitialState = true },
        "zero state filled with 1" => new() { ShapeComputedStates = "fill 1" },
        "zero state of a computed value's shape" => new() { ShapeComputedStates = "shape of a computed value" },
        "zero state's shape negated" => new() { ShapeComputedStates = "shape through Neg" },
        "final state used" => new() { FinalStateUsed = true },
        "no Squeeze" => new() { NoSqueeze = true },
        "Transpose not undone" => new() { TransposeNotUndone = true },
        "input of 2 per step" => new() { DeclaredInputs = 2 },
        "Squeeze of axis 0" => new() { Opset = 11, SqueezeAxis = 0 },
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    /// <summary>
    /// One time step of the fixture's layer in the form ML-Agents' memory policies take (for <c>[OnnxModel]</c>): inputs
    /// <c>x</c> <c>[batch, 1, In]</c> and each layer's state <c>h{k}</c> (and <c>c{k}</c>) <c>[batch, 1, H]</c>, turned
    /// time-major by a Transpose; outputs <c>output</c> (the last layer's Y, squeezed and turned back) and each layer's
    /// <c>hn{k}</c> (and <c>cn{k}</c>), <c>[batch, 1, H]</c>. Opset 14, Squeeze's axes as an input.
    /// </summary>
    public static byte[] BuildStep(RecurrentFixture fixture)
    {
        RecurrentReference r = fixture.Reference;
        bool lstm = fixture.Lstm;
        int hidden = r.HiddenSize, gates = lstm ? 4 : 3, rows = gates * hidden;
        int[] onnxFromTorch = lstm ? [0, 3, 1, 2] : [1, 0, 2];
        float[] Onnx(float[] torch)
        {
            int block = torch.Length / gates;
            return [.. onnxFromTorch.SelectMany(g => torch.Skip(g * block).Take(block))];
        }
        long[] swap = [1, 0, 2];
        var builder = new OnnxBuilder(opset: 14).Int64Initializer("axis1", [1], [1]);
        builder.Input("x", "batch", 1L, (long)r.InputSize);
        builder.Node("Transpose", "x_t", ["x"], ["x_tm"], ("perm", swap));
        string current = "x_tm";
        string[] states = lstm ? ["h", "c"] : ["h"];
        for (int k = 0; k < r.Layers; k++)
        {
            string n = k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string state in states)
            {
                builder.Input(state + n, "batch", 1L, (long)hidden);
                builder.Node("Transpose", $"{state}{n}_t", [state + n], [$"{state}{n}_tm"], ("perm", swap));
            }
            int inputs = k == 0 ? r.InputSize : hidden;
            builder.Initializer("W" + n, [1, rows, inputs], Onnx(fixture.Get<float>("weight_ih_l" + n)));
            builder.Initializer("R" + n, [1, rows, hidden], Onnx(fixture.Get<float>("weight_hh_l" + n)));
            builder.Initializer("B" + n, [1, 2 * rows], [.. Onnx(fixture.Get<float>("bias_ih_l" + n)), .. Onnx(fixture.Get<float>("bias_hh_l" + n))]);
            string[] nodeInputs = [current, "W" + n, "R" + n, "B" + n, "", .. states.Select(state => $"{state}{n}_tm")];
            string[] outputs = [$"y{n}", $"yh{n}", .. lstm ? new[] { $"yc{n}" } : []];
            var attributes = new List<(string Name, object Value)> { ("hidden_size", (long)hidden) };
            if (!lstm)
                attributes.Add(("linear_before_reset", 1L));
            builder.Node(lstm ? "LSTM" : "GRU", "rec" + n, nodeInputs, outputs, [.. attributes]);
            builder.Node("Squeeze", "squeeze" + n, [outputs[0], "axis1"], ["s" + n]);
            current = "s" + n;
            foreach ((string state, string value) in states.Zip(outputs.Skip(1)))
            {
                builder.Node("Transpose", $"{state}n{n}_t", [value], [$"{state}n{n}"], ("perm", swap));
            }
        }
        builder.Node("Transpose", "output_t", [current], ["output"], ("perm", swap));
        builder.Output("output", "batch", 1L, (long)hidden);
        for (int k = 0; k < r.Layers; k++)
        {
            foreach (string state in states)
                builder.Output($"{state}n{k}", "batch", 1L, (long)hidden);
        }
        return builder.Build();
    }

    public static byte[] Build(RecurrentFixture fixture, Options options)
    {
        RecurrentReference r = fixture.Reference;
        bool lstm = fixture.Lstm;
        int hidden = r.HiddenSize, layers = r.Layers, gates = lstm ? 4 : 3, rows = gates * hidden;
        // ONNX's gate block j is PyTorch's block onnxFromTorch[j].
        int[] onnxFromTorch = lstm ? [0, 3, 1, 2] : [1, 0, 2];
        float[] Onnx(float[] torch)
        {
            int block = torch.Length / gates;
            return [.. onnxFromTorch.SelectMany(g => torch.Skip(g * block).Take(block))];
        }

        var builder = new OnnxBuilder(opset: options.Opset);
        long declared = options.DeclaredInputs ?? r.InputSize;
        object batchDim = options.Steps is null ? 1L : "batch", stepsDim = options.Steps is { } fixedSteps ? fixedSteps : "steps";
        builder.Input("x", options.BatchFirst ? [batchDim, stepsDim, declared] : [stepsDim, batchDim, declared]);
        string current = "x";
        if (options.BatchFirst)
        {
            builder.Node("Transpose", "to_time_major", ["x"], ["x_t"], ("perm", new long[] { 1, 0, 2 }));
            current = "x_t";
        }
        builder.Int64Initializer("axis1", [1], [1]);
        float[] h0 = fixture.Get<float>("h0"), c0 = lstm ? fixture.Get<float>("c0") : [];
        string? shaped = options.ShapeComputedStates;
        if (!options.ConstantStates && shaped is null)
            builder.Input("h0", (long)layers, 1L, (long)hidden);
        if (!options.ConstantStates && shaped is null && lstm)
            builder.Input("c0", (long)layers, 1L, (long)hidden);
        if (shaped is not null)
        {
            // torch.onnx.export's zero state of a module called without h0: [layers, batch, hidden] from x's batch size.
            string of = "x";
            if (shaped == "shape of a computed value")
            {
                builder.Initializer("h_raw", [1, 1, hidden], new float[hidden]);
                builder.Node("Sigmoid", "make_h", ["h_raw"], ["h_computed"]);
                of = "h_computed";
            }
            builder.Node("Shape", "state_shape", [of], ["x_shape"]);
            builder.Int64Initializer("batch_axis", [], [options.BatchFirst ? 0 : 1]).Int64Initializer("axis0", [1], [0]);
            builder.Node("Gather", "state_batch", ["x_shape", "batch_axis"], ["batch"], ("axis", 0L));
            string batch = "batch";
            if (shaped == "shape through Neg")
            {
                builder.Node("Neg", "negate", ["batch"], ["batch_negated"]);
                batch = "batch_negated";
            }
            builder.Node("Unsqueeze", "state_unsqueeze", [batch, "axis0"], ["batch1"]);
            builder.Int64Initializer("state_layers", [1], [layers]).Int64Initializer("state_hidden", [1], [hidden]);
            builder.Node("Concat", "state_dims", ["state_layers", "batch1", "state_hidden"], ["state_dims"], ("axis", 0L));
            builder.ConstantOfShape("zeros", "state_dims", "zeros", shaped switch { "zero by default" => null, "fill 1" => 1f, _ => 0f });
        }
        if (options.ComputedInitialState)
        {
            builder.Initializer("h_raw", [1, 1, hidden], new float[hidden]);
            builder.Node("Sigmoid", "make_h", ["h_raw"], ["h_computed"]);
        }
        for (int k = 0; k < layers; k++)
        {
            string n = k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            int inputs = k == 0 ? r.InputSize : hidden;
            builder.Initializer("W" + n, [1, rows, inputs], Onnx(fixture.Get<float>("weight_ih_l" + n)));
            builder.Initializer("R" + n, [1, rows, hidden], Onnx(fixture.Get<float>("weight_hh_l" + n)));
            if (options.Bias)
                builder.Initializer("B" + n, [1, 2 * rows], [.. Onnx(fixture.Get<float>("bias_ih_l" + n)), .. Onnx(fixture.Get<float>("bias_hh_l" + n))]);
            string[] states = ["h", .. lstm ? new[] { "c" } : []];
            var stateInputs = new List<string>();
            foreach (string s in states)
            {
                float[] all = s == "h" ? h0 : c0;
                if (options.ConstantStates)
                {
                    // Stream 0's state of layer k, [1, 1, hidden] (or two streams' for the refusal).
                    int streamsKept = options.InitialStateOfTwoStreams ? 2 : 1;
                    float[] values = [.. Enumerable.Range(0, streamsKept).SelectMany(_ => all.Skip(k * fixture.Streams * hidden).Take(hidden))];
                    builder.Initializer($"{s}0_{n}", [1, streamsKept, hidden], values);
                    stateInputs.Add($"{s}0_{n}");
                }
                else
                {
                    // A Slice of the graph input, as torch.onnx.export takes each stacked layer's.
                    builder.Int64Initializer($"start_{s}{n}", [1], [k]).Int64Initializer($"end_{s}{n}", [1], [k + 1]).Int64Initializer($"axes_{s}{n}", [1], [0]);
                    builder.Node("Slice", $"slice_{s}{n}", [shaped is null ? $"{s}0" : "zeros", $"start_{s}{n}", $"end_{s}{n}", $"axes_{s}{n}"], [$"{s}0_{n}"]);
                    stateInputs.Add($"{s}0_{n}");
                }
            }
            if (k == 0 && options.ComputedInitialState)
                stateInputs[0] = "h_computed";
            List<string> nodeInputs = [current, "W" + n, "R" + n, options.Bias ? "B" + n : "", "", .. stateInputs];
            var attributes = new List<(string Name, object Value)> { ("hidden_size", (long)hidden) };
            if (!lstm)
                attributes.Add(("linear_before_reset", 1L));
            if (k == 0)
            {
                foreach ((int position, string name) in options.Inputs)
                {
                    while (nodeInputs.Count <= position)
                        nodeInputs.Add("");
                    nodeInputs[position] = name;
                    if (position == 4)
                        builder.Int64Initializer(name, [1], [1]);
                    else
                        builder.Initializer(name, [1, 3 * hidden], new float[3 * hidden]);
                }
                foreach ((string name, object? value) in options.Attributes)
                {
                    attributes.RemoveAll(a => a.Name == name);
                    if (value is not null)
                        attributes.Add((name, value));
                }
            }
            string[] outputs = [$"y{n}", $"yh{n}", .. lstm ? new[] { $"yc{n}" } : []];
            builder.Node(lstm ? "LSTM" : "GRU", "rec" + n, [.. nodeInputs], outputs, [.. attributes]);
            string squeezed = !options.BatchFirst && k == layers - 1 ? "output" : $"s{n}";
            if (options.NoSqueeze)
                squeezed = outputs[0];
            else if (options.Opset < 13)
                builder.Node("Squeeze", "squeeze" + n, [outputs[0]], [squeezed], ("axes", new long[] { options.SqueezeAxis }));
            else
                builder.Node("Squeeze", "squeeze" + n, [outputs[0], "axis1"], [squeezed]);
            current = squeezed;
        }
        if (options.BatchFirst && !options.TransposeNotUndone)
        {
            builder.Node("Transpose", "to_batch_major", [current], ["output"], ("perm", new long[] { 1, 0, 2 }));
            current = "output";
        }
        builder.Output(current, null);
        if (options.LastStep)
        {
            builder.Int64Initializer("last_index", [], [-1]);
            builder.Node("Gather", "last_step", [current, "last_index"], ["last"], ("axis", 1L));
            builder.Output("last", null);
        }
        // The final hidden state of every layer as one graph output, as torch.onnx.export writes h_n.
        string[] finals = [.. Enumerable.Range(0, layers).Select(k => "yh" + k.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        if (options.FinalStateUsed)
        {
            builder.Node("Sigmoid", "use_state", [finals[0]], ["used"]);
            builder.Output("used", null);
        }
        builder.Node("Concat", "h_n", finals, ["h_n"], ("axis", 0L));
        builder.Output("h_n", null);
        return builder.Build();
    }
}
