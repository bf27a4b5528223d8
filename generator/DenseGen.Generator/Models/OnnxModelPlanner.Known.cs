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
/// Floats are folded with <see cref="OnnxFold"/>, whose transcendental functions are the runtime's
/// <see cref="DeterministicMath"/>, so the generated source is the same on every build machine (the C runtime's
/// <c>exp</c> differs between them in the last bit), within an ulp of the exact value as ONNX Runtime's own folding is;
/// and <c>LoadOnnx</c>, folding a newer file's initializers with the same code, gets what compiling that file would.
/// Every folded float records where it comes from in the file (<see cref="KnownTensor.Sources"/>) for that purpose.
/// </remarks>
internal sealed partial class OnnxModelPlanner
{
    private readonly Dictionary<string, KnownTensor> _known = new(StringComparer.Ordinal);

    // A per-sample known tensor turned into a value where a step needs one, once per name.
    private readonly Dictionary<string, PlanValue> _filled = new(StringComparer.Ordinal);

    // Elements folded so far: a small file must not make the generator hold or write gigabytes.
    private long _foldedElements;

    /// <summary>The most elements of one known tensor: shapes and an exporter's constant branches are far smaller.</summary>
    private const long MaxKnownElements = 1 << 20;

    /// <summary>The most elements all known tensors of a model may hold together.</summary>
    private const long MaxFoldedElements = 1 << 24;

