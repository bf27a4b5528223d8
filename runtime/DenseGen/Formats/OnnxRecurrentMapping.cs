using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// A recurrent layer in an ONNX graph, as <c>torch.onnx.export</c> writes <c>nn.LSTM</c> and <c>nn.GRU</c>: one
/// <c>LSTM</c> or <c>GRU</c> node per stacked layer (a <c>num_layers = k</c> module is k nodes, read as one layer of k),
/// each followed by the <c>Squeeze</c> of its direction axis, and for a <c>batch_first</c> module a
/// <c>Transpose</c> to time-major before the first node and back after the last. It gives PyTorch's tensors:
/// ONNX's <c>W</c> <c>[1, G·H, In]</c>, <c>R</c> <c>[1, G·H, H]</c> and <c>B</c> <c>[1, 2·G·H]</c> (the input bias, then
/// the recurrent one; zero when absent) become <c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>, <c>bias_ih_l{k}</c> and
/// <c>bias_hh_l{k}</c> with their gate blocks reordered (ONNX's LSTM gates are i, o, f, c and PyTorch's i, f, g, o; ONNX's
/// GRU gates z, r, h and PyTorch's r, z, n). An <c>initial_h</c> or <c>initial_c</c> that is a constant of one stream
/// becomes that layer's row of <c>initial_hidden</c>/<c>initial_cell</c>; one that comes from a graph input (through a
/// <c>Slice</c> of it, as a stacked export takes each layer's) leaves the row zero, and the graph input is set aside, as
/// are graph outputs made of the final states <c>Y_h</c>/<c>Y_c</c> (through <c>Concat</c>, <c>Transpose</c>,
/// <c>Squeeze</c>, <c>Unsqueeze</c> or <c>Reshape</c>). Refused, naming the node: a GRU without
/// <c>linear_before_reset = 1</c> (PyTorch's GRU applies the reset gate after the recurrent product), <c>layout = 1</c>,
/// a direction other than forward, <c>clip</c>, <c>input_forget</c>, peepholes (<c>P</c>), a <c>sequence_lens</c>,
/// activations other than the defaults, and a hidden size or input size other than the layer's.
/// </summary>
internal sealed class OnnxRecurrentMapping : OnnxLayerMapping
{
    private readonly bool _lstm;

    public OnnxRecurrentMapping(bool lstm) => _lstm = lstm;

    /// <summary>The op a kind's node is.</summary>
    public string OpType => _lstm ? "LSTM" : "GRU";

    /// <summary>As <c>LayerDescription.Kind</c> names the kinds (the generator's <c>RecurrentSpec</c> kind names).</summary>
    public override string Kind => _lstm ? "Lstm" : "Gru";

    public override IReadOnlyList<string> Ops => new[] { OpType, "Squeeze", "Transpose" };

    public override bool PerTimeStep => true;

    public override bool StartsLayer(OnnxNode node) => node.OpType == OpType;

    /// <summary>Gates per hidden unit.</summary>
    private int Gates => _lstm ? 4 : 3;

    /// <summary>
    /// For each of PyTorch's gate blocks, in its order, the ONNX block that holds it: LSTM i, f, g, o from ONNX's
    /// i (0), f (2), c (3), o (1); GRU r, z, n from ONNX's r (1), z (0), h (2).
    /// </summary>
    private int[] OnnxBlockOf => BlocksOf(_lstm);

    /// <summary>For each of PyTorch's gate blocks, in its order, the ONNX block that holds it (see <see cref="OnnxBlockOf"/>).</summary>
    public static int[] BlocksOf(bool lstm) => lstm ? new[] { 0, 2, 3, 1 } : new[] { 1, 0, 2 };

