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

    /// <summary>
    /// Returns the sums of the pairs the lanes of two vectors make read one after another (<c>v = a ‖ b</c>): lane r is
    /// <c>v[2r] + v[2r + 1]</c>, the products of one row of two weights with its input.
    /// </summary>
    /// <remarks>
    /// A row's sum is the one <see cref="SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    /// gives for the row held in one vector, its other lanes zero (but for the sign of a zero: products that are all −0
    /// sum to −0 here, to +0 there).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumEachPair(Vector256<float> a, Vector256<float> b)
    {
        if (!Avx2.IsSupported)
            return Vector256.Create(PairSums(a), PairSums(b));
        // Neighbours added within each 128-bit half, [a01, a23, b01, b23 | a45, a67, b45, b67], then the halves' middle
        // 64-bit blocks swapped.
        return Avx2.Permute4x64(AddNeighbours(a, b).AsDouble(), 0b11_01_10_00).AsSingle();
    }

    /// <inheritdoc cref="SumEachPair(Vector256{float}, Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SumEachPair(Vector512<float> a, Vector512<float> b)
    {
        if (!Avx512F.IsSupported)
            return Vector512.Create(SumEachPair(a.GetLower(), a.GetUpper()), SumEachPair(b.GetLower(), b.GetUpper()));
        // Each 128-bit block [a pairs, b pairs] of four lanes each, then the 64-bit blocks of a's sums before b's.
        return Avx512F.PermuteVar8x64(AddNeighbours(a, b).AsDouble(), Vector512.Create(0L, 2, 4, 6, 1, 3, 5, 7)).AsSingle();
    }

    private static Vector128<float> PairSums(Vector256<float> v) =>
        Vector128.Create(v.GetElement(0) + v.GetElement(1), v.GetElement(2) + v.GetElement(3), v.GetElement(4) + v.GetElement(5), v.GetElement(6) + v.GetElement(7));

    /// <summary>
    /// Returns the sums of the triples the lanes of three vectors make read one after another (<c>v = a ‖ b ‖ c</c>):
    /// lane r is <c>(v[3r] + v[3r + 1]) + v[3r + 2]</c>, the products of one row of three weights with its input.
    /// </summary>
    /// <remarks>
    /// A row's sum is the one <see cref="SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    /// gives for the row held in one vector, its fourth lane zero (but for the sign of a zero sum). Three is prime to the lanes, so the first terms of
    /// the rows lie in distinct lanes of a, b and c: two blends put them in one vector and one permute in order, and
    /// likewise the second and third terms (nine instructions, where summing the rows four at a time takes about thirty).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumEachTriple(Vector256<float> a, Vector256<float> b, Vector256<float> c)
    {
        if (!Avx2.IsSupported)
        {
            return Vector256.Create(
                TripleSum(a, b, c, 0), TripleSum(a, b, c, 1), TripleSum(a, b, c, 2), TripleSum(a, b, c, 3),
                TripleSum(a, b, c, 4), TripleSum(a, b, c, 5), TripleSum(a, b, c, 6), TripleSum(a, b, c, 7));
        }
        // Lanes 3k of each vector, 3k + 1 and 3k + 2 (the sets L0, L1, L2): row r's term j is v[3r + j], lane (3r + j) mod 8
        // of vector (3r + j) / 8. First terms: a's L0, b's L1, c's L2; second: a's L1, b's L2, c's L0; third: a's L2, b's L0, c's L1.
        const byte L0 = 0b0100_1001, L1 = 0b1001_0010, L2 = 0b0010_0100;
        Vector256<float> first = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, L1), c, L2), Vector256.Create(0, 3, 6, 1, 4, 7, 2, 5));
        Vector256<float> second = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, L2), c, L0), Vector256.Create(1, 4, 7, 2, 5, 0, 3, 6));
        Vector256<float> third = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, L0), c, L1), Vector256.Create(2, 5, 0, 3, 6, 1, 4, 7));
        return (first + second) + third;
    }

    /// <inheritdoc cref="SumEachTriple(Vector256{float}, Vector256{float}, Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SumEachTriple(Vector512<float> a, Vector512<float> b, Vector512<float> c)
    {
        if (!Avx512F.IsSupported)
        {
            return Vector512.Create(
                SumEachTriple(a.GetLower(), a.GetUpper(), b.GetLower()),
                SumEachTriple(b.GetUpper(), c.GetLower(), c.GetUpper()));
        }
        // As at 256 bits, lane (3r + j) mod 16 of vector (3r + j) / 16; the sets are the lanes 3k, 3k + 1 and 3k + 2.
        Vector512<float> l0 = Vector512.Create(-1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1).AsSingle();
        Vector512<float> l1 = Vector512.Create(0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0).AsSingle();
        Vector512<float> l2 = Vector512.Create(0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0).AsSingle();
        Vector512<float> first = Avx512F.PermuteVar16x32(Vector512.ConditionalSelect(l0, a, Vector512.ConditionalSelect(l2, b, c)),
            Vector512.Create(0, 3, 6, 9, 12, 15, 2, 5, 8, 11, 14, 1, 4, 7, 10, 13));
        Vector512<float> second = Avx512F.PermuteVar16x32(Vector512.ConditionalSelect(l1, a, Vector512.ConditionalSelect(l0, b, c)),
            Vector512.Create(1, 4, 7, 10, 13, 0, 3, 6, 9, 12, 15, 2, 5, 8, 11, 14));
        Vector512<float> third = Avx512F.PermuteVar16x32(Vector512.ConditionalSelect(l2, a, Vector512.ConditionalSelect(l1, b, c)),
            Vector512.Create(2, 5, 8, 11, 14, 1, 4, 7, 10, 13, 0, 3, 6, 9, 12, 15));
        return (first + second) + third;
    }

    private static float TripleSum(Vector256<float> a, Vector256<float> b, Vector256<float> c, int row) =>
        (Lane(a, b, c, 3 * row) + Lane(a, b, c, 3 * row + 1)) + Lane(a, b, c, 3 * row + 2);

    private static float Lane(Vector256<float> a, Vector256<float> b, Vector256<float> c, int i) =>
        i < 8 ? a.GetElement(i) : i < 16 ? b.GetElement(i - 8) : c.GetElement(i - 16);

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
