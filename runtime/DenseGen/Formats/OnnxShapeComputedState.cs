using System;
using System.Collections.Generic;
using System.Linq;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// An initial state computed from the shape of the data, as <c>torch.onnx.export</c> writes the zero state of an
/// <c>nn.LSTM</c> or <c>nn.GRU</c> called without <c>h0</c>: <c>Shape(x) → Gather → Unsqueeze → Concat(constant, ·,
/// constant) → ConstantOfShape</c>, whose output feeds only recurrent nodes' initial states (directly or through a
/// <c>Slice</c> each, one per stacked layer). Its value does not depend on the data, only its shape does, so the
/// recurrent mapping reads it as a constant state when it is zero (<see cref="IsZero"/>) and refuses it otherwise,
/// naming the <c>ConstantOfShape</c>. Found before the walk, so that the <c>Shape</c> that takes a chain value is not
/// counted as a second taker of it (<see cref="OnnxChain"/>).
/// </summary>
internal sealed class OnnxShapeComputedState
{
    private OnnxShapeComputedState(OnnxNode fill, OnnxNode[] nodes, OnnxNode[] shapes)
    {
        Fill = fill;
        Nodes = nodes;
        Shapes = shapes;
    }

    /// <summary>The <c>ConstantOfShape</c> that makes the state.</summary>
    public OnnxNode Fill { get; }

    /// <summary>Every node that computes the state, the <c>ConstantOfShape</c> among them.</summary>
    public OnnxNode[] Nodes { get; }

    /// <summary>The <c>Shape</c> nodes the state's shape comes from: each must take a value of the chain.</summary>
    public OnnxNode[] Shapes { get; }

    /// <summary>
    /// Whether the fill value is zero: no <c>value</c> attribute (ONNX's default, a float zero) or a float32 tensor of one
    /// zero. Any other value is not the state a module called without <c>h0</c> starts from.
    /// </summary>
    public bool IsZero =>
        !Fill.Attributes.TryGetValue("value", out OnnxAttribute? value)
        || (value.Tensor is { DataType: OnnxTensor.Float, Floats: { Length: 1 } floats } && floats[0] == 0f);

    /// <summary>The fill value as messages write it.</summary>
    public string ValueText =>
        !Fill.Attributes.TryGetValue("value", out OnnxAttribute? value) ? "0"
        : value.Tensor is { Floats: { Length: 1 } floats } ? floats[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        : value.Tensor is { } tensor ? $"a tensor of data type {tensor.DataType} and shape {tensor.Shape}"
        : "a value that is not a tensor";

    /// <summary>
    /// The graph's shape-computed initial states, by the value each fills. A <c>ConstantOfShape</c> is one when its shape
    /// is computed only by <c>Gather</c>, <c>Unsqueeze</c> and <c>Concat</c> from constants and at least one <c>Shape</c>,
    /// none of whose outputs is taken outside the computation, and its output only gives recurrent nodes their initial
    /// state. Anything else is left a node of the graph, for the walk to refuse by name where it meets it.
    /// </summary>
    public static Dictionary<string, OnnxShapeComputedState> Find(OnnxGraph graph)
    {
        var found = new Dictionary<string, OnnxShapeComputedState>(StringComparer.Ordinal);
        foreach (OnnxNode fill in graph.Nodes)
        {
            if (fill.OpType != "ConstantOfShape" || fill.Inputs.Length != 1 || fill.Outputs.Length != 1 || fill.Outputs[0].Length == 0)
                continue;
            if (!OnnxRecurrentMapping.FeedsOnlyInitialStates(graph, fill.Outputs[0]))
                continue;
            if (ShapeNodes(graph, fill) is { } nodes)
                found[fill.Outputs[0]] = new OnnxShapeComputedState(fill, nodes, nodes.Where(node => node.OpType == "Shape").ToArray());
        }
        return found;
    }

    /// <summary>The nodes that compute <paramref name="fill"/>'s shape, and it, or null when they are not only shape arithmetic on a Shape.</summary>
    private static OnnxNode[]? ShapeNodes(OnnxGraph graph, OnnxNode fill)
    {
        var nodes = new List<OnnxNode> { fill };
        var seen = new HashSet<OnnxNode> { fill };
        var pending = new Stack<string>();
        pending.Push(fill.Inputs[0]);
        bool fromShape = false;
        while (pending.Count > 0)
        {
            string value = pending.Pop();
            if (value.Length == 0 || graph.TryGetConstant(value, out OnnxTensor _))
                continue;
            // A graph input (no producer) is data the shape would depend on: not this pattern.
            if (graph.Producer(value) is not { } producer)
                return null;
            if (!seen.Add(producer))
                continue;
            switch (producer.OpType)
            {
                case "Shape":
                    // Its input is a data value (the chain's, checked as the state is read), whose shape only is taken.
                    if (producer.Inputs.Length != 1)
                        return null;
                    fromShape = true;
                    break;
                case "Gather" or "Unsqueeze" or "Concat":
                    foreach (string input in producer.Inputs)
                        pending.Push(input);
                    break;
                default:
                    return null;
            }
            nodes.Add(producer);
        }
        if (!fromShape)
            return null;
        // Every value computed on the way must serve this state only: another taker would be left off the chain.
        foreach (OnnxNode node in nodes)
        {
            if (node == fill)
                continue;
            foreach (string output in node.Outputs)
            {
                if (output.Length > 0 && graph.Consumers(output).Any(taker => !seen.Contains(taker)))
                    return null;
            }
        }
        return nodes.ToArray();
    }
}
