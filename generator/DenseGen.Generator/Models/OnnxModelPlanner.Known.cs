using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Generator.Formats;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Models;

/// <summary>
/// The planner's compile-time evaluation: nodes whose inputs are all known (constants, shapes, and what was folded from
/// them) are evaluated here rather than compiled into steps. This is how exporters' shape subgraphs (<c>Shape</c>,
/// <c>Gather</c>, <c>Unsqueeze</c>, <c>Concat</c> into a <c>Reshape</c>) and branches that compute a constant
/// (<c>Exp</c> of a log standard deviation, <c>Expand</c>ed or multiplied into <c>ConstantOfShape</c>'s ones) cost
/// nothing per call. A shape's elements may stand for the batch; a shape that uses the batch other than as the leading
/// dimension of a tensor is refused, naming the node.
/// </summary>
/// <remarks>
/// Transcendental functions are folded with the runtime's <see cref="DeterministicMath"/>, so the generated source is the
/// same on every build machine (the C runtime's <c>exp</c> differs between them in the last bit); within an ulp of
/// the exact value, as ONNX Runtime's own folding is.
/// </remarks>
internal sealed partial class OnnxModelPlanner
{
    private readonly Dictionary<string, KnownTensor> _known = new(StringComparer.Ordinal);

    // A per-sample known tensor turned into a value where a step needs one, once per name.
    private readonly Dictionary<string, PlanValue> _filled = new(StringComparer.Ordinal);

    /// <summary>Ops evaluated at compile time when their inputs are known.</summary>
    private static readonly HashSet<string> FoldableOps = new(StringComparer.Ordinal)
    {
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Reshape", "Flatten", "ConstantOfShape", "Expand",
        "Add", "Sub", "Mul", "Div", "Exp", "Log", "Sigmoid", "Tanh", "Relu", "Clip",
    };

    /// <summary>The known tensor a name holds, or null: a float32 or int64 constant of the file, or one folded here.</summary>
    private KnownTensor? Known(string name)
    {
        if (name.Length == 0)
            return null;
        if (_known.TryGetValue(_graph.Resolve(name), out KnownTensor? folded))
            return folded;
        return _graph.TryGetConstant(name, out OnnxTensor tensor) && (tensor.Floats is not null || tensor.Longs is not null) ? KnownTensor.Of(tensor) : null;
    }

    /// <summary>
    /// A constant the planner's patterns may take in place of the file's: the file's own, or a folded one that is known
    /// whole; with <paramref name="perSample"/>, also one that is the same in every sample, as a constant <c>[1, …]</c>.
    /// </summary>
    private bool TryConstant(string name, out OnnxTensor tensor, bool perSample = false)
    {
        if (_graph.TryGetConstant(name, out tensor))
            return true;
        if (name.Length > 0 && _known.TryGetValue(_graph.Resolve(name), out KnownTensor? known) && !known.NeedsBatch && (perSample || !known.PerSample))
        {
            tensor = known.ToTensor(name);
            return true;
        }
        return false;
    }

    /// <summary>Evaluates <paramref name="node"/> at compile time if it can be; false, having done nothing, if it needs a step.</summary>
    private bool TryFold(OnnxNode node)
    {
        if (!FoldableOps.Contains(node.OpType) || node.Outputs.Length != 1)
            return false;
        KnownTensor? result;
        switch (node.OpType)
        {
            case "Shape":
                result = FoldShape(node);
                break;
            case "Expand" when Known(node.Inputs[0]) is null:
                return ExpandValue(node);
            default:
                if (node.Inputs.Length == 0 || node.Inputs.Any(i => i.Length > 0 && Known(i) is null))
                    return false;
                result = Fold(node, node.Inputs.Select(i => Known(i)).ToArray());
                break;
        }
        if (result is null)
            return false;
        if (KnownTensor.Product(result.Dims) > MaxWidth)
            throw Unsupported(node, $"makes a constant of {KnownTensor.Product(result.Dims)} elements{(result.PerSample ? " per sample" : "")}, more than [OnnxModel] supports");
        _known[_graph.Resolve(node.Outputs[0])] = result;
        return true;
    }

