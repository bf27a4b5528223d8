namespace DenseGen;

/// <summary>How far the generator unrolls a layer's kernels; set with <see cref="DenseAttribute.Unroll"/>.</summary>
public enum UnrollMode
{
    /// <summary>
    /// The generator decides per method: straight-line code while it stays small, constant-trip-count loops
    /// around unrolled register tiles beyond that, so every method stays well inside what the JIT optimizes.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// Straight-line code for the whole layer: every row and every vector of every row spelled out. Fast for
    /// small layers; for large ones the methods grow past the JIT's optimization limits and run far slower
    /// than <see cref="Auto"/>, so the generator warns (DG0011) when that happens.
    /// </summary>
    Full = 1,
}