    /// <summary>Whether a graph input feeds only recurrent nodes' initial states, directly or through a Slice each: it is set aside as the network's input is chosen.</summary>
    public static bool FeedsOnlyInitialStates(OnnxGraph graph, string input)
    {
        IReadOnlyList<OnnxNode> takers = graph.Consumers(input);
        if (takers.Count == 0)
            return false;
        foreach (OnnxNode taker in takers)
        {
            if (TakesOnlyAsInitialState(taker, input))
                continue;
            if (taker.OpType == "Slice" && taker.Inputs.Length >= 1 && taker.Inputs[0] == input && !taker.Inputs.Skip(1).Contains(input)
                && taker.Outputs.Length == 1 && graph.Consumers(taker.Outputs[0]) is { Count: > 0 } sliceTakers
                && sliceTakers.All(node => TakesOnlyAsInitialState(node, taker.Outputs[0])))
                continue;
            return false;
        }
        return true;
    }

    /// <summary>Whether <paramref name="node"/> is an LSTM or GRU that takes <paramref name="value"/> as an initial state (input 5 or 6) and nowhere else.</summary>
    private static bool TakesOnlyAsInitialState(OnnxNode node, string value)
    {
        if (node.OpType is not ("LSTM" or "GRU"))
            return false;
        bool taken = false;
        for (int i = 0; i < node.Inputs.Length; i++)
        {
            if (node.Inputs[i] != value)
                continue;
            if (i is not (5 or 6))
                return false;
            taken = true;
        }
        return taken;
    }

    public override double[][] Read(OnnxChain chain, ExpectedLayer layer, int index)
    {
        int layers = layer.Tensors.Count(t => t.Name.StartsWith("weight_ih_l", StringComparison.Ordinal));
        int hidden = layer.Outputs;
        string what = $"the network's layer {index} ('{layer.Name}'), {(_lstm ? "an LSTM" : "a GRU")} {layer.Inputs} → {hidden}{(layers > 1 ? " of " + Number(layers) + " layers" : "")}";
        var tensors = new double[layer.Tensors.Count][];
        for (int t = 0; t < tensors.Length; t++)
        {
            string name = layer.Tensors[t].Name;
            bool known = name is "initial_hidden" || (_lstm && name is "initial_cell");
            for (int k = 0; k < layers && !known; k++)
                known = name == "weight_ih_l" + Number(k) || name == "weight_hh_l" + Number(k) || name == "bias_ih_l" + Number(k) || name == "bias_hh_l" + Number(k);
            if (!known)
                throw chain.Invalid($"{what} has a tensor '{name}', which {(_lstm ? "an LSTM" : "a GRU")} node does not give");
            tensors[t] = new double[layer.Tensors[t].Length];
        }

        // batch_first: the input turned to time-major before the first node, and the output back after the last.
        bool batchFirst = TakeTimeMajorTranspose(chain);
        var nodes = new List<OnnxNode>(layers);
        for (int k = 0; k < layers; k++)
        {
            OnnxNode? node = chain.Next;
            if (node is null || node.OpType != OpType)
            {
                string found = node is null ? "the end of the chain" : node.Describe();
                throw chain.Invalid(k == 0
                    ? $"{found} is where {what} starts; expected {(_lstm ? "an LSTM" : "a GRU")} node"
                    : $"{found} is where layer {Number(k)} of {what} is; expected {(_lstm ? "an LSTM" : "a GRU")} node, as torch.onnx.export writes each of num_layers");
            }
            ReadNode(chain, node, layer, what, k, layers, tensors);
            chain.TakeAlongFirstOutput(node);
            TakeDirectionSqueeze(chain, node);
            nodes.Add(node);
        }
        // A batch_first export turns the output back after its last node: another node there is a layer more than the
        // network's layer has (without the Transposes, it may be the network's next layer).
        if (batchFirst && chain.Only is { } more && more.OpType == OpType)
            throw chain.Invalid($"{more.Describe()} stacks a layer onto {what}, which has {Number(layers)} (Layers = {Number(layers)})");
        if (batchFirst && !TakeTimeMajorTranspose(chain))
            throw chain.Invalid($"{nodes[0].Describe()} of {what} takes its input turned to time-major by a Transpose, but its output is not turned back after {nodes[nodes.Count - 1].Describe()}");
        SetFinalStatesAside(chain, nodes, what);
        return tensors;
    }

