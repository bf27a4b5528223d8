using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DenseGen.CompilerServices;

/// <summary>
/// Vector helpers shared by generated kernels: hardware-specific choices (fused multiply-add, horizontal adds) in one
/// place instead of in every generated file.
/// Like everything in <c>DenseGen.CompilerServices</c>, it is called by generated code and is not part of the
/// supported API: it may change in any release.
/// </summary>
/// <remarks>
/// Each method computes <c>a × b + c</c>, fused (one rounding) where the processor has an FMA instruction and
/// as a multiply then an add elsewhere; the <c>IsSupported</c> checks are JIT-time constants, so only one
/// branch survives. (.NET 9 added <c>Vector128.FusedMultiplyAdd</c>, but on hardware without FMA it emulates
/// the single rounding in software, far slower than the two-rounding fallback used here, and it does not
/// exist on .NET 8.)
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorMath
{
    /// <summary>Returns <c>a × b + c</c> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        if (Fma.IsSupported)
            return Fma.MultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported)
            return AdvSimd.FusedMultiplyAdd(c, a, b);
        return a * b + c;
    }

    /// <summary>Returns <c>a × b + c</c> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c)
    {
        if (Fma.IsSupported)
            return Fma.MultiplyAdd(a, b, c);
        if (AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.FusedMultiplyAdd(c, a, b);
        return a * b + c;
    }

    /// <summary>Returns <c>a × b + c</c> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>Returns <c>a × b + c</c> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>Returns <c>a × b + c</c> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>Returns the lane sums of four vectors, <c>[Σa, Σb, Σc, Σd]</c>.</summary>
    /// <remarks>Horizontal adds reduce four accumulators at the cost of about one reduction each done apart.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumEach(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse3.IsSupported)
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        if (AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a, b), AdvSimd.Arm64.AddPairwise(c, d));
        return Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }

    /// <inheritdoc cref="SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumEach(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d) =>
        SumEach(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());

    /// <inheritdoc cref="SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumEach(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
        SumEach(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());

    /// <summary>Returns the lane sums of eight vectors, <c>[Σa0, Σa1, …, Σa7]</c>.</summary>
    /// <remarks>
    /// A shuffle tree across all eight (seven pairs of shuffles and their adds), where two reductions of four take about
    /// twice the instructions: neighbouring lanes, then neighbouring pairs, then the 128-bit halves, so each sum is
    /// <c>((a₀ + a₁) + (a₂ + a₃)) + ((a₄ + a₅) + (a₆ + a₇))</c>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumEach(
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        if (!Avx.IsSupported)
            return Vector256.Create(Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3), Vector256.Sum(a4), Vector256.Sum(a5), Vector256.Sum(a6), Vector256.Sum(a7));
        Vector256<float> first = AddNeighbours(AddNeighbours(a0, a1), AddNeighbours(a2, a3));
        Vector256<float> second = AddNeighbours(AddNeighbours(a4, a5), AddNeighbours(a6, a7));
        return Avx.Permute2x128(first, second, 0x20) + Avx.Permute2x128(first, second, 0x31);
    }

    // In each 128-bit half [x0 + x1, x2 + x3, y0 + y1, y2 + y3], what SSE3's horizontal add does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AddNeighbours(Vector256<float> x, Vector256<float> y) =>
        Avx.Shuffle(x, y, 0b10_00_10_00) + Avx.Shuffle(x, y, 0b11_01_11_01);

    /// <summary>
    /// Returns the lane sums of a forward tile's sixteen accumulators, four samples by four rows: 128-bit block
    /// <c>s</c> of the result is <c>SumEach(as0, as1, as2, as3)</c>, bit for bit.
    /// </summary>
    /// <remarks>
    /// A shuffle tree across all sixteen (45 shuffles and adds, where sixteen reductions done four at a time take about
    /// a hundred instructions) that adds the same lanes in the same order as
    /// <see cref="SumEach(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>: each vector's
    /// 256-bit halves, then its 128-bit quarters, then neighbouring lanes, then neighbouring pairs.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SumEach(
        Vector512<float> a00, Vector512<float> a01, Vector512<float> a02, Vector512<float> a03,
        Vector512<float> a10, Vector512<float> a11, Vector512<float> a12, Vector512<float> a13,
        Vector512<float> a20, Vector512<float> a21, Vector512<float> a22, Vector512<float> a23,
        Vector512<float> a30, Vector512<float> a31, Vector512<float> a32, Vector512<float> a33)
    {
        if (!Avx512F.IsSupported)
        {
            return Vector512.Create(
                Vector256.Create(SumEach(a00, a01, a02, a03), SumEach(a10, a11, a12, a13)),
                Vector256.Create(SumEach(a20, a21, a22, a23), SumEach(a30, a31, a32, a33)));
        }
        // Row r of all four samples, sample s's four partial sums in block s.
        Vector512<float> row0 = AddQuarters(AddHalves(a00, a10), AddHalves(a20, a30));
        Vector512<float> row1 = AddQuarters(AddHalves(a01, a11), AddHalves(a21, a31));
        Vector512<float> row2 = AddQuarters(AddHalves(a02, a12), AddHalves(a22, a32));
        Vector512<float> row3 = AddQuarters(AddHalves(a03, a13), AddHalves(a23, a33));
        return AddNeighbours(AddNeighbours(row0, row1), AddNeighbours(row2, row3));
    }

    // [a.lower + a.upper, b.lower + b.upper], the 256-bit halves of two vectors added.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddHalves(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);

    // Blocks [p0 + p1, p2 + p3, q0 + q1, q2 + q3]: each input's pairs of 128-bit blocks added.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddQuarters(Vector512<float> p, Vector512<float> q) =>
        Avx512F.Shuffle4x128(p, q, 0b10_00_10_00) + Avx512F.Shuffle4x128(p, q, 0b11_01_11_01);

    // In every 128-bit block [x0 + x1, x2 + x3, y0 + y1, y2 + y3], what SSE3's horizontal add does to 128 bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddNeighbours(Vector512<float> x, Vector512<float> y) =>
        Avx512F.Shuffle(x, y, 0b10_00_10_00) + Avx512F.Shuffle(x, y, 0b11_01_11_01);

    /// <summary>A vector of four copies of the four values at <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadRepeated(ref float source)
    {
        Vector128<float> block = Vector128.LoadUnsafe(ref source);
        if (Avx512F.IsSupported)
        {
            Vector512<float> first = block.ToVector256Unsafe().ToVector512Unsafe();
            return Avx512F.Shuffle4x128(first, first, 0);
        }
        Vector256<float> twice = Vector256.Create(block, block);
        return Vector512.Create(twice, twice);
    }

    /// <summary>Stores the four 128-bit blocks of <paramref name="blocks"/> at four places.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreEach(Vector512<float> blocks, ref float first, ref float second, ref float third, ref float fourth)
    {
        if (Avx512F.IsSupported)
        {
            Avx512F.ExtractVector128(blocks, 0).StoreUnsafe(ref first);
            Avx512F.ExtractVector128(blocks, 1).StoreUnsafe(ref second);
            Avx512F.ExtractVector128(blocks, 2).StoreUnsafe(ref third);
            Avx512F.ExtractVector128(blocks, 3).StoreUnsafe(ref fourth);
            return;
        }
        blocks.GetLower().GetLower().StoreUnsafe(ref first);
        blocks.GetLower().GetUpper().StoreUnsafe(ref second);
        blocks.GetUpper().GetLower().StoreUnsafe(ref third);
        blocks.GetUpper().GetUpper().StoreUnsafe(ref fourth);
    }

    /// <inheritdoc cref="SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> SumEach(Vector128<double> a, Vector128<double> b, Vector128<double> c, Vector128<double> d)
    {
        if (Sse3.IsSupported)
            return Vector256.Create(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        if (AdvSimd.Arm64.IsSupported)
            return Vector256.Create(AdvSimd.Arm64.AddPairwise(a, b), AdvSimd.Arm64.AddPairwise(c, d));
        return Vector256.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }

    /// <inheritdoc cref="SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> SumEach(Vector256<double> a, Vector256<double> b, Vector256<double> c, Vector256<double> d) =>
        SumEach(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());

    /// <inheritdoc cref="SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> SumEach(Vector512<double> a, Vector512<double> b, Vector512<double> c, Vector512<double> d) =>
        SumEach(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());

    /// <summary>Returns <c>a × b + c</c> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// ReLU, fused into a forward kernel's store: 0 where <c>z &lt; 0</c>, else <c>z</c>, exactly as
    /// <see cref="Activations.ReLU{T}"/> (NaN and −0 pass through unchanged).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReLU(float z) => z < 0 ? 0 : z;

    /// <inheritdoc cref="ReLU(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ReLU(double z) => z < 0 ? 0 : z;

    /// <inheritdoc cref="ReLU(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLU(Vector128<float> z) =>
        Vector128.ConditionalSelect(Vector128.LessThan(z, Vector128<float>.Zero), Vector128<float>.Zero, z);

    /// <inheritdoc cref="ReLU(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLU(Vector512<float> z) =>
        Vector512.ConditionalSelect(Vector512.LessThan(z, Vector512<float>.Zero), Vector512<float>.Zero, z);

    /// <inheritdoc cref="ReLU(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ReLU(Vector256<double> z) =>
        Vector256.ConditionalSelect(Vector256.LessThan(z, Vector256<double>.Zero), Vector256<double>.Zero, z);

    // The kernels along the outputs (few inputs) store whole vectors of every width and element type.

    /// <inheritdoc cref="ReLU(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReLU(Vector256<float> z) =>
        Vector256.ConditionalSelect(Vector256.LessThan(z, Vector256<float>.Zero), Vector256<float>.Zero, z);

    /// <inheritdoc cref="ReLU(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> ReLU(Vector128<double> z) =>
        Vector128.ConditionalSelect(Vector128.LessThan(z, Vector128<double>.Zero), Vector128<double>.Zero, z);

    /// <inheritdoc cref="ReLU(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ReLU(Vector512<double> z) =>
        Vector512.ConditionalSelect(Vector512.LessThan(z, Vector512<double>.Zero), Vector512<double>.Zero, z);

    // The recurrent layers' gates, fused into their step: the same vector functions Activations.Sigmoid and Activations.Tanh
    // apply to float spans, one register at a time. Deterministic mode's bits come from DeterministicActivations instead,
    // so a caller checks VectorActivationsAllowed first.

    /// <summary>
    /// Whether the vector <see cref="Sigmoid(Vector128{float})"/> and <see cref="Tanh(Vector128{float})"/> give what
    /// <see cref="Activations.Sigmoid{T}"/> and <see cref="Activations.Tanh{T}"/> give for float: everywhere except in
    /// deterministic mode (<see cref="DeterministicMode"/>), where those use DenseGen's own scalar functions.
    /// </summary>
    public static bool VectorActivationsAllowed => !DeterministicMode.IsEnabled;

    /// <summary>Returns <c>1 / (1 + e^(−z))</c> lane by lane, as <see cref="Activations.Sigmoid{T}"/> computes it for float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> z) => VectorTranscendentals.SigmoidOf<Vector128<float>, Vector128Ops>(z);

    /// <inheritdoc cref="Sigmoid(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> z) => VectorTranscendentals.SigmoidOf<Vector256<float>, Vector256Ops>(z);

    /// <inheritdoc cref="Sigmoid(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> z) => VectorTranscendentals.SigmoidOf<Vector512<float>, Vector512Ops>(z);

    /// <summary>Returns <c>tanh z</c> lane by lane, as <see cref="Activations.Tanh{T}"/> computes it for float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> z) => VectorTranscendentals.TanhOf<Vector128<float>, Vector128Ops>(z);

    /// <inheritdoc cref="Tanh(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> z) => VectorTranscendentals.TanhOf<Vector256<float>, Vector256Ops>(z);

    /// <inheritdoc cref="Tanh(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> z) => VectorTranscendentals.TanhOf<Vector512<float>, Vector512Ops>(z);

    /// <summary>
    /// Asks the processor to bring the cache line holding <paramref name="location"/> into every cache level ahead of its
    /// use (x64's <c>prefetcht0</c>; nothing where .NET has no prefetch instruction). A hint: it reads nothing, changes
    /// nothing and never faults, whatever the address.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }

    /// <summary>
    /// The first element of <paramref name="buffer"/> that starts a 64-byte cache line: a kernel's <c>stackalloc</c> of 64
    /// bytes more than it needs, read from here, loads whole Vector512s without splitting one across two lines (the
    /// stack is aligned to 16 bytes only). Stack memory does not move, so the alignment holds for the buffer's lifetime.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe ref T CacheLineStart<T>(System.Span<T> buffer) where T : unmanaged
    {
        ref T start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(buffer);
        nuint misalignment = (nuint)Unsafe.AsPointer(ref start) % 64;
        return ref Unsafe.AddByteOffset(ref start, (64 - misalignment) % 64);
    }
}
