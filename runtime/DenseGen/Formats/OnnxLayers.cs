using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>A layer the model must hold: its sizes and its activation's name (<c>None</c>, <c>ReLU</c>, <c>LeakyReLU</c>, <c>Sigmoid</c>, <c>Tanh</c>).</summary>
internal readonly struct ExpectedLayer
{
    public ExpectedLayer(string name, int inputs, int outputs, string activation)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
    }

    public string Name { get; }

    public int Inputs { get; }

    public int Outputs { get; }

    public string Activation { get; }
}

/// <summary>
/// Maps an ONNX graph of a multilayer perceptron onto a network's layers, in order: each layer is a <c>Gemm</c>
/// (<c>transB</c> 0 or 1, <c>alpha</c> and <c>beta</c> 1) or a <c>MatMul</c> with an optional <c>Add</c> of the
/// bias, then optionally <c>Relu</c>, <c>LeakyRelu</c> (its <c>alpha</c> must equal 0.01 as a float), <c>Sigmoid</c>
/// or <c>Tanh</c>; <c>Flatten</c>, <c>Identity</c> and a <c>Reshape</c> to the same size pass through. Anything else
/// is refused with the node's name and op type, as is a graph that is not one chain from its input to its output.
/// Weights come out as <c>[Out, In]</c> row-major, as the layers hold them, whichever way the model stores them.
/// </summary>
/// <remarks>
/// The graph is read as a graph (<see cref="OnnxGraph"/>): nodes may be stored in any order, Constant and Identity
/// nodes are folded away wherever they are, and the walk follows the data from the graph's one data input through
/// each value's one consumer. The input's declared per-sample shape, when fully known, must hold the first layer's
/// inputs (a <c>[C, H, W]</c> of that size is an implicit flatten).
/// </remarks>
internal static class OnnxLayers
{
    /// <summary>The default operator set's versions this reader knows: 9 (the oldest PyTorch exports) to 28 (ONNX 1.23). These ops did not change meaning for float tensors across them.</summary>
    public const int MinimumOpset = 9, MaximumOpset = 28;

    private const float LeakyReLUSlope = 0.01f;

    /// <summary>Each layer's weights (<c>[Out, In]</c>) and bias, widened to double (exactly), as <see cref="SafeTensorsLayers"/> returns them.</summary>
    /// <exception cref="InvalidDataException">The graph is not the declared layers; the message names the node or layer.</exception>
    public static List<(double[] Weights, double[] Bias)> Map(OnnxModel model, string source, IReadOnlyList<ExpectedLayer> layers)
    {
        if (model.OpsetVersion < MinimumOpset || model.OpsetVersion > MaximumOpset)
            throw Invalid(source, $"the model uses opset {model.OpsetVersion}; DenseGen reads opsets {MinimumOpset} to {MaximumOpset}");
        // Constants and Identity nodes are folded there, and the nodes ordered: the walk below sees only real ops.
        OnnxGraph graph = OnnxGraph.Build(model, source);
        IReadOnlyDictionary<string, OnnxTensor> constants = graph.Constants;
        foreach (OnnxNode node in graph.Nodes)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw Invalid(source, $"{node.Describe()} is from the operator domain '{node.Domain}'; DenseGen reads the default domain only");
        }
        IReadOnlyList<OnnxValueInfo> dataInputs = graph.DataInputs;
        if (dataInputs.Count != 1)
            throw Invalid(source, $"the graph has {dataInputs.Count} inputs besides its weights ({string.Join(", ", dataInputs.Select(v => "'" + v.Name + "'"))}); a network takes one");

