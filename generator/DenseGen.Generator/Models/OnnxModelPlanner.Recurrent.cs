using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Formats;
using DenseGen.Generator.Layers.Recurrent;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Models;

/// <summary>
/// Recurrent nodes under <c>[OnnxModel]</c>: an <c>LSTM</c> or <c>GRU</c> of one time step whose state comes through the
/// graph's inputs, as ML-Agents' memory policies carry <c>h‖c</c> from one decision to the next. The model keeps no
/// stream state between calls: each chunk's samples are streams, their state written into a nested
/// <c>[Lstm]</c>/<c>[Gru]</c> layer (PyTorch's gate order, ONNX's weights reordered as <c>LoadOnnx</c> of a network
/// reorders them) before its <c>Step</c>, and the cell state read back for <c>Y_c</c>. Exporters write the sequence
/// time-major (<c>[steps, batch, In]</c>), so the values around the node have the batch second, behind a dimension of
/// size 1 (<see cref="PlanValue.BatchAxis"/>); with one step, their values lie in memory as batch-major ones do.
/// </summary>
internal sealed partial class OnnxModelPlanner
{
    private void CompileRecurrent(OnnxNode node)
    {
        bool lstm = node.OpType == "LSTM";
        int gates = lstm ? 4 : 3;
        ExpectInputs(node, 3, lstm ? 8 : 6);
        PlanValue x = Input(node, 0);
        // X is [steps, batch, In]: one step, the batch second.
        if (x.BatchAxis != 1 || x.Dims.Length != 2 || x.Dims[0] != 1 || x.IsInteger)
            throw Unsupported(node, $"takes X of shape {x.Shape}; [OnnxModel] runs one time step of each sample, [1, batch, In], its state carried through the graph's inputs");
        int inputs = x.Dims[1];
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
        PlanValue? h0 = State(node, 5, "initial_h", hidden);
        PlanValue? c0 = lstm ? State(node, 6, "initial_c", hidden) : null;
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
        // z, r, h → r, z, n); B is the input bias, then the recurrent one. The initial state is the graph's, so zero here.
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
            (new float[hidden], null),
        };
        if (lstm)
            tensors.Add((new float[hidden], null));
        foreach ((float[] values, _) in tensors)
            _weights.AddRange(values);
        AddLayerTargets(index, layer, node, tensors.ToArray());

        // Y [1, 1, batch, H] and, with one step, Y_h [1, batch, H] the same values; Y_c read from the layer after the step.
        PlanValue y = NewValue([1, 1, hidden], isInteger: false, batchAxis: 2);
        _steps.Add(new RecurrentStep(index, x.Storage, h0?.Storage ?? -1, c0?.Storage ?? -1, y.Storage));
        if (node.Outputs[0].Length > 0)
            Define(node.Outputs[0], y);
        if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0)
            Define(node.Outputs[1], new PlanValue(y.Storage, [1, hidden], isInteger: false, batchAxis: 1));
        if (lstm && node.Outputs.Length > 2 && node.Outputs[2].Length > 0 && IsNeeded(node.Outputs[2]))
        {
            PlanValue cell = NewValue([1, hidden], isInteger: false, batchAxis: 1);
            _steps.Add(new CellStateStep(index, cell.Storage));
            Define(node.Outputs[2], cell);
        }
    }

    /// <summary>Whether a selected output or a node the outputs need reads <paramref name="value"/>.</summary>
    private bool IsNeeded(string value) => _selected.Contains(_graph.Resolve(value)) || _graph.Consumers(value).Any(_needed.Contains);

    /// <summary>An initial state: absent (zero), or each sample's <c>[1, batch, H]</c> computed from the inputs; a constant is refused.</summary>
    private PlanValue? State(OnnxNode node, int index, string role, int hidden)
    {
        if (index >= node.Inputs.Length || node.Inputs[index].Length == 0)
            return null;
        if (TryConstant(node.Inputs[index], out _))
            throw Unsupported(node, $"takes a constant {role}; [OnnxModel] takes the state from the graph's inputs, or none (zero)");
        PlanValue state = Input(node, index);
        if (state.BatchAxis != 1 || state.Dims.Length != 2 || state.Dims[0] != 1 || state.Dims[1] != hidden || state.IsInteger)
            throw Unsupported(node, $"takes {role} of shape {state.Shape}; it must be [1, batch, {hidden}]");
        return state;
    }

    /// <summary>A Concat of time-major rows (<c>[1, batch, H]</c>, as <c>Y_h</c> and <c>Y_c</c> are) along the features.</summary>
    private void CompileTimeMajorConcat(OnnxNode node, PlanValue[] parts, int rank)
    {
        int axis = Normalize(node, Int(node, "axis", 1), rank);
        PlanValue first = parts[0];
        bool rows = parts.All(p => p.BatchAxis == first.BatchAxis && p.Dims.Length == first.Dims.Length && !p.IsInteger
            && p.Dims.Take(p.Dims.Length - 1).All(d => d == 1));
        if (!rows || axis != rank - 1 || first.BatchAxis >= rank - 1)
            throw Unsupported(node, $"joins {string.Join(" and ", parts.Select(p => p.Shape))} along axis {axis}; [OnnxModel] joins rows of features along the last axis");
        long width = parts.Sum(p => (long)p.Width);
        if (width > MaxWidth)
            throw Unsupported(node, $"joins {width} elements per sample, more than [OnnxModel] supports");
        PlanValue y = NewValue([.. first.Dims.Take(first.Dims.Length - 1), (int)width], isInteger: false, first.BatchAxis);
        _steps.Add(new ConcatStep(parts.Select(p => p.Storage).ToEquatableArray(), y.Storage));
        Define(node.Outputs[0], y);
    }
}
