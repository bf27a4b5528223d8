using System;
using System.Collections.Generic;
using System.IO;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// An ONNX model's graph as a graph rather than a file: its constants (initializers, <c>Constant</c> nodes, and an
/// <c>Identity</c> of either, through any chain), its pass-through <c>Identity</c> nodes folded away (a value that is
/// an Identity's output is known by the name of its input, through chains, in every node's inputs and in the graph's
/// outputs), the remaining nodes in topological order (ties keep the file's order, so a file already in order keeps
/// it), each value's producer and consumers, and the data inputs with their declared shapes. Exporters are not
/// required to store nodes in order, and PyTorch and others scatter Identity and Constant nodes through a graph; the
/// mappings see neither.
/// </summary>
/// <remarks>
/// Only default-domain <c>Identity</c> and <c>Constant</c> nodes are folded: an op of another domain that shares the
/// name is someone else's op, and stays a node for the mapping to refuse. A value with two producers, a node that
/// takes a value nothing produces, a graph output nothing produces, and a cycle are refused with an <see cref="InvalidDataException"/> naming the
/// node; building costs time linear in the graph's size (plus a logarithm for the ordering).
/// </remarks>
internal sealed class OnnxGraph
{
    private static readonly OnnxNode[] NoNodes = [];

    private readonly Dictionary<string, OnnxTensor> _constants;
    private readonly Dictionary<string, string> _aliases;
    private readonly Dictionary<string, OnnxNode> _producers;
    private readonly Dictionary<string, List<OnnxNode>> _consumers;

    private OnnxGraph(
        Dictionary<string, OnnxTensor> constants,
        Dictionary<string, string> aliases,
        List<OnnxNode> nodes,
        Dictionary<string, OnnxNode> producers,
        Dictionary<string, List<OnnxNode>> consumers,
        List<OnnxValueInfo> dataInputs,
        List<string> outputs)
    {
        _constants = constants;
        _aliases = aliases;
        Nodes = nodes;
        _producers = producers;
        _consumers = consumers;
        DataInputs = dataInputs;
        Outputs = outputs;
    }

    /// <summary>The nodes left after folding, in topological order; their inputs name values as <see cref="Resolve"/> does.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>The constants by the name that holds them: initializers and <c>Constant</c> nodes' outputs.</summary>
    public IReadOnlyDictionary<string, OnnxTensor> Constants => _constants;

    /// <summary>The graph inputs that are not initializers (the data the model runs on), each once, in the file's order.</summary>
    public IReadOnlyList<OnnxValueInfo> DataInputs { get; }

    /// <summary>The graph's outputs, resolved through Identity nodes, each once, in the file's order.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The value a name stands for: the input of the <c>Identity</c> chain it is the end of, or itself.</summary>
    public string Resolve(string name) => _aliases.TryGetValue(name, out string? value) ? value : name;

    /// <summary>The constant a name stands for, through Identity chains.</summary>
    public bool TryGetConstant(string name, out OnnxTensor tensor)
    {
        if (_constants.TryGetValue(Resolve(name), out OnnxTensor? found))
        {
            tensor = found;
            return true;
        }
        tensor = null!;
        return false;
    }

    /// <summary>The node that computes a value, or null when it is a constant or a graph input (or nothing makes it).</summary>
    public OnnxNode? Producer(string name) => _producers.TryGetValue(Resolve(name), out OnnxNode? node) ? node : null;

    /// <summary>The nodes that take a value, each once, in topological order.</summary>
    public IReadOnlyList<OnnxNode> Consumers(string name) => _consumers.TryGetValue(Resolve(name), out List<OnnxNode>? nodes) ? nodes : NoNodes;