    private KnownTensor? FoldShape(OnnxNode node)
    {
        ExpectInputs(node, 1, 1);
        long[] dims;
        bool[] batch;
        if (Known(node.Inputs[0]) is { } known)
        {
            dims = known.PerSample ? [0, .. known.Dims] : known.Dims;
            batch = dims.Select((_, i) => known.PerSample && i == 0).ToArray();
        }
        else
        {
            PlanValue x = Input(node, 0);
            if (_batchOfOne)
            {
                dims = [1, .. x.Dims.Select(d => (long)d)];
                batch = new bool[dims.Length];
            }
            else
            {
                dims = [0, .. x.Dims.Select(d => (long)d)];
                batch = dims.Select((_, i) => i == 0).ToArray();
            }
        }
        // From opset 15, start and end select a range of the dimensions, clamped as Slice's are.
        long start = Int(node, "start", 0), end = Int(node, "end", dims.Length);
        int first = (int)Clamp(start < 0 ? start + dims.Length : start, dims.Length);
        int last = (int)Clamp(end < 0 ? end + dims.Length : end, dims.Length);
        int[] picked = Enumerable.Range(first, Math.Max(0, last - first)).ToArray();
        return KnownTensor.OfLongs([picked.Length], picked.Select(i => dims[i]).ToArray(), picked.Select(i => batch[i]).ToArray());
    }

    private KnownTensor? Fold(OnnxNode node, KnownTensor?[] inputs)
    {
        KnownTensor x = inputs[0]!;
        switch (node.OpType)
        {
            case "Gather":
                return FoldGather(node, x, inputs);
            case "Unsqueeze" or "Squeeze":
                return FoldSqueeze(node, x, inputs);
            case "Concat":
                return FoldConcat(node, inputs);
            case "Slice":
                return FoldSlice(node, x, inputs);
            case "Cast":
                return FoldCast(node, x);
            case "Reshape":
                return FoldReshape(node, x, inputs);
            case "Flatten":
                if (x.PerSample)
                    return null;
                int axis = Normalize(node, Int(node, "axis", 1), x.Dims.Length + 1);
                return x.Reshaped([KnownTensor.Product(x.Dims.Take(axis).ToArray()), KnownTensor.Product(x.Dims.Skip(axis).ToArray())]);
            case "ConstantOfShape":
                return FoldConstantOfShape(node, x);
            case "Expand":
                return FoldExpand(node, x, inputs);
            case "Add" or "Sub" or "Mul" or "Div":
                ExpectInputs(node, 2, 2);
                return FoldBinary(node, x, inputs[1]!);
            default:
                return FoldUnary(node, x);
        }
    }

    private KnownTensor FoldGather(OnnxNode node, KnownTensor data, KnownTensor?[] inputs)
    {
        ExpectInputs(node, 2, 2);
        KnownTensor indices = inputs[1]!;
        if (data.PerSample || indices.Longs is null || !indices.IsConstant || data.Dims.Length == 0)
            throw Unsupported(node, $"gathers from {data.Text} by {indices.Text}; [OnnxModel] gathers from shapes and constants by constant integer indices");
        int axis = Normalize(node, Int(node, "axis", 0), data.Dims.Length);
        long size = data.Dims[axis];
        long outer = KnownTensor.Product(data.Dims.Take(axis).ToArray()), inner = KnownTensor.Product(data.Dims.Skip(axis + 1).ToArray());
        long[] dims = [.. data.Dims.Take(axis), .. indices.Dims, .. data.Dims.Skip(axis + 1)];
        if (KnownTensor.Product(dims) > MaxWidth)
            throw Unsupported(node, "gathers more elements than [OnnxModel] supports");
        var picked = new List<int>();
        for (long o = 0; o < outer; o++)
        {
            foreach (long index in indices.Longs)
            {
                long i = index < 0 ? index + size : index;
                if (i < 0 || i >= size)
                    throw Unsupported(node, $"gathers index {index} of a dimension of {size}");
                for (long j = 0; j < inner; j++)
                    picked.Add((int)((o * size + i) * inner + j));
            }
        }
        return data.Pick(dims, picked.ToArray());
    }