    /// <summary>The highest rank of a known tensor.</summary>
    private const int MaxKnownRank = 16;

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
        if (!_graph.TryGetConstant(name, out OnnxTensor tensor) || (tensor.Floats is null && tensor.Longs is null))
            return null;
        Func<int, ElementSource>? sources = SourcesOf(tensor);
        return KnownTensor.Of(tensor, sources is null ? null : Enumerable.Range(0, tensor.Floats!.Length).Select(sources).ToArray());
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
            if (known.Sources is { } sources)
                _foldedSources[tensor] = sources;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the known tensor <paramref name="name"/> holds, if it is the same in every sample, lines its batch up with
    /// <paramref name="x"/>'s when broadcast against it: its rank must be x's (else ONNX would align the batch with one of
    /// x's dimensions).
    /// </summary>
    private bool BatchAligned(string name, PlanValue x) =>
        !_known.TryGetValue(_graph.Resolve(name), out KnownTensor? known) || !known.PerSample || known.Dims.Length == x.Dims.Length;

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
            case "Expand" when node.Inputs.Length == 2 && node.Inputs[0].Length > 0 && Known(node.Inputs[0]) is null:
                return ExpandValue(node);
            default:
                // Each input read once; a required input left out ("") is not known: the node is compiled, and refused, as a step.
                KnownTensor?[] inputs = node.Inputs.Select(Known).ToArray();
                if (inputs.Length == 0 || inputs.Where((input, i) => input is null && (node.Inputs[i].Length > 0 || !IsOptional(node, i))).Any())
                    return false;
                foreach (KnownTensor? input in inputs)
                {
                    if (input is not null)
                        Count(node, input.Dims);
                }
                result = Fold(node, inputs);
                break;
        }
        if (result is null)
            return false;
        _foldedElements += Count(node, result.Dims);
        if (_foldedElements > MaxFoldedElements)
            throw Unsupported(node, $"brings the constants evaluated at compile time past {MaxFoldedElements:N0} elements, more than [OnnxModel] supports");
        _known[_graph.Resolve(node.Outputs[0])] = result;
        return true;
    }

    /// <summary>Inputs ONNX lets a node leave out: Clip's bounds, Slice's axes and steps, Squeeze's and Unsqueeze's axes.</summary>
    private static bool IsOptional(OnnxNode node, int index) => node.OpType switch
    {
        "Clip" or "Squeeze" => index >= 1,
        "Slice" => index >= 3,
        _ => false,
    };

    /// <summary>
    /// The elements of a known tensor of <paramref name="dims"/>, refusing (before anything is allocated) a dimension
    /// below 1, a product past <see cref="MaxKnownElements"/> and a rank past <see cref="MaxKnownRank"/>, so that no file
    /// makes a fold overflow, run for ages over an empty tensor or hold gigabytes.
    /// </summary>
    private long Count(OnnxNode node, long[] dims)
    {
        if (dims.Length > MaxKnownRank)
            throw Unsupported(node, $"makes a tensor of rank {dims.Length}; [OnnxModel] evaluates tensors of rank up to {MaxKnownRank} at compile time");
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 1)
                throw Unsupported(node, $"makes or takes a tensor of shape [{string.Join(", ", dims)}], which holds nothing; [OnnxModel] evaluates tensors with every dimension at least 1 at compile time");
            if (d > MaxKnownElements || (count *= d) > MaxKnownElements)
                throw Unsupported(node, $"makes or takes a tensor of shape [{string.Join(", ", dims)}], more than the {MaxKnownElements:N0} elements [OnnxModel] evaluates at compile time");
        }
        return count;
    }

    private KnownTensor FoldShape(OnnxNode node)
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
            // The batch at its axis: 1 where the inputs fix it, else a dimension only the call knows.
            PlanValue x = Input(node, 0);
            dims = [.. x.Dims.Take(x.BatchAxis).Select(d => (long)d), _batchOfOne ? 1 : 0, .. x.Dims.Skip(x.BatchAxis).Select(d => (long)d)];
            batch = dims.Select((_, i) => !_batchOfOne && i == x.BatchAxis).ToArray();
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
                // Flatten's axis lies in [-r, r]: the dimensions before it make the rows.
                long given = Int(node, "axis", 1), axis = given < 0 ? given + x.Dims.Length : given;
                if (axis < 0 || axis > x.Dims.Length)
                    throw Unsupported(node, $"flattens at axis {given} of a rank-{x.Dims.Length} tensor");
                return x.Reshaped([KnownTensor.Product(x.Dims.Take((int)axis).ToArray()), KnownTensor.Product(x.Dims.Skip((int)axis).ToArray())]);
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
        Count(node, dims);
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

    private KnownTensor? FoldSqueeze(OnnxNode node, KnownTensor x, KnownTensor?[] inputs)
    {
        long[] axes = node.Attributes.TryGetValue("axes", out OnnxAttribute? attribute) ? attribute.Ints
            : inputs.Length > 1 && inputs[1] is { Longs: { } given, IsConstant: true } ? given
            : inputs.Length > 1 && inputs[1] is not null ? throw Unsupported(node, "has axes that are not int64 constants")
            : [];
        if (x.PerSample)
            return null; // a step, on the filled value
        if (node.OpType == "Unsqueeze" && axes.Length == 0)
            throw Unsupported(node, "has no axes");
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
        dims[axis] = 0;
        foreach (KnownTensor? part in parts)
        {
            dims[axis] += part!.Dims[axis];
            Count(node, dims.Select(d => Math.Max(d, 1)).ToArray()); // each part's count is checked, so this sum cannot overflow
        }
        Count(node, dims);
        var floats = new List<float>();
        var sources = new List<ElementSource>();
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
                    {
                        floats.Add(part.Floats![flat]);
                        sources.Add(part.SourceOf(flat));
                    }
                    else
                    {
                        longs.Add(part.Longs![flat]);
                        batch.Add(part.Batch is not null && part.Batch[flat]);
                    }
                }
            }
        }
        return first.IsFloat ? KnownTensor.OfFloats(dims, floats.ToArray(), sources: sources.ToArray()) : KnownTensor.OfLongs(dims, longs.ToArray(), batch.ToArray());
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
                // ONNX leaves a conversion out of the target's range undefined (runtimes differ): refused. Truncation otherwise.
                double limit = to == 6 ? 2147483648.0 : 9223372036854775808.0;
                if (x.IsFloat ? x.Floats!.Any(v => float.IsNaN(v) || Math.Abs((double)v) >= limit)
                    : to == 6 && x.Longs!.Where((v, i) => x.Batch is null || !x.Batch[i]).Any(v => v < int.MinValue || v > int.MaxValue))
                    throw Unsupported(node, $"casts a value that an {(to == 6 ? "int32" : "int64")} does not hold");
                if (x.IsFloat)
                {
                    // The integers become shapes and indices of the plan, so a newer file must hold the same floats.
                    for (int i = 0; i < x.Count; i++)
                        _recipe.Pin(x.SourceOf(i), x.Floats![i], $"the value {node.Describe()} casts to an integer (element {i})");
                    return KnownTensor.OfLongs(x.Dims, x.Floats!.Select(v => (long)v).ToArray(), null, x.PerSample);
                }
                return x;
            default:
                throw Unsupported(node, $"casts to data type {to}; [OnnxModel] casts to float32, int32 and int64");
        }
    }

    private KnownTensor? FoldReshape(OnnxNode node, KnownTensor x, KnownTensor?[] inputs)
    {
        ExpectInputs(node, 2, 2);
        if (x.PerSample)
            return null; // a step, on the filled value
        if (inputs[1] is not { Longs: { } target, IsConstant: true })
            throw Unsupported(node, $"reshapes the constant {x.Text} to a shape [OnnxModel] does not read at compile time");
        if (Int(node, "allowzero", 0) != 0 && target.Contains(0))
            throw Unsupported(node, "has allowzero = 1 and a dimension of 0, which makes an empty tensor");
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
        if (dims.Any(d => d < 1) || Count(node, dims) != count)
            throw Unsupported(node, $"reshapes a constant of {count} elements to {Format(target)}");
        return x.Reshaped(dims);
    }

    private KnownTensor FoldConstantOfShape(OnnxNode node, KnownTensor shape)
    {
        ExpectInputs(node, 1, 1);
        if (shape.Longs is null || shape.PerSample || shape.Dims.Length != 1)
            throw Unsupported(node, $"takes the shape {shape.Text}; [OnnxModel] needs a one-dimensional int64 shape");
        (bool perSample, long[] dims) = BatchLeading(node, shape);
        int count = (int)Count(node, dims);
        if (node.Attributes.TryGetValue("value", out OnnxAttribute? attribute) && attribute.Type != OnnxAttribute.TensorType)
            throw Unsupported(node, "has a value that is not a tensor");
        OnnxTensor? value = attribute?.Tensor;
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
        Count(node, target);
        // Broadcast as the full tensors are: a per-sample tensor is [1, …] here, and so is a target led by the batch.
        long[] full = batchLeading ? [1, .. target] : target;
        KnownTensor result = Broadcast(node, x, full, batchLeading, right: null);
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
        return Broadcast(node, left, right.ToTensor("").Dims, right.PerSample, right);
    }

    /// <summary>
    /// ONNX's multidirectional broadcasting of a known tensor and one of dimensions <paramref name="b"/> (a per-sample
    /// one as <c>[1, …]</c>, its leading 1 standing for the batch), computing the node's op with <paramref name="right"/>,
    /// or, without it, the left operand's values alone (for Expand).
    /// </summary>
    private KnownTensor Broadcast(OnnxNode node, KnownTensor left, long[] b, bool rightPerSample, KnownTensor? right)
    {
        long[] a = left.ToTensor("").Dims;
        int rank = Math.Max(a.Length, b.Length);
        // The batch must stay the result's leading dimension: a per-sample operand's 1 may not align with another
        // operand's dimension, nor may another operand add dimensions in front of it.
        if ((left.PerSample && a.Length < rank) || (rightPerSample && b.Length < rank))
            throw Unsupported(node, $"broadcasts [{string.Join(", ", a)}] against [{string.Join(", ", b)}] where one holds the batch first, which would no longer lead; [OnnxModel] keeps the batch first");
        long[] Pad(long[] d) => [.. Enumerable.Repeat(1L, rank - d.Length), .. d];
        long[] pa = Pad(a), pb = Pad(b);
        var dims = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            if (pa[i] != pb[i] && pa[i] != 1 && pb[i] != 1)
                throw Unsupported(node, $"broadcasts [{string.Join(", ", a)}] against [{string.Join(", ", b)}], which do not fit");
            dims[i] = pa[i] == 1 ? pb[i] : pa[i];
        }
        long count = Count(node, dims);
        bool keepLeft = right is null;
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
        bool perSample = left.PerSample || rightPerSample;
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
            int op = OnnxFold.Of(node.OpType);
            var values = new float[count];
            var sources = new ElementSource[count];
            for (int f = 0; f < count; f++)
            {
                int l = Source(f, pa), r = Source(f, pb);
                values[f] = OnnxFold.Binary(op, left.Floats![l], right!.Floats![r]);
                sources[f] = _recipe.Binary(op, left.SourceOf(l), left.Floats[l], right.SourceOf(r), right.Floats[r]);
            }
            return KnownTensor.OfFloats(resultDims, values, perSample, sources);
        }
        var longs = new long[count];
        for (int f = 0; f < count; f++)
        {
            long l = left.Longs![Source(f, pa)], r = right!.Longs![Source(f, pb)];
            try
            {
                longs[f] = node.OpType switch
                {
                    "Add" => checked(l + r),
                    "Sub" => checked(l - r),
                    "Mul" => checked(l * r),
                    _ => r == 0 ? throw Unsupported(node, "divides an integer by zero") : l == long.MinValue && r == -1 ? throw new OverflowException() : l / r,
                };
            }
            catch (OverflowException)
            {
                throw Unsupported(node, $"computes {l} {node.OpType} {r}, which overflows an int64");
            }
        }
        return KnownTensor.OfLongs(resultDims, longs, null, perSample);
    }

    private KnownTensor FoldUnary(OnnxNode node, KnownTensor x)
    {
        if (!x.IsFloat)
            throw Unsupported(node, "computes a float function of integers");
        ExpectInputs(node, 1, node.OpType == "Clip" ? 3 : 1);
        float low = 0, high = 0;
        if (node.OpType == "Clip")
            (low, high) = ClipBounds(node) ?? throw Unsupported(node, "has bounds that are not constants");
        int op = OnnxFold.Of(node.OpType);
        var values = new float[x.Count];
        var sources = new ElementSource[x.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = OnnxFold.Unary(op, x.Floats![i], low, high);
            sources[i] = _recipe.Unary(op, x.SourceOf(i), x.Floats[i], low, high);
        }
        return KnownTensor.OfFloats(x.Dims, values, x.PerSample, sources);
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
        _recipe.AddTarget(ModelTarget.OfStep(value.Storage, null, known.Count, $"the value '{name}' every sample is filled with"), known.SourceOf, i => known.Floats![i]);
        _filled[resolved] = value;
        return value;
    }
}