    /// <summary>Folds and orders a model's graph.</summary>
    /// <exception cref="InvalidDataException">A value has two producers, a node or graph output takes a value nothing produces, an Identity or Constant is malformed, or the graph has a cycle.</exception>
    public static OnnxGraph Build(OnnxModel model, string source)
    {
        if (model is null)
            throw new ArgumentNullException(nameof(model));

        // Every name that is given a value, once: initializers, graph inputs (an initializer may also be listed as an
        // input, its default value, as IR version 3 did), and nodes' outputs. A second producer is refused, since
        // which one a consumer would see is the file's ambiguity, not something to pick.
        var constants = new Dictionary<string, OnnxTensor>(model.Initializers, StringComparer.Ordinal);
        var graphInputs = new HashSet<string>(StringComparer.Ordinal);
        var dataInputs = new List<OnnxValueInfo>();
        foreach (OnnxValueInfo input in model.Inputs)
        {
            if (graphInputs.Add(input.Name) && !constants.ContainsKey(input.Name))
                dataInputs.Add(input);
        }
        var producerOf = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (OnnxNode node in model.Nodes)
        {
            foreach (string output in node.Outputs)
            {
                if (output.Length == 0)
                    continue; // an optional output left out
                if (producerOf.TryGetValue(output, out OnnxNode? other))
                    throw Invalid(source, $"{node.Describe()} computes '{output}', which {other.Describe()} computes too");
                if (constants.ContainsKey(output) || graphInputs.Contains(output))
                    throw Invalid(source, $"{node.Describe()} computes '{output}', which is also {(constants.ContainsKey(output) ? "an initializer" : "a graph input")}");
                producerOf.Add(output, node);
            }
        }

        // Constant nodes become constants, and Identity nodes aliases of their input; neither stays a node.
        var identities = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var kept = new List<OnnxNode>(model.Nodes.Count);
        foreach (OnnxNode node in model.Nodes)
        {
            bool defaultDomain = node.Domain is "" or "ai.onnx";
            if (defaultDomain && node.OpType == "Constant")
            {
                OnnxTensor value = node.Attributes.TryGetValue("value", out OnnxAttribute? attribute) && attribute.Tensor is not null
                    ? attribute.Tensor
                    : throw Invalid(source, $"{node.Describe()} holds no tensor 'value'");
                if (node.Outputs.Length != 1)
                    throw Invalid(source, $"{node.Describe()} has {node.Outputs.Length} outputs; expected 1");
                if (node.Outputs[0].Length == 0)
                    throw Invalid(source, $"{node.Describe()} gives its value no name");
                constants.Add(node.Outputs[0], value);
            }
            else if (defaultDomain && node.OpType == "Identity")
            {
                if (node.Inputs.Length != 1)
                    throw Invalid(source, $"{node.Describe()} has {node.Inputs.Length} inputs; expected 1");
                if (node.Outputs.Length != 1)
                    throw Invalid(source, $"{node.Describe()} has {node.Outputs.Length} outputs; expected 1");
                if (node.Inputs[0].Length == 0 || node.Outputs[0].Length == 0)
                    throw Invalid(source, $"{node.Describe()} passes on a value with no name");
                identities.Add(node.Outputs[0], node);
            }
            else
            {
                kept.Add(node);
            }
        }
        Dictionary<string, string> aliases = ResolveIdentities(source, identities);

        // Each kept node with its inputs resolved, and the values it needs from other kept nodes counted.
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var nodes = new OnnxNode[kept.Count];
        for (int k = 0; k < kept.Count; k++)
        {
            nodes[k] = WithResolvedInputs(kept[k], aliases);
            foreach (string output in nodes[k].Outputs)
            {
                if (output.Length > 0)
                    producers.Add(output, nodes[k]);
            }
        }
        var position = new Dictionary<OnnxNode, int>(nodes.Length);
        for (int k = 0; k < nodes.Length; k++)
            position.Add(nodes[k], k);
        var waitingFor = new int[nodes.Length];
        var dependents = new List<int>[nodes.Length];
        for (int k = 0; k < nodes.Length; k++)
        {
            OnnxNode node = nodes[k];
            // A set per node, so that a node of many inputs costs time linear in them.
            var counted = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                string input = node.Inputs[i];
                if (input.Length == 0 || !counted.Add(input))
                    continue; // an optional input left out, or one taken twice (counted once)
                if (producers.TryGetValue(input, out OnnxNode? producer))
                {
                    int from = position[producer];
                    (dependents[from] ??= new List<int>()).Add(k);
                    waitingFor[k]++;
                }
                else if (!constants.ContainsKey(input) && !graphInputs.Contains(input))
                {
                    throw Invalid(source, $"{node.Describe()} takes '{input}', which no node, initializer or graph input gives");
                }
            }
        }