    private KnownTensor FoldSqueeze(OnnxNode node, KnownTensor x, KnownTensor?[] inputs)
    {
        long[] axes = node.Attributes.TryGetValue("axes", out OnnxAttribute? attribute) ? attribute.Ints
            : inputs.Length > 1 && inputs[1] is { Longs: { } given, IsConstant: true } ? given
            : inputs.Length > 1 && inputs[1] is not null ? throw Unsupported(node, "has axes that are not int64 constants")
            : [];
        if (x.PerSample)
            throw Unsupported(node, $"{(node.OpType == "Squeeze" ? "squeezes" : "unsqueezes")} a constant of every sample; [OnnxModel] reshapes those only by Reshape");
        var dims = x.Dims.ToList();
        if (node.OpType == "Squeeze")
        {
            int[] positions = axes.Length == 0 ? Enumerable.Range(0, dims.Count).Where(a => dims[a] == 1).ToArray() : axes.Select(a => Normalize(node, a, dims.Count)).ToArray();
            if (positions.Distinct().Count() != positions.Length || positions.Any(a => dims[a] != 1))
                throw Unsupported(node, $"squeezes axes {Format(axes)} of a constant of shape [{string.Join(", ", x.Dims)}]");
            foreach (int axis in positions.OrderByDescending(a => a))
                dims.RemoveAt(axis);
        }
        else
        {
            int rank = dims.Count + axes.Length;
            int[] positions = axes.Select(a => Normalize(node, a, rank)).ToArray();
            if (positions.Distinct().Count() != positions.Length)
                throw Unsupported(node, $"names an axis twice ({Format(axes)})");
            foreach (int axis in positions.OrderBy(a => a))
                dims.Insert(axis, 1);
        }
        return x.Reshaped(dims.ToArray());
    }

    private KnownTensor FoldConcat(OnnxNode node, KnownTensor?[] parts)
    {
        KnownTensor first = parts[0]!;
        if (parts.Any(p => p!.PerSample || p.IsFloat != first.IsFloat || p.Dims.Length != first.Dims.Length) || first.Dims.Length == 0)
            throw Unsupported(node, $"joins {string.Join(" and ", parts.Select(p => p!.Text))}, which [OnnxModel] does not join at compile time");
        int axis = Normalize(node, Int(node, "axis", 0), first.Dims.Length);
        if (parts.Any(p => !p!.Dims.Where((_, i) => i != axis).SequenceEqual(first.Dims.Where((_, i) => i != axis))))
            throw Unsupported(node, "joins constants whose shapes differ in more than the joined axis");
        long outer = KnownTensor.Product(first.Dims.Take(axis).ToArray());
        var dims = (long[])first.Dims.Clone();
        dims[axis] = parts.Sum(p => p!.Dims[axis]);
        var floats = new List<float>();
        var longs = new List<long>();
        var batch = new List<bool>();
        for (long o = 0; o < outer; o++)
        {
            foreach (KnownTensor part in parts!)
            {
                long run = KnownTensor.Product(part.Dims.Skip(axis).ToArray());
                for (long j = 0; j < run; j++)
                {
                    int flat = (int)(o * run + j);
                    if (part.IsFloat)
                        floats.Add(part.Floats![flat]);
                    else
                    {
                        longs.Add(part.Longs![flat]);
                        batch.Add(part.Batch is not null && part.Batch[flat]);
                    }
                }
            }
        }
        return first.IsFloat ? KnownTensor.OfFloats(dims, floats.ToArray()) : KnownTensor.OfLongs(dims, longs.ToArray(), batch.ToArray());
    }

    private KnownTensor FoldSlice(OnnxNode node, KnownTensor x, KnownTensor?[] inputs)
    {
        long[] starts, ends, axes, steps;
        if (_opset < 10)
        {
            starts = Ints(node, "starts") ?? throw Unsupported(node, "has no starts");
            ends = Ints(node, "ends") ?? throw Unsupported(node, "has no ends");
            axes = Ints(node, "axes") ?? [0];
            steps = [1];
        }
        else
        {
            ExpectInputs(node, 3, 5);
            long[] LongsAt(int i, long[] fallback) =>
                i >= inputs.Length || inputs[i] is null ? fallback
                : inputs[i] is { Longs: { } values, IsConstant: true } ? values
                : throw Unsupported(node, "has starts, ends, axes or steps that are not int64 constants");
            starts = LongsAt(1, []);
            ends = LongsAt(2, []);
            axes = LongsAt(3, [0]);
            steps = LongsAt(4, [1]);
        }
        if (x.PerSample || x.Dims.Length != 1 || starts.Length != 1 || ends.Length != 1 || axes.Length != 1 || steps.Length != 1
            || Normalize(node, axes[0], 1) != 0 || steps[0] != 1)
            throw Unsupported(node, $"slices the constant {x.Text} in a way [OnnxModel] does not: it slices one-dimensional constants and shapes, step 1");
        int width = x.Count;
        long start = Clamp(starts[0] < 0 ? starts[0] + width : starts[0], width);
        long end = Clamp(ends[0] < 0 ? ends[0] + width : ends[0], width);
        int[] picked = Enumerable.Range((int)start, (int)Math.Max(0, end - start)).ToArray();
        return x.Pick([picked.Length], picked);
    }