    /// <summary>Reads one node: its attributes and inputs checked, its weights reordered into layer <paramref name="k"/>'s tensors.</summary>
    private void ReadNode(OnnxChain chain, OnnxNode node, ExpectedLayer layer, string what, int k, int layers, double[][] tensors)
    {
        string describe = node.Describe();
        int hidden = layer.Outputs, rows = Gates * hidden, inputs = k == 0 ? layer.Inputs : hidden;
        string ofLayer = layers > 1 ? $"layer {Number(k)} of {what}" : what;
        CheckAttributes(chain, node, hidden, ofLayer);

        int maxInputs = _lstm ? 8 : 6;
        if (node.Inputs.Length < 3 || node.Inputs.Length > maxInputs)
            throw chain.Invalid($"{describe} has {node.Inputs.Length} inputs; {OpType} takes 3 to {maxInputs}");
        if (node.Inputs[0] != chain.Current)
            throw chain.Invalid($"{describe} must take the output so far as its input X");
        string Optional(int i) => i < node.Inputs.Length ? node.Inputs[i] : "";

        float[] w = Weights(chain, node, node.Inputs[1], "W", rows, inputs, ofLayer);
        float[] r = Weights(chain, node, node.Inputs[2], "R", rows, hidden, ofLayer);
        float[]? b = null;
        if (Optional(3).Length > 0)
        {
            OnnxTensor bias = chain.FloatConstant(node, node.Inputs[3]);
            if (bias.Dims.Length != 2 || bias.Dims[0] != 1 || bias.Dims[1] != 2L * rows)
                throw chain.Invalid($"{describe} has the bias B '{bias.Name}' of shape {bias.Shape}; {ofLayer} needs [1, {Number(2 * rows)}]");
            b = bias.Floats!;
        }

        string suffix = Number(k);
        Reorder(w, inputs, 0, Tensor(layer, tensors, "weight_ih_l" + suffix));
        Reorder(r, hidden, 0, Tensor(layer, tensors, "weight_hh_l" + suffix));
        if (b is not null)
        {
            Reorder(b, 1, 0, Tensor(layer, tensors, "bias_ih_l" + suffix));
            Reorder(b, 1, rows, Tensor(layer, tensors, "bias_hh_l" + suffix));
        }

        ReadInitialState(chain, node, 5, "initial_h", Tensor(layer, tensors, "initial_hidden"), k, hidden, ofLayer);
        if (_lstm)
            ReadInitialState(chain, node, 6, "initial_c", Tensor(layer, tensors, "initial_cell"), k, hidden, ofLayer);
    }

    /// <summary>Refuses every attribute whose value PyTorch's layers do not compute, and any attribute the op does not have.</summary>
    private void CheckAttributes(OnnxChain chain, OnnxNode node, int hidden, string ofLayer)
    {
        if (Problem(node, _lstm, hidden, ofLayer) is { } problem)
            throw chain.Invalid(problem);
    }