        // Kahn's algorithm, always taking the ready node that comes first in the file: a file already in topological
        // order comes out unchanged, and one that is not comes out the same whichever order its independent parts had.
        var ready = new SortedSet<int>();
        for (int k = 0; k < nodes.Length; k++)
        {
            if (waitingFor[k] == 0)
                ready.Add(k);
        }
        var ordered = new List<OnnxNode>(nodes.Length);
        while (ready.Count > 0)
        {
            int next = ready.Min;
            ready.Remove(next);
            ordered.Add(nodes[next]);
            if (dependents[next] is null)
                continue;
            foreach (int dependent in dependents[next])
            {
                if (--waitingFor[dependent] == 0)
                    ready.Add(dependent);
            }
        }
        if (ordered.Count < nodes.Length)
            throw Invalid(source, DescribeCycle(nodes, waitingFor, producers, position));

        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (OnnxNode node in ordered)
        {
            var counted = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                string input = node.Inputs[i];
                if (input.Length == 0 || !counted.Add(input))
                    continue;
                if (!consumers.TryGetValue(input, out List<OnnxNode>? list))
                    consumers.Add(input, list = new List<OnnxNode>());
                list.Add(node);
            }
        }

        var outputs = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (OnnxValueInfo output in model.Outputs)
        {
            string value = aliases.TryGetValue(output.Name, out string? resolved) ? resolved : output.Name;
            if (!producers.ContainsKey(value) && !constants.ContainsKey(value) && !graphInputs.Contains(value))
                throw Invalid(source, $"the graph's output '{output.Name}' is given by no node, initializer or graph input");
            if (seen.Add(value))
                outputs.Add(value);
        }
        return new OnnxGraph(constants, aliases, ordered, producers, consumers, dataInputs, outputs);
    }

    /// <summary>
    /// Maps each Identity output to the value at the start of its chain. Each chain is walked once: a name already
    /// resolved ends the walk, so a chain of thousands costs no more than its length. A chain that comes back on
    /// itself is a cycle.
    /// </summary>
    private static Dictionary<string, string> ResolveIdentities(string source, Dictionary<string, OnnxNode> identities)
    {
        var aliases = new Dictionary<string, string>(identities.Count, StringComparer.Ordinal);
        var path = new List<string>();
        var onPath = new HashSet<string>(StringComparer.Ordinal);
        foreach (string start in identities.Keys)
        {
            if (aliases.ContainsKey(start))
                continue;
            path.Clear();
            onPath.Clear();
            string name = start;
            string root;
            while (true)
            {
                if (aliases.TryGetValue(name, out string? known))
                {
                    root = known;
                    break;
                }
                if (!identities.TryGetValue(name, out OnnxNode? identity))
                {
                    root = name;
                    break;
                }
                if (!onPath.Add(name))
                    throw Invalid(source, $"{identity.Describe()} is on a cycle of Identity nodes that pass '{name}' round to itself");
                path.Add(name);
                name = identity.Inputs[0];
            }
            foreach (string alias in path)
                aliases.Add(alias, root);
        }
        return aliases;
    }

    private static OnnxNode WithResolvedInputs(OnnxNode node, Dictionary<string, string> aliases)
    {
        string[]? inputs = null;
        for (int i = 0; i < node.Inputs.Length; i++)
        {
            if (aliases.TryGetValue(node.Inputs[i], out string? value))
            {
                inputs ??= (string[])node.Inputs.Clone();
                inputs[i] = value;
            }
        }
        return inputs is null ? node : new OnnxNode(node.Index, node.Name, node.OpType, node.Domain, inputs, node.Outputs, node.Attributes);
    }

    /// <summary>
    /// Names the nodes of one cycle. Every node Kahn's algorithm left waits for another node left, so stepping from a
    /// left node to the producer of an input it still waits for must come back to a node already seen: that loop is
    /// a cycle (nodes after a cycle are left too, but are not on it).
    /// </summary>
    private static string DescribeCycle(OnnxNode[] nodes, int[] waitingFor, Dictionary<string, OnnxNode> producers, Dictionary<OnnxNode, int> position)
    {
        int start = Array.FindIndex(waitingFor, count => count > 0);
        var steps = new List<int>();
        var stepOf = new Dictionary<int, int>();
        int current = start;
        while (!stepOf.ContainsKey(current))
        {
            stepOf.Add(current, steps.Count);
            steps.Add(current);
            int previous = -1;
            foreach (string input in nodes[current].Inputs)
            {
                if (producers.TryGetValue(input, out OnnxNode? producer) && waitingFor[position[producer]] > 0)
                {
                    previous = position[producer];
                    break;
                }
            }
            current = previous;
        }
        // The steps went from consumers to their producers; the message reads along the data, from the node it names
        // round to it again.
        var cycle = new List<string> { nodes[current].Describe() };
        for (int s = steps.Count - 1; s > stepOf[current]; s--)
            cycle.Add(nodes[steps[s]].Describe());
        cycle.Add(nodes[current].Describe());
        return $"{nodes[current].Describe()} is on a cycle ({string.Join(" → ", cycle)}); an ONNX graph has none";
    }

    private static InvalidDataException Invalid(string source, string problem) => new(source + ": " + problem + ".");
}
