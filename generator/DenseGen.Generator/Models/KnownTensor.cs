using System;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Formats;

namespace DenseGen.Generator.Models;

/// <summary>
/// A tensor whose values the planner knows at compile time: a constant of the file, a shape (whose elements may stand
/// for the batch, the one size known only when <c>Forward</c> runs), or what shape ops and arithmetic on such tensors
/// make of them. A tensor that is <see cref="PerSample"/> has the batch as its leading dimension and the same values in
/// every sample (a <c>ConstantOfShape</c> or <c>Expand</c> to <c>[batch, …]</c>): <see cref="Dims"/> and the values
/// are one sample's.
/// </summary>
internal sealed class KnownTensor
{
    private KnownTensor(long[] dims, bool perSample, float[]? floats, long[]? longs, bool[]? batch, ElementSource[]? sources = null)
    {
        Dims = dims;
        PerSample = perSample;
        Floats = floats;
        Longs = longs;
        Batch = batch;
        Sources = sources;
    }

    /// <summary>The dimensions; after the batch when <see cref="PerSample"/>.</summary>
    public long[] Dims { get; }

    public bool PerSample { get; }

    /// <summary>The values of a float tensor, row-major.</summary>
    public float[]? Floats { get; }

    /// <summary>The values of an integer tensor (int64, or int32 widened), row-major.</summary>
    public long[]? Longs { get; }

    /// <summary>For integer tensors, which elements stand for the batch size rather than <see cref="Longs"/>' value.</summary>
    public bool[]? Batch { get; }

    /// <summary>
    /// For float tensors, where each element comes from in the file (<c>LoadOnnx</c> folds it again from a newer one),
    /// or null when none reads an initializer.
    /// </summary>
    public ElementSource[]? Sources { get; }

    /// <summary>Where element <paramref name="flat"/> comes from in the file.</summary>
    public ElementSource SourceOf(int flat) => Sources?[flat] ?? ElementSource.None;

    public bool IsFloat => Floats is not null;

    public int Count => Floats?.Length ?? Longs!.Length;

    /// <summary>Whether some element stands for the batch size.</summary>
    public bool NeedsBatch => Batch is not null && Batch.Any(b => b);

    /// <summary>Whether the values are known whole: neither per sample nor standing for the batch.</summary>
    public bool IsConstant => !PerSample && !NeedsBatch;

    public static KnownTensor Of(OnnxTensor tensor, ElementSource[]? sources) =>
        tensor.Floats is { } floats ? OfFloats(tensor.Dims, floats, sources: sources)
        : tensor.Longs is { } longs ? OfLongs(tensor.Dims, longs, null)
        : throw new InvalidOperationException("only float32 and int64 constants are read as known tensors");

    public static KnownTensor OfFloats(long[] dims, float[] values, bool perSample = false, ElementSource[]? sources = null) =>
        new(dims, perSample, values, null, null, sources is not null && sources.Any(s => !s.IsNone) ? sources : null);

    public static KnownTensor OfLongs(long[] dims, long[] values, bool[]? batch, bool perSample = false) => new(dims, perSample, null, values, batch);

    /// <summary>This tensor as a file constant, for the planner's checks that read constants; a per-sample one as <c>[1, …]</c>, as it broadcasts.</summary>
    public OnnxTensor ToTensor(string name) =>
        new(name, IsFloat ? OnnxTensor.Float : OnnxTensor.Int64, PerSample ? [1, .. Dims] : Dims, Floats, Longs);

    /// <summary>These values as one sample's of <paramref name="dims"/>, the same in every sample.</summary>
    public KnownTensor OfEverySample(long[] dims) => new(dims, true, Floats, Longs, Batch, Sources);

    /// <summary>The same values under other dimensions of the same element count.</summary>
    public KnownTensor Reshaped(long[] dims) => new(dims, PerSample, Floats, Longs, Batch, Sources);

    /// <summary>The elements at <paramref name="indices"/> (flat, row-major), shaped as <paramref name="dims"/>.</summary>
    public KnownTensor Pick(long[] dims, int[] indices, bool perSample = false) =>
        IsFloat ? OfFloats(dims, indices.Select(i => Floats![i]).ToArray(), perSample, Sources is null ? null : indices.Select(i => Sources[i]).ToArray())
        : OfLongs(dims, indices.Select(i => Longs![i]).ToArray(), Batch is null ? null : indices.Select(i => Batch[i]).ToArray(), perSample);

    public static long Product(long[] dims) => dims.Aggregate(1L, (p, d) => p * d);

    /// <summary>The element at <paramref name="flat"/>, as text for messages: a number, or <c>batch</c>.</summary>
    public string Element(int flat) =>
        Batch is not null && Batch[flat] ? "batch"
        : IsFloat ? Floats![flat].ToString("R", CultureInfo.InvariantCulture)
        : Longs![flat].ToString(CultureInfo.InvariantCulture);

    public string Text => "[" + string.Join(", ", Enumerable.Range(0, Math.Min(Count, 16)).Select(Element)) + (Count > 16 ? ", …" : "") + "]";
}