    private KnownTensor FoldCast(OnnxNode node, KnownTensor x)
    {
        ExpectInputs(node, 1, 1);
        long to = Int(node, "to", 0);
        switch (to)
        {
            case OnnxTensor.Float:
                if (x.NeedsBatch)
                    throw Unsupported(node, "turns the batch size into a float; [OnnxModel] uses the batch only as a tensor's leading dimension");
                return x.IsFloat ? x : KnownTensor.OfFloats(x.Dims, x.Longs!.Select(v => (float)v).ToArray(), x.PerSample);
            case 6 or OnnxTensor.Int64:
                if (!x.IsFloat)
                    return x;
                // ONNX leaves the conversion of floats out of the integers' range undefined; truncation otherwise.
                if (x.Floats!.Any(v => float.IsNaN(v) || Math.Abs(v) >= 9.2e18f))
                    throw Unsupported(node, "casts a float that no integer holds");
                return KnownTensor.OfLongs(x.Dims, x.Floats.Select(v => (long)v).ToArray(), null, x.PerSample);
            default:
                throw Unsupported(node, $"casts to data type {to}; [OnnxModel] casts to float32, int32 and int64");
        }
    }

    private KnownTensor FoldReshape(OnnxNode node, KnownTensor x, KnownTensor?[] inputs)
    {
        ExpectInputs(node, 2, 2);
        if (inputs[1] is not { Longs: { } target, IsConstant: true } || x.PerSample)
            throw Unsupported(node, $"reshapes the constant {x.Text} to a shape [OnnxModel] does not read at compile time");
        long count = x.Count, product = 1;
        int inferred = -1;
        var dims = new long[target.Length];
        for (int i = 0; i < target.Length; i++)
        {
            dims[i] = target[i] == 0 && i < x.Dims.Length ? x.Dims[i] : target[i];
            if (dims[i] == -1 && inferred < 0)
                inferred = i;
            else if (dims[i] < 1 || (product *= dims[i]) > count)
                throw Unsupported(node, $"reshapes a constant of {count} elements to {Format(target)}");
        }
        if (inferred >= 0)
            dims[inferred] = count / product;
        if (KnownTensor.Product(dims) != count)
            throw Unsupported(node, $"reshapes a constant of {count} elements to {Format(target)}");
        return x.Reshaped(dims);
    }

    private KnownTensor FoldConstantOfShape(OnnxNode node, KnownTensor shape)
    {
        ExpectInputs(node, 1, 1);
        if (shape.Longs is null || shape.PerSample || shape.Dims.Length != 1)
            throw Unsupported(node, $"takes the shape {shape.Text}; [OnnxModel] needs a one-dimensional int64 shape");
        (bool perSample, long[] dims) = BatchLeading(node, shape);
        if (dims.Any(d => d < 1))
            throw Unsupported(node, $"makes a tensor of shape {shape.Text}, which holds nothing");
        if (KnownTensor.Product(dims) > MaxWidth)
            throw Unsupported(node, $"makes a tensor of shape {shape.Text}, more elements than [OnnxModel] supports");
        int count = (int)KnownTensor.Product(dims);
        OnnxTensor? value = node.Attributes.TryGetValue("value", out OnnxAttribute? attribute) ? attribute.Tensor : null;
        if (value is null)
            return KnownTensor.OfFloats(dims, new float[count], perSample);
        if (value.Floats is { Length: 1 } f)
            return KnownTensor.OfFloats(dims, Enumerable.Repeat(f[0], count).ToArray(), perSample);
        if (value.Longs is { Length: 1 } l)
            return KnownTensor.OfLongs(dims, Enumerable.Repeat(l[0], count).ToArray(), null, perSample);
        throw Unsupported(node, "fills with a value that is not one float32 or int64");
    }