    /// <summary>
    /// What an <c>LSTM</c> or <c>GRU</c> node computes that PyTorch's cells (and DenseGen's) do not, naming the node, or null:
    /// the attributes, then a <c>sequence_lens</c> or peephole input. <c>[OnnxModel]</c> refuses with the same words.
    /// </summary>
    public static string? Problem(OnnxNode node, bool lstm, int hidden, string ofLayer)
    {
        string describe = node.Describe();
        string op = lstm ? "LSTM" : "GRU";
        string[] defaults = lstm ? new[] { "Sigmoid", "Tanh", "Tanh" } : new[] { "Sigmoid", "Tanh" };
        foreach (OnnxAttribute attribute in node.Attributes.Values.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            switch (attribute.Name)
            {
                case "hidden_size":
                    if (attribute.I != hidden)
                        return $"{describe} has hidden_size {Number(attribute.I)}; {ofLayer} has Hidden = {Number(hidden)}";
                    break;
                case "direction":
                    if (attribute.S != "forward")
                        return $"{describe} has direction '{attribute.S}'; DenseGen reads forward recurrent layers only";
                    break;
                case "activations":
                    if (!attribute.Strings.SequenceEqual(defaults))
                        return $"{describe} has activations [{string.Join(", ", attribute.Strings)}]; DenseGen reads {op}'s default activations [{string.Join(", ", defaults)}], which PyTorch's are";
                    break;
                case "activation_alpha":
                case "activation_beta":
                    if (attribute.Floats.Length > 0)
                        return $"{describe} sets {attribute.Name}, which DenseGen's activations (the defaults, Sigmoid and Tanh) do not take";
                    break;
                case "clip":
                    return $"{describe} clips its gates' inputs (clip = {attribute.F.ToString("R", CultureInfo.InvariantCulture)}); PyTorch's cells, which DenseGen's are, do not";
                case "input_forget" when lstm:
                    if (attribute.I != 0)
                        return $"{describe} couples its input and forget gates (input_forget = {Number(attribute.I)}); PyTorch's LSTM, which DenseGen's is, does not";
                    break;
                case "linear_before_reset" when !lstm:
                    if (attribute.I != 1)
                        return LinearBeforeReset(describe, attribute.I);
                    break;
                case "layout":
                    if (attribute.I != 0)
                        return $"{describe} has layout {Number(attribute.I)} (batch-major inputs and states); DenseGen reads layout 0, as torch.onnx.export writes it";
                    break;
                default:
                    return $"{describe} has the attribute '{attribute.Name}', which DenseGen does not read for {op}";
            }
        }
        if (!lstm && !node.Attributes.ContainsKey("linear_before_reset"))
            return LinearBeforeReset(describe, 0);
        string Optional(int i) => i < node.Inputs.Length ? node.Inputs[i] : "";
        if (Optional(4).Length > 0)
            return $"{describe} takes sequence_lens '{Optional(4)}'; DenseGen runs every stream for the same number of steps, and reads no sequence_lens";
        if (lstm && Optional(7).Length > 0)
            return $"{describe} takes the peephole weights P '{Optional(7)}'; PyTorch's LSTM, which DenseGen's is, has none";
        return null;
    }

    private static string LinearBeforeReset(string describe, long value) =>
        $"{describe} has linear_before_reset {Number(value)}: it applies the reset gate before the recurrent product; PyTorch's GRU, which DenseGen's is, applies it after (linear_before_reset = 1, as torch.onnx.export writes it)";

    /// <summary>A node's W or R: a float constant <c>[1, rows, columns]</c>.</summary>
    private static float[] Weights(OnnxChain chain, OnnxNode node, string name, string role, int rows, int columns, string ofLayer)
    {
        if (name.Length == 0)
            throw chain.Invalid($"{node.Describe()} has no {role}");
        OnnxTensor tensor = chain.FloatConstant(node, name);
        if (tensor.Dims.Length != 3 || tensor.Dims[0] != 1 || tensor.Dims[1] != rows || tensor.Dims[2] != columns)
            throw chain.Invalid($"{node.Describe()} has {role} '{tensor.Name}' of shape {tensor.Shape}; {ofLayer} needs [1, {Number(rows)}, {Number(columns)}]");
        return tensor.Floats!;
    }

    /// <summary>
    /// Copies gate blocks of <c>Gates × Hidden</c> rows of <paramref name="columns"/> values from ONNX's order (starting at row
    /// <paramref name="firstRow"/> of <paramref name="source"/>) into PyTorch's order in <paramref name="destination"/>,
    /// widening to double (exactly).
    /// </summary>
    private void Reorder(float[] source, int columns, int firstRow, double[] destination)
    {
        int block = destination.Length / Gates;
        int[] from = OnnxBlockOf;
        for (int gate = 0; gate < from.Length; gate++)
        {
            int source0 = (firstRow * columns) + (from[gate] * block), destination0 = gate * block;
            for (int j = 0; j < block; j++)
                destination[destination0 + j] = source[source0 + j];
        }
    }

