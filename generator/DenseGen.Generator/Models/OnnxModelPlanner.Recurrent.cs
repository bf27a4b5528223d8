using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Formats;
using DenseGen.Generator.Layers.Recurrent;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Models;

/// <summary>
/// Recurrent nodes under <c>[OnnxModel]</c>: an <c>LSTM</c> or <c>GRU</c> over a constant number of time steps, each
/// sample one stream's whole sequence, its initial state from the graph's inputs (as ML-Agents' memory policies carry
/// <c>h‖c</c> from one decision to the next, or a module exported with <c>h0</c> as an input), a constant, or zero (none,
/// or PyTorch's zero state computed from the input's shape). The model keeps no stream state between calls: each chunk's
/// samples are streams of a nested <c>[Lstm]</c>/<c>[Gru]</c> layer (PyTorch's gate order, ONNX's weights reordered as
/// <c>LoadOnnx</c> of a network reorders them), whose state is set before its <c>Step</c> (one step) or
/// <c>Forward</c> (more), and whose cell state is read back for <c>Y_c</c>.
/// </summary>
/// <remarks>
/// Exporters write the sequence time-major (<c>X</c> <c>[steps, batch, In]</c>, <c>Y</c> <c>[steps, 1, batch, H]</c>), with
/// Transposes from and to a <c>batch_first</c> module's <c>[batch, steps, …]</c>. The class holds every value sample by
/// sample whatever axis ONNX writes the batch at (<see cref="PlanValue.BatchAxis"/>), so those Transposes move nothing,
/// <c>X</c> lies in memory as the layer's <c>[streams, steps, In]</c> and <c>Y</c> as its <c>[streams, steps, H]</c>: no
/// copy between the layouts is needed.
/// </remarks>
internal sealed partial class OnnxModelPlanner
{
    // PyTorch's zero initial states computed from the input's shape, by the value each fills (OnnxShapeComputedState).
    private Dictionary<string, OnnxShapeComputedState>? _shapeComputedStates;

    /// <summary>
    /// Sets aside the nodes of PyTorch's shape-computed initial states (and the Slices that give each stacked layer its
    /// row), which <see cref="State"/> reads as zero, so that they are not compiled as values of their own.
    /// </summary>
    private void SetAsideShapeComputedStates()
    {
        _shapeComputedStates = OnnxShapeComputedState.Find(_graph);
        foreach (KeyValuePair<string, OnnxShapeComputedState> state in _shapeComputedStates)
        {
            foreach (OnnxNode node in state.Value.Nodes)
                _done.Add(node);
            foreach (OnnxNode slice in _graph.Consumers(state.Key).Where(n => n.OpType == "Slice"))
                _done.Add(slice);
        }
    }