    /// <summary>
    /// A shape's dimensions, and whether its first stands for the batch (then the rest are one sample's); any other use
    /// of the batch is refused.
    /// </summary>
    private (bool PerSample, long[] Dims) BatchLeading(OnnxNode node, KnownTensor shape)
    {
        bool[] batch = shape.Batch ?? new bool[shape.Count];
        if (batch.Skip(1).Any(b => b))
            throw Unsupported(node, $"takes the shape {shape.Text}, which needs the batch other than as its leading dimension; [OnnxModel] keeps the batch first");
        return batch.Length > 0 && batch[0] ? (true, shape.Longs!.Skip(1).ToArray()) : (false, shape.Longs!);
    }

    private KnownTensor FoldExpand(OnnxNode node, KnownTensor x, KnownTensor?[] inputs)
    {
        ExpectInputs(node, 2, 2);
        if (inputs[1] is not { Longs: { } } shape || shape.PerSample || shape.Dims.Length != 1)
            throw Unsupported(node, "expands to a shape that is not a one-dimensional int64 tensor");
        (bool batchLeading, long[] target) = BatchLeading(node, shape);
        // Broadcast as the full tensors are: a per-sample tensor is [1, …] here, and so is a target led by the batch.
        long[] full = batchLeading ? [1, .. target] : target;
        KnownTensor result = Broadcast(node, x, KnownTensor.OfFloats(full, new float[KnownTensor.Product(full)]), keepLeft: true);
        bool perSample = batchLeading || x.PerSample;
        if (!perSample)
            return result;
        long[] dims = result.Dims;
        if (dims.Length == 0 || dims[0] != 1)
            throw Unsupported(node, $"expands {x.Text} across the batch to {shape.Text}; [OnnxModel] keeps the batch first");
        return result.OfEverySample(dims.Skip(1).ToArray());
    }

    /// <summary>An <c>Expand</c> of a value computed from an input: allowed where it changes nothing, as an alias.</summary>
    private bool ExpandValue(OnnxNode node)
    {
        ExpectInputs(node, 2, 2);
        PlanValue x = Input(node, 0);
        if (Known(node.Inputs[1]) is not { Longs: { }, PerSample: false } shape || shape.Dims.Length != 1)
            throw Unsupported(node, "expands to a shape that is not a one-dimensional int64 tensor");
        (bool batchLeading, long[] target) = BatchLeading(node, shape);
        long[] full = [1, .. x.Dims.Select(d => (long)d)];
        long[] wanted = batchLeading ? [1, .. target] : target;
        if (wanted.Length > full.Length || Enumerable.Reverse(wanted).Zip(Enumerable.Reverse(full), (w, f) => w == 1 || w == f).Any(fits => !fits))
            throw Unsupported(node, $"expands {x.Shape} to {shape.Text}; [OnnxModel] expands constants, and values only to their own shape");
        Define(node.Outputs[0], x);
        return true;
    }

    private KnownTensor FoldBinary(OnnxNode node, KnownTensor left, KnownTensor right)
    {
        if (left.IsFloat != right.IsFloat)
            throw Unsupported(node, "computes on a float and an integer");
        if (left.NeedsBatch || right.NeedsBatch)
            throw Unsupported(node, "computes with the batch size; [OnnxModel] uses the batch only as a tensor's leading dimension");
        return Broadcast(node, left, right, keepLeft: false);
    }