    /// <summary>
    /// An initial state input: absent (zero), a constant <c>[1, 1, Hidden]</c> (layer <paramref name="k"/>'s row of the
    /// layer's initial state), a graph input or a <c>Slice</c> of one (the caller's; zero here), or a zero state computed
    /// from the input's shape or a <c>Slice</c> of one (<see cref="OnnxShapeComputedState"/>; zero).
    /// </summary>
    private static void ReadInitialState(OnnxChain chain, OnnxNode node, int input, string role, double[] initial, int k, int hidden, string ofLayer)
    {
        string value = input < node.Inputs.Length ? node.Inputs[input] : "";
        if (value.Length == 0)
            return;
        OnnxGraph graph = chain.Graph;
        if (graph.TryGetConstant(value, out OnnxTensor _))
        {
            OnnxTensor state = chain.FloatConstant(node, value);
            if (state.Dims.Length != 3 || state.Dims[0] != 1 || state.Dims[1] != 1 || state.Dims[2] != hidden)
                throw chain.Invalid($"{node.Describe()} has {role} '{state.Name}' of shape {state.Shape}; {ofLayer} starts every stream from one state, [1, 1, {Number(hidden)}]");
            for (int j = 0; j < hidden; j++)
                initial[(k * hidden) + j] = state.Floats![j];
            return;
        }
        if (IsGraphInput(graph, value, chain.Input))
            return;
        if (chain.ShapeComputedState(value) is { } whole)
        {
            TakeShapeComputedState(chain, node, role, value, whole);
            return;
        }
        if (graph.Producer(value) is { OpType: "Slice" } slice && slice.Inputs.Length >= 1
            && slice.Inputs.Skip(1).All(bound => bound.Length == 0 || graph.TryGetConstant(bound, out OnnxTensor _)))
        {
            if (IsGraphInput(graph, slice.Inputs[0], chain.Input))
            {
                chain.TakeBeside(slice);
                return;
            }
            // A stacked export slices each layer's row out of one state computed for all of them.
            if (chain.ShapeComputedState(slice.Inputs[0]) is { } sliced)
            {
                TakeShapeComputedState(chain, node, role, value, sliced);
                chain.TakeBeside(slice);
                return;
            }
        }
        string from = graph.Producer(value) is { } producer ? "computed by " + producer.Describe() : "not a constant or graph input";
        throw chain.Invalid($"{node.Describe()} takes its {role} from '{value}', {from}; DenseGen reads an initial state that is a constant or comes from a graph input");
    }

    /// <summary>
    /// Takes a state computed from a chain value's shape (a module called without <c>h0</c>), which leaves the layer's row
    /// zero, as the module starts: refused, naming the node, when its fill is not zero or its shape is not the chain's.
    /// </summary>
    private static void TakeShapeComputedState(OnnxChain chain, OnnxNode node, string role, string value, OnnxShapeComputedState state)
    {
        if (!state.IsZero)
            throw chain.Invalid($"{node.Describe()} takes its {role} from '{value}', which {state.Fill.Describe()} fills with {state.ValueText}; DenseGen reads a state computed from the input's shape only when it is zero, as torch.onnx.export writes a module called without h0");
        foreach (OnnxNode shape in state.Shapes)
        {
            if (!chain.Reached(shape.Inputs[0]))
                throw chain.Invalid($"{shape.Describe()} takes the shape of '{shape.Inputs[0]}' for the {role} of {node.Describe()}; DenseGen reads a state computed from the shape of a value on the chain of layers only");
        }
        foreach (OnnxNode computing in state.Nodes)
            chain.TakeBeside(computing);
    }

    private static bool IsGraphInput(OnnxGraph graph, string value, string networkInput) =>
        value != networkInput && graph.DataInputs.Any(input => input.Name == value);

