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

/// <summary>
/// Maps an ONNX graph onto a network's layers, in order, by the layers' tensor tables. The graph is read as a graph
/// (<see cref="OnnxGraph"/>): nodes may be stored in any order, and Constant and Identity nodes are folded away
/// wherever they are. The walk (<see cref="OnnxChain"/>) follows the data from the graph's one data input, and each
/// layer's kind reads its own ops into its named tensors (<see cref="OnnxLayerMapping"/>; dense layers:
/// <see cref="OnnxDenseMapping"/>, recurrent layers: <see cref="OnnxRecurrentMapping"/>); <c>Flatten</c>, a
/// <c>Reshape</c> to one row per sample and a <c>Concat</c> of one input pass through anywhere. Other inputs that only
/// pass through to outputs unchanged are set aside with those outputs, as are inputs that only give recurrent nodes
/// their initial state and outputs made of their final state. Anything else is refused with the node's name and op type, as is a graph that is not one chain from its
/// input to its output, and a data input whose declared per-sample shape does not hold the first layer's inputs.
/// </summary>
internal static class OnnxLayers
{
    /// <summary>The default operator set's versions this reader knows: 9 (the oldest PyTorch exports) to 28 (ONNX 1.23). These ops did not change meaning for float tensors across them.</summary>
    public const int MinimumOpset = 9, MaximumOpset = 28;

    /// <summary>The op mapping of each kind that can be read from ONNX models; a kind missing here is refused by name.</summary>
    private static readonly OnnxLayerMapping[] Mappings = [new OnnxDenseMapping(), new OnnxRecurrentMapping(lstm: true), new OnnxRecurrentMapping(lstm: false)];

    /// <summary>Each layer's tensors in its table's order, widened to double (exactly), as <see cref="SafeTensorsLayers.Map"/> returns them.</summary>
    /// <exception cref="InvalidDataException">The graph is not the declared layers; the message names the node or layer.</exception>
    public static List<double[][]> Map(OnnxModel model, string source, IReadOnlyList<ExpectedLayer> layers)
    {
        if (model.OpsetVersion < MinimumOpset || model.OpsetVersion > MaximumOpset)
            throw Invalid(source, $"the model uses opset {model.OpsetVersion}; DenseGen reads opsets {MinimumOpset} to {MaximumOpset}");
        var mappings = new OnnxLayerMapping[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            mappings[i] = Array.Find(Mappings, mapping => mapping.Kind == layers[i].Kind)
                ?? throw Invalid(source, $"the network's layer '{layers[i].Name}' is a {layers[i].Kind} layer, which DenseGen does not read from ONNX models yet");
        }

        OnnxGraph graph = OnnxGraph.Build(model, source);
        foreach (OnnxNode node in graph.Nodes)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw Invalid(source, $"{node.Describe()} is from the operator domain '{node.Domain}'; DenseGen reads the default domain only");
        }
        // An input that only passes through to an output unchanged (an Identity from one to the other, folded by the
        // graph: Godot RL Agents' state_ins → state_outs) computes nothing of the network: both are set aside. Any other
        // input feeds the network, which takes one.
        var graphOutputs = new HashSet<string>(graph.Outputs, StringComparer.Ordinal);
        var passedThrough = new HashSet<string>(graph.DataInputs
            .Where(input => graph.Consumers(input.Name).Count == 0 && graphOutputs.Contains(input.Name))
            .Select(input => input.Name), StringComparer.Ordinal);
        // An input that only gives recurrent nodes their initial state (torch.onnx.export's h0 and c0) is the caller's
        // state, not the network's input: set aside too, and the layer's initial state is read as zero.
        var states = new HashSet<string>(graph.DataInputs
            .Where(input => !passedThrough.Contains(input.Name) && OnnxRecurrentMapping.FeedsOnlyInitialStates(graph, input.Name))
            .Select(input => input.Name), StringComparer.Ordinal);
        List<OnnxValueInfo> dataInputs = graph.DataInputs.Where(input => !passedThrough.Contains(input.Name) && !states.Contains(input.Name)).ToList();
        if (dataInputs.Count != 1)
        {
            string besides = (passedThrough.Count > 0 ? " and those it passes through to outputs" : "") + (states.Count > 0 ? " and initial states" : "");
            throw Invalid(source, $"the graph has {dataInputs.Count} inputs besides its weights{besides} ({string.Join(", ", dataInputs.Select(v => "'" + v.Name + "'"))}); a network takes one");
        }