    /// <summary>
    /// ONNX's multidirectional broadcasting of two known tensors (a per-sample one as <c>[1, …]</c>), computing the node's
    /// op, or with <paramref name="keepLeft"/> the left operand's values alone (for Expand).
    /// </summary>
    private KnownTensor Broadcast(OnnxNode node, KnownTensor left, KnownTensor right, bool keepLeft)
    {
        long[] a = left.ToTensor("").Dims, b = right.ToTensor("").Dims;
        int rank = Math.Max(a.Length, b.Length);
        long[] Pad(long[] d) => [.. Enumerable.Repeat(1L, rank - d.Length), .. d];
        long[] pa = Pad(a), pb = Pad(b);
        var dims = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            if (pa[i] != pb[i] && pa[i] != 1 && pb[i] != 1)
                throw Unsupported(node, $"broadcasts [{string.Join(", ", a)}] against [{string.Join(", ", b)}], which do not fit");
            dims[i] = Math.Max(pa[i], pb[i]);
        }
        long count = KnownTensor.Product(dims);
        if (count > MaxWidth)
            throw Unsupported(node, $"makes a constant of {count} elements, more than [OnnxModel] supports");
        int Source(long flat, long[] padded)
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
        }
        bool perSample = left.PerSample || right.PerSample;
        long[] resultDims = dims;
        if (perSample && !keepLeft)
        {
            if (dims[0] != 1)
                throw Unsupported(node, "broadcasts a constant of every sample across the batch; [OnnxModel] keeps the batch first");
            resultDims = dims.Skip(1).ToArray();
        }
        if (keepLeft)
            return left.Pick(dims, Enumerable.Range(0, (int)count).Select(f => Source(f, pa)).ToArray());
        if (left.IsFloat)
        {
            var values = new float[count];
            for (int f = 0; f < count; f++)
                values[f] = Arithmetic(node.OpType, left.Floats![Source(f, pa)], right.Floats![Source(f, pb)]);
            return KnownTensor.OfFloats(resultDims, values, perSample);
        }
        var longs = new long[count];
        for (int f = 0; f < count; f++)
        {
            long l = left.Longs![Source(f, pa)], r = right.Longs![Source(f, pb)];
            longs[f] = node.OpType switch
            {
                "Add" => l + r,
                "Sub" => l - r,
                "Mul" => l * r,
                _ => r == 0 ? throw Unsupported(node, "divides an integer by zero") : l / r,
            };
        }
        return KnownTensor.OfLongs(resultDims, longs, null, perSample);
    }

    private static float Arithmetic(string op, float l, float r) => op switch
    {
        "Add" => l + r,
        "Sub" => l - r,
        "Mul" => l * r,
        _ => l / r,
    };

    private KnownTensor FoldUnary(OnnxNode node, KnownTensor x)
    {
        if (!x.IsFloat)
            throw Unsupported(node, "computes on integers; [OnnxModel] computes arithmetic on floats only");
        Func<float, float> f;
        switch (node.OpType)
        {
            case "Clip":
                ExpectInputs(node, 1, 3);
                (float min, float max) = ClipBounds(node) ?? throw Unsupported(node, "has bounds that are not constants");
                // min(max(x, low), high) as the Clip step computes it: high wins where low > high, and NaN passes.
                f = v =>
                {
                    float low = v < min ? min : v;
                    return low > max ? max : low;
                };
                break;
            case "Exp":
                f = DeterministicMath.Exp;
                break;
            case "Log":
                f = DeterministicMath.Log;
                break;
            case "Sigmoid":
                f = DeterministicMath.Sigmoid;
                break;
            case "Tanh":
                f = DeterministicMath.Tanh;
                break;
            default: // Relu
                f = v => v < 0 ? 0 : v;
                break;
        }
        ExpectInputs(node, 1, node.OpType == "Clip" ? 3 : 1);
        return KnownTensor.OfFloats(x.Dims, x.Floats!.Select(f).ToArray(), x.PerSample);
    }

    /// <summary>
    /// The value a step reads for <paramref name="name"/> when it holds a known tensor that is the same in every sample:
    /// a buffer the chunk fills with it before the steps that read it.
    /// </summary>
    private PlanValue? Filled(string name)
    {
        string resolved = _graph.Resolve(name);
        if (_filled.TryGetValue(resolved, out PlanValue? value))
            return value;
        if (!_known.TryGetValue(resolved, out KnownTensor? known) || !known.PerSample)
            return null;
        if (!known.IsFloat)
            throw Invalid($"'{name}' is an integer tensor the same in every sample, which [OnnxModel] computes only at compile time, as a shape");
        value = NewValue(known.Dims.Select(d => (int)d).ToArray(), isInteger: false);
        _steps.Add(new FillStep(known.Floats!.ToEquatableArray(), value.Storage));
        _filled[resolved] = value;
        return value;
    }
}
