using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Formats;

namespace DenseGen.Tests.Models;

/// <summary>
/// The reference's second lane: tensors that do not run per sample (shapes, and constants computed from constants),
/// evaluated with the batch as the number it is here, whole and in full dimensions. A tensor of this lane whose leading
/// dimension is the batch (ConstantOfShape or Expand to a shape taken from a value) is read per sample where a value is
/// needed. Elements keep their bounds: a folded exp(log_std) is as far from its float evaluation as a computed one.
/// </summary>
internal sealed partial class OnnxReference
{
    /// <summary>A tensor known whole: values, bounds and its full dimensions.</summary>
    private sealed record Known(double[] Values, double[] Errors, long[] Dims, bool IsInteger);

    private readonly Dictionary<string, Known> _known = new(StringComparer.Ordinal);

    private Known? KnownOf(string name)
    {
        if (_known.TryGetValue(_graph.Resolve(name), out Known? known))
            return known;
        if (!_graph.TryGetConstant(name, out OnnxTensor c))
            return null;
        double[] values = c.Floats is { } f ? f.Select(v => (double)v).ToArray() : c.Longs!.Select(v => (double)v).ToArray();
        return new Known(values, new double[values.Length], c.Dims, c.Longs is not null);
    }

    /// <summary>A known tensor led by the batch, as a value of this batch's samples; null for anything else.</summary>
    private Tensor? AsBatched(string name) =>
        _known.TryGetValue(_graph.Resolve(name), out Known? k) && k.Dims.Length > 1 && k.Dims[0] == Batch
            ? new Tensor(k.Values, k.Errors, k.Dims.Skip(1).Select(d => (int)d).ToArray(), k.IsInteger)
            : null;

    /// <summary>A Reshape's target, with the batch's element as 0 ("as the input").</summary>
    private long[] ShapeOf(string name)
    {
        long[] target = KnownOf(name)!.Values.Select(v => (long)v).ToArray();
        if (target[0] == Batch)
            target[0] = 0;
        return target;
    }

    /// <summary>Evaluates a node of the known lane: true when it was one (its result stored), false for a per-sample op.</summary>
    private bool EvaluateKnown(OnnxNode node)
    {
        if (node.OpType == "Shape")
        {
            long[] dims = _values.TryGetValue(_graph.Resolve(node.Inputs[0]), out Tensor? x)
                ? [Batch, .. x.Dims.Select(d => (long)d)]
                : KnownOf(node.Inputs[0])!.Dims;
            Store(node, dims.Select(d => (double)d).ToArray(), null, [dims.Length], true);
            return true;
        }
        Known?[] inputs = node.Inputs.Select(i => i.Length == 0 ? null : _values.ContainsKey(_graph.Resolve(i)) ? null : KnownOf(i)).ToArray();
        if (inputs.Length == 0 || inputs.Where((k, i) => node.Inputs[i].Length > 0).Any(k => k is null))
            return false;
        Known a = inputs[0]!;
        switch (node.OpType)
        {
            case "Gather":
                int[] picks = inputs[1]!.Values.Select(v => (int)(v < 0 ? v + a.Values.Length : v)).ToArray();
                Store(node, picks.Select(i => a.Values[i]).ToArray(), picks.Select(i => a.Errors[i]).ToArray(), inputs[1]!.Dims, a.IsInteger);
                return true;
            case "Unsqueeze":
                Store(node, a.Values, a.Errors, [.. a.Dims, 1], a.IsInteger); // only the count of elements matters to this lane's readers
                return true;
            case "Squeeze" or "Cast":
                Store(node, a.Values, a.Errors, node.OpType == "Squeeze" ? a.Dims.Where(d => d != 1).ToArray() : a.Dims,
                    node.OpType == "Cast" ? node.Attributes["to"].I != 1 : a.IsInteger);
                return true;
            case "Concat":
                Known[] parts = inputs.Select(k => k!).ToArray();
                Store(node, parts.SelectMany(p => p.Values).ToArray(), parts.SelectMany(p => p.Errors).ToArray(), [parts.Sum(p => p.Values.Length)], a.IsInteger);
                return true;
            case "ConstantOfShape":
                long[] shape = a.Values.Select(v => (long)v).ToArray();
                int count = (int)shape.Aggregate(1L, (p, d) => p * d);
                OnnxTensor? fill = node.Attributes.TryGetValue("value", out OnnxAttribute? attribute) ? attribute.Tensor : null;
                double value = fill?.Floats?[0] ?? fill?.Longs?[0] ?? 0;
                Store(node, Enumerable.Repeat(value, count).ToArray(), null, shape, fill?.Longs is not null);
                return true;
            case "Expand":
                long[] target = inputs[1]!.Values.Select(v => (long)v).ToArray();
                (long[] dims, Func<int, int> source, _) = Broadcasting(a.Dims, target);
                int n = (int)dims.Aggregate(1L, (p, d) => p * d);
                Store(node, Enumerable.Range(0, n).Select(i => a.Values[source(i)]).ToArray(), Enumerable.Range(0, n).Select(i => a.Errors[source(i)]).ToArray(), dims, a.IsInteger);
                return true;
            case "Add" or "Sub" or "Mul" or "Div":
                Known b = inputs[1]!;
                (long[] both, Func<int, int> left, Func<int, int> right) = Broadcasting(a.Dims, b.Dims);
                int m = (int)both.Aggregate(1L, (p, d) => p * d);
                (double[] y, double[] e) = BinaryCore(node.OpType,
                    Enumerable.Range(0, m).Select(i => a.Values[left(i)]).ToArray(), Enumerable.Range(0, m).Select(i => a.Errors[left(i)]).ToArray(),
                    Enumerable.Range(0, m).Select(i => b.Values[right(i)]).ToArray(), Enumerable.Range(0, m).Select(i => b.Errors[right(i)]).ToArray());
                Store(node, y, a.IsInteger ? null : e, both, a.IsInteger);
                return true;
            case "Exp" or "Log" or "Clip" or "Relu" or "Sigmoid" or "Tanh":
                (double[] uy, double[] ue) = UnaryCore(node, a.Values, a.Errors);
                Store(node, uy, ue, a.Dims, false);
                return true;
            default:
                return false;
        }
    }

    private void Store(OnnxNode node, double[] values, double[]? errors, long[] dims, bool isInteger) =>
        _known[_graph.Resolve(node.Outputs[0])] = new Known(values, errors ?? new double[values.Length], dims, isInteger);

    /// <summary>ONNX's broadcasting of two shapes: the result's, and where each result element reads each operand.</summary>
    private static (long[] Dims, Func<int, int> Left, Func<int, int> Right) Broadcasting(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        long[] pa = [.. Enumerable.Repeat(1L, rank - a.Length), .. a], pb = [.. Enumerable.Repeat(1L, rank - b.Length), .. b];
        long[] dims = pa.Zip(pb, Math.Max).ToArray();
        Func<int, int> Reader(long[] padded) => flat =>
        {
            long source = 0, stride = 1, rest = flat;
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                long index = rest % dims[axis];
                rest /= dims[axis];
                if (padded[axis] != 1)
                    source += index * stride;
                stride *= padded[axis];
            }
            return (int)source;
        };
        return (dims, Reader(pa), Reader(pb));
    }
}