        // torch.onnx.export's zero state of a module called without h0 is computed from the input's shape: its Shape
        // takes a chain value beside the chain, and the recurrent mapping reads the state as zero.
        var chain = new OnnxChain(graph, source, dataInputs[0].Name, Mappings.SelectMany(mapping => mapping.Ops).ToArray(), OnnxShapeComputedState.Find(graph));
        var result = new List<double[][]>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            chain.SkipPassThrough();
            if (chain.Next is null)
                throw Invalid(source, $"the model has {i} layers; the network has {layers.Count}");
            double[][] tensors = mappings[i].Read(chain, layers[i], i);
            // A tensor's constraint (a standard deviation must be positive) holds whichever file it came from.
            for (int t = 0; t < tensors.Length; t++)
                layers[i].Tensors[t].Check(source, layers[i].Name + "." + layers[i].Tensors[t].Name, tensors[t]);
            result.Add(tensors);
        }
        chain.SkipPassThrough();
        if (chain.Next is { } extra)
        {
            throw Invalid(source, Mappings.Any(mapping => mapping.StartsLayer(extra))
                ? $"{extra.Describe()} starts layer {layers.Count + 1}, but the network has {layers.Count} layers"
                : $"{extra.Describe()} follows the network's last layer");
        }
        foreach (OnnxNode node in graph.Nodes)
        {
            if (!chain.Took(node))
                throw Invalid(source, $"{node.Describe()} is not on the chain from '{chain.Input}'; DenseGen imports a chain of layers");
        }
        // Graph outputs a recurrent layer set aside are its final states (torch.onnx.export's h_n and c_n).
        List<string> outputs = graph.Outputs.Where(output => !passedThrough.Contains(output) && !chain.IsSetAside(output)).ToList();
        if (outputs.Count != 1 || outputs[0] != chain.Current)
            throw Invalid(source, $"the graph's output{(outputs.Count == 1 ? " is" : "s are")} {string.Join(", ", outputs.Select(n => "'" + n + "'"))}, not '{chain.Current}', the end of the chain");
        // Last, when the layers are known to fit: a mismatch of a layer names its node, which says more than the input.
        CheckInputShape(source, dataInputs[0], layers, mappings.Length > 0 && mappings[0].PerTimeStep);
        return result;
    }

    /// <summary>
    /// Refuses a data input whose declared per-sample shape (the dimensions after the first, the batch; for a first layer
    /// of time steps, the last dimension) is fully known and does not hold the first layer's inputs: <c>[batch, C, H, W]</c> with C·H·W equal to the layer's inputs is an
    /// implicit flatten, and passes. A shape with a symbolic or unknown dimension after the batch, or no declared
    /// rank, cannot be checked and passes; a rank below 2 has no batch dimension to tell apart and passes too.
    /// </summary>
    private static void CheckInputShape(string source, OnnxValueInfo input, IReadOnlyList<ExpectedLayer> layers, bool perTimeStep)
    {
        if (input.Shape is not { Length: >= 2 } shape || layers.Count == 0)
            return;
        long perSample = 1;
        // A layer of time steps takes the last dimension; the others are streams and steps, in either order.
        for (int d = perTimeStep ? shape.Length - 1 : 1; d < shape.Length; d++)
        {
            if (!shape[d].IsKnown)
                return;
            // Saturates just past int.MaxValue, where no layer can match, so that the product never overflows.
            perSample = Math.Min(perSample * Math.Min(shape[d].Value, int.MaxValue + 1L), int.MaxValue + 1L);
        }
        if (perSample != layers[0].Inputs)
        {
            string values = perSample > int.MaxValue ? "more than " + int.MaxValue.ToString("N0", CultureInfo.InvariantCulture) : perSample.ToString(CultureInfo.InvariantCulture);
            throw Invalid(source, $"the graph input '{input.Name}' has shape {input.ShapeText}, {values} values per {(perTimeStep ? "time step" : "sample")}; the network's layer 0 ('{layers[0].Name}') takes {layers[0].Inputs}");
        }
    }

    private static InvalidDataException Invalid(string source, string problem) => new(source + ": " + problem + ".");
}