        // The walk follows the data from the input, node by node, whatever order the file stores them in: each value
        // on the chain must be taken by exactly one node, and every node must be on the chain.
        var result = new List<(double[] Weights, double[] Bias)>();
        string current = dataInputs[0].Name;
        Pending? pending = null;
        var visited = new HashSet<OnnxNode>();
        for (IReadOnlyList<OnnxNode> takers = graph.Consumers(current); takers.Count > 0; takers = graph.Consumers(current))
        {
            if (takers.Count > 1)
                throw Invalid(source, $"'{current}' is taken by {takers[0].Describe()} and {takers[1].Describe()}; DenseGen imports a chain of layers, each taking the one before");
            OnnxNode node = takers[0];
            visited.Add(node);
            if (node.Outputs.Length != 1)
                throw Invalid(source, $"{node.Describe()} has {node.Outputs.Length} outputs; expected 1");

            switch (node.OpType)
            {
                case "Gemm":
                case "MatMul":
                    if (pending is not null)
                        Complete(source, pending, layers, result);
                    pending = node.OpType == "Gemm" ? ReadGemm(source, node, current, constants) : ReadMatMul(source, node, current, constants);
                    break;
                case "Add":
                    if (pending is null || !pending.AwaitsBias)
                        throw Invalid(source, $"{node.Describe()} is not the bias of a MatMul just before it");
                    pending.Bias = ReadAddBias(source, node, current, constants, pending.Outputs);
                    pending.AwaitsBias = false;
                    break;
                case "Relu":
                case "LeakyRelu":
                case "Sigmoid":
                case "Tanh":
                    if (pending is null || pending.Activation is not null)
                        throw Invalid(source, $"{node.Describe()} does not follow a Gemm or MatMul; DenseGen applies one activation per layer");
                    RequireInputs(source, node, 1);
                    if (node.OpType == "LeakyRelu")
                    {
                        float slope = node.Attributes.TryGetValue("alpha", out OnnxAttribute? alpha) ? alpha.F : LeakyReLUSlope;
                        if (slope != LeakyReLUSlope)
                            throw Invalid(source, $"{node.Describe()} has alpha {slope.ToString("R", CultureInfo.InvariantCulture)}; DenseGen's leaky ReLU has slope 0.01");
                    }
                    pending.Activation = node.OpType switch { "Relu" => "ReLU", "LeakyRelu" => "LeakyReLU", _ => node.OpType };
                    pending.AwaitsBias = false;
                    break;
                case "Flatten":
                    RequireInputs(source, node, 1);
                    long axis = node.Attributes.TryGetValue("axis", out OnnxAttribute? axisAttribute) ? axisAttribute.I : 1;
                    if (axis != 1)
                        throw Invalid(source, $"{node.Describe()} flattens from axis {axis}; only axis 1 (one row per sample) keeps the samples apart");
                    break;
                case "Reshape":
                    CheckReshape(source, node, constants);
                    break;
                default:
                    throw Invalid(source, $"{node.Describe()} is not an operator DenseGen imports (Gemm, MatMul, Add, Relu, LeakyRelu, Sigmoid, Tanh, Flatten, Identity, Reshape)");
            }
            if (pending is not null && pending.AwaitsBias && node.OpType != "MatMul")
                pending.AwaitsBias = false;
            current = node.Outputs[0];
        }
        foreach (OnnxNode node in graph.Nodes)
        {
            if (!visited.Contains(node))
                throw Invalid(source, $"{node.Describe()} is not on the chain from '{dataInputs[0].Name}'; DenseGen imports a chain of layers");
        }
        if (pending is not null)
            Complete(source, pending, layers, result);
        if (result.Count != layers.Count)
            throw Invalid(source, $"the model has {result.Count} layers; the network has {layers.Count}");
        IReadOnlyList<string> outputs = graph.Outputs;
        if (outputs.Count != 1 || outputs[0] != current)
            throw Invalid(source, $"the graph's output{(outputs.Count == 1 ? " is" : "s are")} {string.Join(", ", outputs.Select(n => "'" + n + "'"))}, not '{current}', the end of the chain");
        // Last, when the layers are known to fit: a mismatch of a layer names its node, which says more than the input.
        CheckInputShape(source, dataInputs[0], layers);
        return result;
    }

    /// <summary>
    /// Refuses a data input whose declared per-sample shape (the dimensions after the first, the batch) is fully known
    /// and does not hold the first layer's inputs: <c>[batch, C, H, W]</c> with C·H·W equal to the layer's inputs is an
    /// implicit flatten, and passes. A shape with a symbolic or unknown dimension after the batch, or no declared
    /// rank, cannot be checked and passes; a rank below 2 has no batch dimension to tell apart and passes too.
    /// </summary>
    private static void CheckInputShape(string source, OnnxValueInfo input, IReadOnlyList<ExpectedLayer> layers)
    {
        if (input.Shape is not { Length: >= 2 } shape || layers.Count == 0)
            return;
        long perSample = 1;
        for (int d = 1; d < shape.Length; d++)
        {
            if (!shape[d].IsKnown)
                return;
            // Saturates just past int.MaxValue, where no layer can match, so that the product never overflows.
            perSample = Math.Min(perSample * Math.Min(shape[d].Value, int.MaxValue + 1L), int.MaxValue + 1L);
        }
        if (perSample != layers[0].Inputs)
        {
            string values = perSample > int.MaxValue ? "more than " + int.MaxValue.ToString("N0", CultureInfo.InvariantCulture) : perSample.ToString(CultureInfo.InvariantCulture);
            throw Invalid(source, $"the graph input '{input.Name}' has shape {input.ShapeText}, {values} values per sample; the network's layer 0 ('{layers[0].Name}') takes {layers[0].Inputs}");
        }
    }

    private sealed class Pending
    {
        public Pending(string node, int inputs, int outputs, float[] weights, float[]? bias, bool awaitsBias)
        {
            Node = node;
            Inputs = inputs;
            Outputs = outputs;
            Weights = weights;
            Bias = bias;
            AwaitsBias = awaitsBias;
        }

        public string Node { get; }

        public int Inputs { get; }

        public int Outputs { get; }

        /// <summary>[Out, In] row-major.</summary>
        public float[] Weights { get; }

        public float[]? Bias { get; set; }

        /// <summary>A MatMul whose bias Add may come next.</summary>
        public bool AwaitsBias { get; set; }

        public string? Activation { get; set; }
    }

    private static void Complete(string source, Pending layer, IReadOnlyList<ExpectedLayer> layers, List<(double[] Weights, double[] Bias)> result)
    {
        int index = result.Count;
        if (index >= layers.Count)
            throw Invalid(source, $"{layer.Node} starts layer {index + 1}, but the network has {layers.Count} layers");
        ExpectedLayer expected = layers[index];
        if (layer.Inputs != expected.Inputs || layer.Outputs != expected.Outputs)
        {
            throw Invalid(source, $"{layer.Node} is a {layer.Inputs}→{layer.Outputs} layer; the network's layer {index} ('{expected.Name}') is {expected.Inputs}→{expected.Outputs}");
        }
        string activation = layer.Activation ?? "None";
        if (activation != expected.Activation)
        {
            throw Invalid(source, $"{layer.Node} is followed by {(layer.Activation is null ? "no activation" : activation)}; the network's layer {index} ('{expected.Name}') has {(expected.Activation == "None" ? "none" : expected.Activation)}");
        }
        result.Add((Widen(layer.Weights), layer.Bias is null ? new double[layer.Outputs] : Widen(layer.Bias)));
    }

    private static Pending ReadGemm(string source, OnnxNode node, string current, IReadOnlyDictionary<string, OnnxTensor> constants)
    {
        if (node.Inputs.Length is < 2 or > 3 || node.Inputs[0] != current)
            throw Invalid(source, $"{node.Describe()} must take the output so far as A, and weights as B");
        if (Attribute(node, "transA", 0) != 0)
            throw Invalid(source, $"{node.Describe()} transposes its input (transA = 1)");
        long transB = Attribute(node, "transB", 0);
        if (transB is not (0 or 1))
            throw Invalid(source, $"{node.Describe()} has transB {transB}");
        foreach (string name in new[] { "alpha", "beta" })
        {
            if (node.Attributes.TryGetValue(name, out OnnxAttribute? scale) && scale.F != 1f)
                throw Invalid(source, $"{node.Describe()} has {name} {scale.F.ToString("R", CultureInfo.InvariantCulture)}; DenseGen imports alpha = beta = 1");
        }
        OnnxTensor weights = FloatConstant(source, node, node.Inputs[1], constants);
        if (weights.Dims.Length != 2)
            throw Invalid(source, $"{node.Describe()} has weights '{weights.Name}' of shape {weights.Shape}; expected two dimensions");
        int outputs = (int)(transB == 1 ? weights.Dims[0] : weights.Dims[1]), inputs = (int)(transB == 1 ? weights.Dims[1] : weights.Dims[0]);
        float[] rows = transB == 1 ? weights.Floats! : Transpose(weights.Floats!, inputs, outputs);
        float[]? bias = null;
        if (node.Inputs.Length == 3 && node.Inputs[2].Length > 0)
            bias = BiasOf(source, node, FloatConstant(source, node, node.Inputs[2], constants), outputs);
        return new Pending(node.Describe(), inputs, outputs, rows, bias, awaitsBias: false);
    }

    private static Pending ReadMatMul(string source, OnnxNode node, string current, IReadOnlyDictionary<string, OnnxTensor> constants)
    {
        if (node.Inputs.Length != 2 || node.Inputs[0] != current)
            throw Invalid(source, $"{node.Describe()} must multiply the output so far by weights on its right");
        OnnxTensor weights = FloatConstant(source, node, node.Inputs[1], constants);
        if (weights.Dims.Length != 2)
            throw Invalid(source, $"{node.Describe()} has weights '{weights.Name}' of shape {weights.Shape}; expected two dimensions");
        int inputs = (int)weights.Dims[0], outputs = (int)weights.Dims[1];
        return new Pending(node.Describe(), inputs, outputs, Transpose(weights.Floats!, inputs, outputs), null, awaitsBias: true);
    }

    private static float[] ReadAddBias(string source, OnnxNode node, string current, IReadOnlyDictionary<string, OnnxTensor> constants, int outputs)
    {
        if (node.Inputs.Length != 2)
            throw Invalid(source, $"{node.Describe()} has {node.Inputs.Length} inputs; expected 2");
        string other = node.Inputs[0] == current ? node.Inputs[1] : node.Inputs[0];
        return BiasOf(source, node, FloatConstant(source, node, other, constants), outputs);
    }

    private static float[] BiasOf(string source, OnnxNode node, OnnxTensor bias, int outputs)
    {
        bool fits = bias.Dims.Length == 1 ? bias.Dims[0] == outputs : bias.Dims.Length == 2 && bias.Dims[0] == 1 && bias.Dims[1] == outputs;
        if (!fits)
            throw Invalid(source, $"{node.Describe()} has bias '{bias.Name}' of shape {bias.Shape}; the layer has {outputs} outputs");
        return bias.Floats!;
    }

    private static void CheckReshape(string source, OnnxNode node, IReadOnlyDictionary<string, OnnxTensor> constants)
    {
        RequireInputs(source, node, 2);
        if (!constants.TryGetValue(node.Inputs[1], out OnnxTensor? shape) || shape.Longs is null || shape.Dims.Length != 1)
            throw Invalid(source, $"{node.Describe()} takes its shape from '{node.Inputs[1]}', which is not a constant list of integers");
        long[] to = shape.Longs;
        bool keepsSamples = to.Length == 2 && (to[0] is -1 or 0 or 1) && (to[1] > 0 || (to[1] == -1 && to[0] != -1));
        if (!keepsSamples || (Attribute(node, "allowzero", 0) == 1 && to.Contains(0)))
            throw Invalid(source, $"{node.Describe()} reshapes to [{string.Join(", ", to)}]; DenseGen passes through a reshape to one row per sample only");
    }

    private static OnnxTensor FloatConstant(string source, OnnxNode node, string name, IReadOnlyDictionary<string, OnnxTensor> constants)
    {
        if (!constants.TryGetValue(name, out OnnxTensor? tensor))
            throw Invalid(source, $"{node.Describe()} takes '{name}', which is not an initializer or constant");
        if (tensor.DataType != OnnxTensor.Float || tensor.Floats is null)
            throw Invalid(source, $"{node.Describe()} takes '{name}' of data type {tensor.DataType}; weights must be float32 (1)");
        return tensor;
    }

    private static void RequireInputs(string source, OnnxNode node, int count)
    {
        if (node.Inputs.Length != count)
            throw Invalid(source, $"{node.Describe()} has {node.Inputs.Length} inputs; expected {count}");
    }

    private static long Attribute(OnnxNode node, string name, long fallback) =>
        node.Attributes.TryGetValue(name, out OnnxAttribute? attribute) ? attribute.I : fallback;

    private static double[] Widen(float[] values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            wide[i] = values[i];
        return wide;
    }

    /// <summary>[In, Out] row-major to [Out, In].</summary>
    private static float[] Transpose(float[] values, int inputs, int outputs)
    {
        var rows = new float[values.Length];
        for (int i = 0; i < inputs; i++)
        {
            for (int o = 0; o < outputs; o++)
                rows[o * inputs + i] = values[i * outputs + o];
        }
        return rows;
    }

    private static InvalidDataException Invalid(string source, string problem) => new(source + ": " + problem + ".");
}
