using System.Collections.Generic;
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
/// A walk along the data of a folded <see cref="OnnxGraph"/> from its data input: the value reached so far, the one
/// node that takes it next, and the nodes taken. The layer kinds' op mappings (<see cref="OnnxLayerMapping"/>) read
/// their ops from it one node at a time; a value taken by two nodes is refused, since a network is one chain of layers.
/// The pass-through ops (<c>Flatten</c> to one row per sample, <c>Reshape</c> to one row per sample, <c>Concat</c> of
/// one input, which exporters write for a policy of one observation) are stepped over wherever they stand;
/// <c>Identity</c> and <c>Constant</c> were folded away by the graph.
/// </summary>
internal sealed class OnnxChain
{
    /// <summary>The ops that change no value of one sample, which the walk steps over between and inside layers.</summary>
    public static readonly string[] PassThroughOps = ["Concat", "Flatten", "Identity", "Reshape"];

    private readonly OnnxGraph _graph;
    private readonly IReadOnlyList<string> _imported;
    private readonly HashSet<OnnxNode> _taken = new();
    private readonly HashSet<string> _setAside = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _reached = new(System.StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, OnnxShapeComputedState> _shapeComputedStates;
    private readonly HashSet<OnnxNode> _beside = new();

    /// <param name="graph">The folded graph.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="input">The graph's data input.</param>
    /// <param name="mappedOps">Every op a kind's mapping reads: the walk refuses any other (but the pass-through ops) where it reaches it.</param>
    /// <param name="shapeComputedStates">
    /// Initial states computed from a chain value's shape (<see cref="OnnxShapeComputedState.Find"/>), by
    /// the value they fill: their nodes take chain values beside the chain, so the walk does not count them as takers.
    /// </param>
    public OnnxChain(OnnxGraph graph, string source, string input, IReadOnlyList<string> mappedOps, IReadOnlyDictionary<string, OnnxShapeComputedState>? shapeComputedStates = null)
    {
        _graph = graph;
        _imported = mappedOps.Concat(PassThroughOps).Distinct().ToArray();
        _shapeComputedStates = shapeComputedStates ?? new Dictionary<string, OnnxShapeComputedState>();
        foreach (OnnxShapeComputedState state in _shapeComputedStates.Values)
        {
            foreach (OnnxNode node in state.Nodes)
                _beside.Add(node);
        }
        Source = source;
        Input = input;
        Current = input;
        _reached.Add(input);
    }

    /// <summary>The file's name, with which every message starts.</summary>
    public string Source { get; }

    /// <summary>The graph's data input, where the walk started.</summary>
    public string Input { get; }

    /// <summary>The value the walk has reached: the output of the last node taken.</summary>
    public string Current
    {
        get => _current;
        private set
        {
            _current = value;
            _reached.Add(value);
        }
    }

    private string _current = "";

    /// <summary>Whether the walk has reached <paramref name="value"/> (its input, or a node's output it moved along).</summary>
    public bool Reached(string value) => _reached.Contains(_graph.Resolve(value));

    /// <summary>The initial state computed from a chain value's shape that fills <paramref name="value"/>, or null.</summary>
    public OnnxShapeComputedState? ShapeComputedState(string value) =>
        _shapeComputedStates.TryGetValue(_graph.Resolve(value), out OnnxShapeComputedState? state) ? state : null;

    /// <summary>The node that takes <see cref="Current"/>, or null at the end of the chain.</summary>
    /// <exception cref="InvalidDataException">Two nodes take it, or it is an op DenseGen does not import.</exception>
    public OnnxNode? Next
    {
        get
        {
            IReadOnlyList<OnnxNode> takers = Consumers(Current);
            if (takers.Count > 1)
                throw Invalid($"'{Current}' is taken by {takers[0].Describe()} and {takers[1].Describe()}; DenseGen imports a chain of layers, each taking the one before");
            if (takers.Count == 0)
                return null;
            OnnxNode node = takers[0];
            if (!_imported.Contains(node.OpType))
                throw Invalid($"{node.Describe()} is not an operator DenseGen imports ({string.Join(", ", _imported)})");
            return node;
        }
    }

    /// <summary>
    /// Every node that takes <see cref="Current"/>, for the one pattern in which a value is taken twice: an activation
    /// written as several ops (SiLU as <c>Mul(z, Sigmoid(z))</c>), which a mapping reads with <see cref="TakePattern"/>.
    /// </summary>
    public IReadOnlyList<OnnxNode> Takers => Consumers(Current);

    /// <summary>
    /// The one node that takes <see cref="Current"/>, or null when none or several do: a look ahead that refuses nothing,
    /// for the ops a mapping may find next or not (a bias, a pass-through), before a pattern of several takers.
    /// </summary>
    public OnnxNode? Only => Takers is { Count: 1 } takers ? takers[0] : null;

    /// <summary>The nodes that take <paramref name="value"/>.</summary>
    public IReadOnlyList<OnnxNode> TakersOf(string value) => Consumers(value);

    /// <summary>The nodes that take <paramref name="value"/>, but those of a shape-computed initial state, which take it beside the chain.</summary>
    private IReadOnlyList<OnnxNode> Consumers(string value)
    {
        IReadOnlyList<OnnxNode> takers = _graph.Consumers(value);
        return _beside.Count == 0 || !takers.Any(_beside.Contains) ? takers : takers.Where(node => !_beside.Contains(node)).ToArray();
    }

    /// <summary>Moves past a pattern of nodes that together compute one value, <paramref name="last"/>'s one output.</summary>
    public void TakePattern(IEnumerable<OnnxNode> nodes, OnnxNode last)
    {
        foreach (OnnxNode node in nodes)
            _taken.Add(node);
        Take(last);
    }

    /// <summary>The folded graph the walk goes along, for a mapping that reads nodes beside the chain (a recurrent node's state).</summary>
    public OnnxGraph Graph => _graph;

    /// <summary>
    /// Takes <paramref name="node"/> beside the chain without moving along it: a node that computes a value the layer
    /// sets aside (a recurrent node's final state on its way to a graph output, a slice of its initial state from a
    /// graph input).
    /// </summary>
    public void TakeBeside(OnnxNode node) => _taken.Add(node);

    /// <summary>Records a value the layers set aside: a graph output that is one of their final states, not the chain's end.</summary>
    public void SetAside(string value) => _setAside.Add(value);

    /// <summary>Whether a layer set <paramref name="value"/> aside (<see cref="SetAside"/>).</summary>
    public bool IsSetAside(string value) => _setAside.Contains(value);

    /// <summary>
    /// Moves past <paramref name="node"/> (which takes <see cref="Current"/>) along its first output, whatever its other
    /// outputs: a recurrent node's sequence, whose final states (outputs 1 and 2) its mapping reads beside the chain.
    /// </summary>
    /// <exception cref="InvalidDataException">It has no first output.</exception>
    public void TakeAlongFirstOutput(OnnxNode node)
    {
        if (node.Outputs.Length == 0 || node.Outputs[0].Length == 0)
            throw Invalid($"{node.Describe()} has no first output, the sequence the next layer takes");
        _taken.Add(node);
        Current = node.Outputs[0];
    }

    /// <summary>Whether the walk has taken <paramref name="node"/>.</summary>
    public bool Took(OnnxNode node) => _taken.Contains(node);

    /// <summary>Moves past <paramref name="node"/> (which takes <see cref="Current"/>): its one output is the value reached.</summary>
    /// <exception cref="InvalidDataException">It has other than one output.</exception>
    public void Take(OnnxNode node)
    {
        if (node.Outputs.Length != 1)
            throw Invalid($"{node.Describe()} has {node.Outputs.Length} outputs; expected 1");
        _taken.Add(node);
        Current = node.Outputs[0];
    }

    /// <summary>Takes the pass-through ops that come next, checking that each keeps one row per sample.</summary>
    public void SkipPassThrough()
    {
        while (Only is { } node && PassThroughOps.Contains(node.OpType))
        {
            if (node.OpType == "Flatten")
            {
                RequireInputs(node, 1);
                long axis = Attribute(node, "axis", 1);
                if (axis != 1)
                    throw Invalid($"{node.Describe()} flattens from axis {axis}; only axis 1 (one row per sample) keeps the samples apart");
            }
            else if (node.OpType == "Reshape")
            {
                CheckReshape(node);
            }
            else if (node.OpType == "Concat" && node.Inputs.Length != 1)
            {
                // Of one input it copies it, whatever its axis; of more it joins values the network does not take.
                throw Invalid($"{node.Describe()} joins {node.Inputs.Length} values; DenseGen passes through a Concat of one input only, since a network takes one input");
            }
            Take(node);
        }
    }

    /// <summary>The float constant (initializer or <c>Constant</c> node, through Identity chains) that <paramref name="node"/> takes as <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">It is not a constant, or not float32.</exception>
    public OnnxTensor FloatConstant(OnnxNode node, string name)
    {
        if (!_graph.TryGetConstant(name, out OnnxTensor tensor))
            throw Invalid($"{node.Describe()} takes '{name}', which is not an initializer or constant");
        if (tensor.DataType != OnnxTensor.Float || tensor.Floats is null)
            throw Invalid($"{node.Describe()} takes '{name}' of data type {tensor.DataType}; weights must be float32 (1)");
        return tensor;
    }

    /// <exception cref="InvalidDataException">The node has other than <paramref name="count"/> inputs.</exception>
    public void RequireInputs(OnnxNode node, int count)
    {
        if (node.Inputs.Length != count)
            throw Invalid($"{node.Describe()} has {node.Inputs.Length} inputs; expected {count}");
    }

    /// <summary>An integer attribute, or <paramref name="fallback"/> when the node does not set it.</summary>
    public static long Attribute(OnnxNode node, string name, long fallback) =>
        node.Attributes.TryGetValue(name, out OnnxAttribute? attribute) ? attribute.I : fallback;

    /// <summary>A message about the model, starting with its name.</summary>
    public InvalidDataException Invalid(string problem) => new(Source + ": " + problem + ".");

    private void CheckReshape(OnnxNode node)
    {
        RequireInputs(node, 2);
        if (!_graph.TryGetConstant(node.Inputs[1], out OnnxTensor shape) || shape.Longs is null || shape.Dims.Length != 1)
            throw Invalid($"{node.Describe()} takes its shape from '{node.Inputs[1]}', which is not a constant list of integers");
        long[] to = shape.Longs;
        bool keepsSamples = to.Length == 2 && (to[0] is -1 or 0 or 1) && (to[1] > 0 || (to[1] == -1 && to[0] != -1));
        if (!keepsSamples || (Attribute(node, "allowzero", 0) == 1 && to.Contains(0)))
            throw Invalid($"{node.Describe()} reshapes to [{string.Join(", ", to)}]; DenseGen passes through a reshape to one row per sample only");
    }
}