    private void CompileRecurrent(OnnxNode node)
    {
        bool lstm = node.OpType == "LSTM";
        int gates = lstm ? 4 : 3;
        ExpectInputs(node, 3, lstm ? 8 : 6);
        PlanValue x = Input(node, 0);
        // X is [steps, batch, In]: the batch second, behind a constant number of steps.
        if (x.BatchAxis != 1 || x.Dims.Length != 2 || x.IsInteger)
            throw Unsupported(node, $"takes X of shape {x.Shape}; [OnnxModel] runs each sample's sequence of a constant number of steps, X time-major [steps, batch, In] with the batch second (a batch_first module's Transpose puts it there)");
        int steps = x.Dims[0], inputs = x.Dims[1];
        OnnxTensor w = Constant(node, 1, "its weights W"), r = Constant(node, 2, "its weights R");
        if (w.Dims.Length != 3 || w.Dims[0] != 1 || w.Dims[1] % gates != 0 || w.Dims[1] < gates || w.Dims[2] != inputs)
            throw Unsupported(node, $"has W of shape {w.Shape}; with X of {x.Shape} it must be [1, {gates}·hidden, {inputs}]");
        int hidden = (int)(w.Dims[1] / gates), rows = gates * hidden;
        if (r.Dims.Length != 3 || r.Dims[0] != 1 || r.Dims[1] != rows || r.Dims[2] != hidden)
            throw Unsupported(node, $"has R of shape {r.Shape}; it must be [1, {rows}, {hidden}]");
        if (OnnxRecurrentMapping.Problem(node, lstm, hidden, $"its W, of hidden size {hidden}") is { } problem)
            throw Invalid(problem + ". [OnnxModel] compiles PyTorch's cells");
        OnnxTensor? b = null;
        if (node.Inputs.Length > 3 && node.Inputs[3].Length > 0)
        {
            b = Constant(node, 3, "its bias B");
            if (b.Dims.Length != 2 || b.Dims[0] != 1 || b.Dims[1] != 2L * rows)
                throw Unsupported(node, $"has B of shape {b.Shape}; it must be [1, {2 * rows}]");
        }
        InitialState h0 = State(node, 5, "initial_h", hidden);
        InitialState c0 = lstm ? State(node, 6, "initial_c", hidden) : default;
        // A constant state is the layer's own initial state, which every stream starts from; a computed one is each sample's.
        bool fromInitial = h0.Constant is not null || c0.Constant is not null;
        if (fromInitial && (h0.Value is not null || c0.Value is not null))
            throw Unsupported(node, "takes one initial state as a constant and the other computed from the inputs; [OnnxModel] takes both from the inputs or both constant");
        if (node.Outputs.Length > (lstm ? 3 : 2))
            throw Unsupported(node, $"has {node.Outputs.Length} outputs; {node.OpType} has {(lstm ? 3 : 2)}");

        int index = _layers.Count;
        var layer = new RecurrentSpec(
            Namespace: _spec.Namespace,
            ContainingTypes: LayerContainers,
            TypeName: "__RecurrentLayer" + index.ToString(CultureInfo.InvariantCulture),
            IsStruct: false,
            Element: ElementKind.Float32,
            Cell: lstm ? RecurrentCell.Lstm : RecurrentCell.Gru,
            In: inputs,
            Hidden: hidden,
            Layers: 1,
            MaxBatch: _maxBatch,
            Trainable: false,
            Deterministic: _spec.Deterministic,
            RequiresDeterministicMode: _spec.RequiresDeterministicMode);
        _layers.Add(new ModelLayer("__recurrentLayer" + index.ToString(CultureInfo.InvariantCulture), layer, node.Describe()));

        // The tensors in the table's order, PyTorch's gate blocks taken from ONNX's (LSTM i, o, f, c → i, f, g, o; GRU
        // z, r, h → r, z, n); B is the input bias, then the recurrent one. The initial state is the constant one, else zero.
        int[] blocks = OnnxRecurrentMapping.BlocksOf(lstm);
        int OnnxIndex(int i, int columns, int first)
        {
            int block = hidden * columns;
            return first * columns + blocks[i / block] * block + i % block;
        }
        (float[] Values, Func<int, ElementSource>? Sources) Reordered(OnnxTensor tensor, int length, int columns, int first)
        {
            float[] source = Floats(node, tensor);
            var values = new float[length];
            for (int i = 0; i < length; i++)
                values[i] = source[OnnxIndex(i, columns, first)];
            return (values, SourcesOf(tensor) is { } sources ? i => sources(OnnxIndex(i, columns, first)) : null);
        }
        var tensors = new List<(float[] Values, Func<int, ElementSource>? Sources)>
        {
            Reordered(w, rows * inputs, inputs, 0),
            Reordered(r, rows * hidden, hidden, 0),
            b is null ? (new float[rows], null) : Reordered(b, rows, 1, 0),
            b is null ? (new float[rows], null) : Reordered(b, rows, 1, rows),
            (h0.Constant ?? new float[hidden], h0.Sources),
        };
        if (lstm)
            tensors.Add((c0.Constant ?? new float[hidden], c0.Sources));
        foreach ((float[] values, _) in tensors)
            _weights.AddRange(values);
        AddLayerTargets(index, layer, node, tensors.ToArray());

        // Y [steps, 1, batch, H], held as the layer's [streams, steps, H]; Y_h [1, batch, H] is its last step (with one
        // step, the same values); Y_c is read from the layer after the last step.
        PlanValue y = NewValue([steps, 1, hidden], isInteger: false, batchAxis: 2);
        _steps.Add(new RecurrentStep(index, x.Storage, h0.Value?.Storage ?? -1, c0.Value?.Storage ?? -1, y.Storage, steps, fromInitial));
        if (node.Outputs[0].Length > 0)
            Define(node.Outputs[0], y);
        if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0)
        {
            if (steps == 1)
            {
                Define(node.Outputs[1], new PlanValue(y.Storage, [1, hidden], isInteger: false, batchAxis: 1));
            }
            else if (IsNeeded(node.Outputs[1]))
            {
                PlanValue last = NewValue([1, hidden], isInteger: false, batchAxis: 1);
                _steps.Add(new SliceStep(y.Storage, (steps - 1) * hidden, last.Storage));
                Define(node.Outputs[1], last);
            }
        }
        if (lstm && node.Outputs.Length > 2 && node.Outputs[2].Length > 0 && IsNeeded(node.Outputs[2]))
        {
            PlanValue cell = NewValue([1, hidden], isInteger: false, batchAxis: 1);
            _steps.Add(new CellStateStep(index, cell.Storage));
            Define(node.Outputs[2], cell);
        }
    }

    /// <summary>Whether a selected output or a node the outputs need reads <paramref name="value"/>.</summary>
    private bool IsNeeded(string value) => _selected.Contains(_graph.Resolve(value)) || _graph.Consumers(value).Any(_needed.Contains);

    /// <summary>
    /// An initial state: each sample's (<see cref="Value"/>), one constant row every stream starts from
    /// (<see cref="Constant"/>, with where its elements come from for <c>LoadOnnx</c>), or zero (neither).
    /// </summary>
    private readonly struct InitialState(PlanValue? value, float[]? constant, Func<int, ElementSource>? sources)
    {
        public PlanValue? Value { get; } = value;

        public float[]? Constant { get; } = constant;

        public Func<int, ElementSource>? Sources { get; } = sources;
    }

    /// <summary>
    /// An initial state: absent, or PyTorch's zero state computed from the input's shape (zero); a constant <c>[1, 1, H]</c>;
    /// or each sample's <c>[1, batch, H]</c> computed from the inputs.
    /// </summary>
    private InitialState State(OnnxNode node, int index, string role, int hidden)
    {
        if (index >= node.Inputs.Length || node.Inputs[index].Length == 0)
            return default;
        string name = _graph.Resolve(node.Inputs[index]);
        // The zero state of a module called without h0, directly or through the Slice of a stacked layer's row.
        string filled = _graph.Producer(name) is { OpType: "Slice" } slice && slice.Inputs.Length > 0 ? _graph.Resolve(slice.Inputs[0]) : name;
        if (_shapeComputedStates is { } states && (states.TryGetValue(name, out OnnxShapeComputedState? state) || states.TryGetValue(filled, out state)))
        {
            if (!state.IsZero)
                throw Unsupported(state.Fill, $"fills {node.Describe()}'s {role} with {state.ValueText}; a state computed from the input's shape must be zero, the state PyTorch's modules start from");
            return default;
        }
        if (TryConstant(node.Inputs[index], out OnnxTensor constant))
        {
            if (constant.Dims.Length != 3 || constant.Dims[0] != 1 || constant.Dims[1] != 1 || constant.Dims[2] != hidden)
                throw Unsupported(node, $"takes a constant {role} of shape {constant.Shape}; [OnnxModel] takes one row [1, 1, {hidden}] that every sample starts from");
            return new InitialState(null, Floats(node, constant), SourcesOf(constant));
        }
        PlanValue value = Input(node, index);
        if (value.BatchAxis != 1 || value.Dims.Length != 2 || value.Dims[0] != 1 || value.Dims[1] != hidden || value.IsInteger)
            throw Unsupported(node, $"takes {role} of shape {value.Shape}; it must be [1, batch, {hidden}]");
        return new InitialState(value, null, null);
    }

    /// <summary>
    /// A Concat of values whose batch is not first (time-major <c>[1, batch, H]</c> rows, as <c>Y_h</c> and <c>Y_c</c>
    /// are), along an axis other than the batch's: held sample by sample, each sample's parts lie one after another when
    /// every dimension of the sample before the joined one is 1 (the features of a row, or the layers of a stacked
    /// export's <c>h_n</c>).
    /// </summary>
    private void CompileTimeMajorConcat(OnnxNode node, PlanValue[] parts, int rank)
    {
        int axis = Normalize(node, Int(node, "axis", 1), rank);
        PlanValue first = parts[0];
        int dim = axis < first.BatchAxis ? axis : axis - 1;
        bool alike = parts.All(p => p.BatchAxis == first.BatchAxis && p.Dims.Length == first.Dims.Length && !p.IsInteger
            && p.Dims.Where((d, i) => i != dim && d != first.Dims[i]).Count() == 0 && p.Dims.Take(dim).All(d => d == 1));
        if (!alike || axis == first.BatchAxis)
            throw Unsupported(node, $"joins {string.Join(" and ", parts.Select(p => p.Shape))} along axis {axis}; [OnnxModel] joins values of one shape, whose batch is not first, along an axis that only dimensions of size 1 precede in each sample");
        long joined = parts.Sum(p => (long)p.Dims[dim]);
        long width = joined * (first.Width / first.Dims[dim]);
        if (width > MaxWidth)
            throw Unsupported(node, $"joins {width} elements per sample, more than [OnnxModel] supports");
        int[] dims = first.Dims.ToArray();
        dims[dim] = (int)joined;
        PlanValue y = NewValue(dims, isInteger: false, first.BatchAxis);
        _steps.Add(new ConcatStep(parts.Select(p => p.Storage).ToEquatableArray(), y.Storage));
        Define(node.Outputs[0], y);
    }
}