    /// <summary>The tensor named <paramref name="name"/> of the layer's table.</summary>
    private static double[] Tensor(ExpectedLayer layer, double[][] tensors, string name) => tensors[layer.IndexOf(name)];

    /// <summary>Takes a <c>Transpose</c> with <c>perm = [1, 0, 2]</c> next on the chain, if there is one.</summary>
    private static bool TakeTimeMajorTranspose(OnnxChain chain)
    {
        if (chain.Only is not { OpType: "Transpose" } transpose)
            return false;
        chain.RequireInputs(transpose, 1);
        long[] perm = transpose.Attributes.TryGetValue("perm", out OnnxAttribute? attribute) ? attribute.Ints : [];
        if (!perm.SequenceEqual(new long[] { 1, 0, 2 }))
            throw chain.Invalid($"{transpose.Describe()} has perm [{string.Join(", ", perm)}]; DenseGen reads a Transpose only as batch_first exports write it, swapping the batch and time axes (perm = [1, 0, 2])");
        chain.Take(transpose);
        return true;
    }

    /// <summary>Takes the <c>Squeeze</c> of the direction axis (1) that must follow a node's sequence output <c>[steps, 1, batch, Hidden]</c>.</summary>
    private void TakeDirectionSqueeze(OnnxChain chain, OnnxNode node)
    {
        if (chain.Only is not { OpType: "Squeeze" } squeeze)
            throw chain.Invalid($"{node.Describe()}'s output is not followed by a Squeeze of its direction axis (1), as torch.onnx.export writes it");
        long[]? axes = null;
        if (squeeze.Inputs.Length == 2 && chain.Graph.TryGetConstant(squeeze.Inputs[1], out OnnxTensor constant) && constant.Longs is not null)
            axes = constant.Longs; // opset 13 and later
        else if (squeeze.Inputs.Length == 1 && squeeze.Attributes.TryGetValue("axes", out OnnxAttribute? attribute))
            axes = attribute.Ints; // before opset 13
        if (axes is null || axes.Length != 1 || axes[0] != 1)
            throw chain.Invalid($"{squeeze.Describe()} does not squeeze exactly the direction axis (axes = [1]) of {node.Describe()}'s output");
        chain.Take(squeeze);
    }

    /// <summary>
    /// Takes the nodes that carry the layer's final states (<c>Y_h</c>, <c>Y_c</c>) to graph outputs, and sets those outputs
    /// aside. Such a node reshapes or joins final states (and constants) only; any other use of a final state is refused.
    /// </summary>
    private static void SetFinalStatesAside(OnnxChain chain, List<OnnxNode> nodes, string what)
    {
        OnnxGraph graph = chain.Graph;
        var states = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>();
        foreach (OnnxNode node in nodes)
        {
            for (int o = 1; o < node.Outputs.Length; o++)
            {
                if (node.Outputs[o].Length > 0 && states.Add(node.Outputs[o]))
                    pending.Enqueue(node.Outputs[o]);
            }
        }
        var outputs = new HashSet<string>(graph.Outputs, StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            string state = pending.Dequeue();
            if (outputs.Contains(state))
                chain.SetAside(state);
            foreach (OnnxNode taker in graph.Consumers(state))
            {
                if (chain.Took(taker))
                    continue;
                bool carries = taker.OpType is "Concat" or "Transpose" or "Squeeze" or "Unsqueeze" or "Reshape"
                    && taker.Inputs.All(input => input.Length == 0 || states.Contains(input) || graph.TryGetConstant(input, out OnnxTensor _));
                if (!carries)
                    throw chain.Invalid($"{taker.Describe()} takes the final state '{state}' of {what}; DenseGen reads a final state only on its way to a graph output");
                chain.TakeBeside(taker);
                foreach (string output in taker.Outputs)
                {
                    if (output.Length > 0 && states.Add(output))
                        pending.Enqueue(output);
                }
            }
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
