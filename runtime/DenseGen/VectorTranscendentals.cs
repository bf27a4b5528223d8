using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
#endif

namespace DenseGen;

/// <summary>
/// The float activations that need an exponential (sigmoid, tanh, ELU, SiLU and SiLU's derivative) and the exponential
/// itself, a vector of elements at a time: a range reduction and a polynomial in multiplies and adds, where
/// <c>MathF.Exp</c> and <c>MathF.Tanh</c> are one call into the C runtime per element. Every build compiles this file;
/// each function is written once over <see cref="IFloatVectorOps{TVector}"/>, and runs on the widest of Vector512,
/// Vector256 and Vector128 the processor accelerates in the .NET 8 build, on <see cref="Vector{T}"/> in the .NET
/// Standard builds (System.Numerics.Vectors), and one float at a time where no vector is accelerated (Unity's Mono).
/// </summary>
/// <remarks>
/// <para>
/// Accuracy, measured by the tests (VectorTranscendentalsChecks) against a double reference over a sweep of the floats,
/// on every vector path: docs/math.md has the figures. Results in the subnormal range are computed there, not flushed
/// to 0; NaN stays NaN; ±∞ give the functions' limits.
/// </para>
/// <para>
/// Deterministic mode does not use these: their bits depend on whether the processor fuses multiply-adds, and are not
/// promised from one release to the next, where DeterministicMath's are.
/// </para>
/// </remarks>
internal static class VectorTranscendentals
{
    private const float Log2E = 1.44269504088896341f;

    // ln 2 split so that n · Ln2High is exact for every n the reduction produces (|n| ≤ 150): Ln2High has 9 significant bits.
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;

    // e^x is 0 in float below about −103.97 and ∞ above about 88.72: inputs are clamped just outside both, where the
    // reduction's integer still fits the two-step scaling in Exp.
    private const float ExpLowest = -104f;
    private const float ExpHighest = 89f;

    // tanh x rounds to 1 in float from about 9.01 on (1 − tanh x < 2⁻²⁵): larger magnitudes are clamped there.
    private const float TanhSaturation = 9.1f;

    // e^x − 1 is −1 in float below about −17.33 (e^x < 2⁻²⁵): smaller inputs are clamped there.
    private const float ExpM1Lowest = -18f;

    /// <summary>Replaces each element <c>x</c> with <c>e^x</c>.</summary>
    public static void Exp(Span<float> values) => Apply<ExpFunction>(values);

    /// <summary>Replaces each element <c>z</c> with <c>1 / (1 + e^(−z))</c>.</summary>
    public static void Sigmoid(Span<float> values) => Apply<SigmoidFunction>(values);

    /// <summary>Replaces each element <c>z</c> with <c>tanh z</c>.</summary>
    public static void Tanh(Span<float> values) => Apply<TanhFunction>(values);

    /// <summary>Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <c>e^z − 1</c>.</summary>
    public static void Elu(Span<float> values) => Apply<EluFunction>(values);

    /// <summary>Replaces each element <c>z</c> with <c>z σ(z)</c>.</summary>
    public static void SiLU(Span<float> values) => Apply<SiLUFunction>(values);

    /// <summary>
    /// Writes <c>dY ⊙ SiLU′(z)</c>. The spans have one length (the caller checks), and <paramref name="inputGradient"/>
    /// may be either of the others: each vector is read before it is written.
    /// </summary>
    public static void SiLUBackward(ReadOnlySpan<float> preActivation, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
#if NET8_0_OR_GREATER
        if (Vector512.IsHardwareAccelerated)
            ScaleBy<Vector512<float>, Vector512Ops, SiLUDerivativeFunction>(preActivation, outputGradient, inputGradient);
        else if (Vector256.IsHardwareAccelerated)
            ScaleBy<Vector256<float>, Vector256Ops, SiLUDerivativeFunction>(preActivation, outputGradient, inputGradient);
        else if (Vector128.IsHardwareAccelerated)
            ScaleBy<Vector128<float>, Vector128Ops, SiLUDerivativeFunction>(preActivation, outputGradient, inputGradient);
        else
#else
        if (Vector.IsHardwareAccelerated)
            ScaleBy<Vector<float>, VectorOps, SiLUDerivativeFunction>(preActivation, outputGradient, inputGradient);
        else
#endif
            ScaleBy<float, ScalarOps, SiLUDerivativeFunction>(preActivation, outputGradient, inputGradient);
    }

    /// <summary>
    /// Σⱼ e^(zⱼ − <paramref name="shift"/>), the terms added in index order, each also written to <paramref name="terms"/>
    /// when it is not empty (then as long as <paramref name="z"/>): softmax's normalizer and numerators.
    /// </summary>
    public static float SumOfShiftedExp(ReadOnlySpan<float> z, float shift, Span<float> terms)
    {
        const int Chunk = 64;
        Span<float> scratch = stackalloc float[Chunk];
        float sum = 0f;
        for (int start = 0; start < z.Length; start += Chunk)
        {
            int length = Math.Min(Chunk, z.Length - start);
            Span<float> chunk = terms.IsEmpty ? scratch.Slice(0, length) : terms.Slice(start, length);
            ReadOnlySpan<float> source = z.Slice(start, length);
            for (int j = 0; j < length; j++)
                chunk[j] = source[j] - shift;
            Exp(chunk);
            for (int j = 0; j < length; j++)
                sum += chunk[j];
        }
        return sum;
    }

    /// <summary>σ of one vector, lane by lane: the same function <see cref="Sigmoid"/> applies to a span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector SigmoidOf<TVector, TOps>(TVector z) where TVector : struct where TOps : struct, IFloatVectorOps<TVector> =>
        default(SigmoidFunction).Invoke<TVector, TOps>(z);

    /// <summary>tanh of one vector, lane by lane: the same function <see cref="Tanh"/> applies to a span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector TanhOf<TVector, TOps>(TVector z) where TVector : struct where TOps : struct, IFloatVectorOps<TVector> =>
        default(TanhFunction).Invoke<TVector, TOps>(z);

    /// <summary>A function of one vector, written once for every vector type.</summary>
    private interface IFunction
    {
        TVector Invoke<TVector, TOps>(TVector x) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>;
    }

    private readonly struct ExpFunction : IFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TVector, TOps>(TVector x) where TVector : struct where TOps : struct, IFloatVectorOps<TVector> =>
            Exp<TVector, TOps>(x);
    }

    private readonly struct SigmoidFunction : IFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TVector, TOps>(TVector z) where TVector : struct where TOps : struct, IFloatVectorOps<TVector> =>
            default(TOps).KeepNaN(z, SigmoidAndComplement<TVector, TOps>(z, out _));
    }

    private readonly struct TanhFunction : IFunction
    {
        /// <summary>tanh z, odd, with tanh(±0) = ±0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TVector, TOps>(TVector z) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
        {
            // tanh a = (e^2a − 1) / (e^2a + 1) for a = |z|, with e^2a − 1 taken without cancellation, so small inputs keep
            // their relative accuracy. n is taken from a · 2 log₂e rather than from 2a, so that it does not wait for the
            // sum: the products are the same real number, rounded the same way.
            TOps o = default;
            TVector a = o.Min(o.Abs(z), o.Create(TanhSaturation));
            TVector n = o.RoundToInteger(o.Multiply(a, o.Create(2f * Log2E)));
            TVector p = ReducedExpM1<TVector, TOps>(o.Add(a, a), n);
            // e^2a − 1 and e^2a + 1 both from p, side by side (each 2ⁿ p + (2ⁿ ∓ 1), see ExpM1OfSmall), rather than the
            // second from the first; the sign goes on the numerator as a bit, so the quotient is the result. 2ⁿ + 1 rounds
            // for n above 23 (a above 8.1, where tanh is within 2⁻²² of 1): about half an ulp, inside the bound.
            TVector scale = o.PowerOfTwo(n), one = o.Create(1f);
            TVector numerator = o.WithSignOf(o.MultiplyAdd(scale, p, o.Subtract(scale, one)), z);
            TVector denominator = o.MultiplyAdd(scale, p, o.Add(scale, one));
            return o.KeepNaN(z, o.Divide(numerator, denominator));
        }
    }

    private readonly struct EluFunction : IFunction
    {
        /// <summary>ELU with α = 1: <c>z</c> above 0, else <c>e^z − 1</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TVector, TOps>(TVector z) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
        {
            // e^z − 1 of min(z, 0): positive lanes take z itself, and the clamps keep them inside ExpM1OfSmall's range.
            TOps o = default;
            TVector clamped = o.Max(o.Min(z, o.Create(0f)), o.Create(ExpM1Lowest));
            TVector negative = ExpM1OfSmall<TVector, TOps>(clamped, NearestMultipleOfLn2<TVector, TOps>(clamped));
            // Selected below 0 rather than above it, so that −0 stays −0.
            return o.KeepNaN(z, o.Select(o.LessThan(z, o.Create(0f)), negative, z));
        }
    }

    private readonly struct SiLUFunction : IFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TVector, TOps>(TVector z) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
        {
            // Below −104, σ(z) is 0 in float: z is raised to −104 there, so that −∞ gives −0, the limit, instead of −∞·0.
            TOps o = default;
            TVector sigmoid = SigmoidAndComplement<TVector, TOps>(z, out _);
            return o.KeepNaN(z, o.Multiply(o.Max(z, o.Create(-104f)), sigmoid));
        }
    }

    private readonly struct SiLUDerivativeFunction : IFunction
    {
        /// <summary>
        /// SiLU′(z) = σ(z) (1 + z (1 − σ(z))). z is clamped to ±104 in the product, where σ is already 0 or 1, so that
        /// ±∞ give the limits instead of ∞·0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TVector, TOps>(TVector z) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
        {
            TOps o = default;
            TVector sigmoid = SigmoidAndComplement<TVector, TOps>(z, out TVector complement);
            TVector clamped = o.Min(o.Max(z, o.Create(-104f)), o.Create(104f));
            return o.KeepNaN(z, o.Multiply(sigmoid, o.MultiplyAdd(clamped, complement, o.Create(1f))));
        }
    }

    /// <summary>Applies the function in place on the widest vectors the processor accelerates.</summary>
    private static void Apply<TFunction>(Span<float> values) where TFunction : struct, IFunction
    {
#if NET8_0_OR_GREATER
        if (Vector512.IsHardwareAccelerated)
            Apply<Vector512<float>, Vector512Ops, TFunction>(values);
        else if (Vector256.IsHardwareAccelerated)
            Apply<Vector256<float>, Vector256Ops, TFunction>(values);
        else if (Vector128.IsHardwareAccelerated)
            Apply<Vector128<float>, Vector128Ops, TFunction>(values);
        else
#else
        if (Vector.IsHardwareAccelerated)
            Apply<Vector<float>, VectorOps, TFunction>(values);
        else
#endif
            Apply<float, ScalarOps, TFunction>(values);
    }

    private static void Apply<TVector, TOps, TFunction>(Span<float> values)
        where TVector : struct where TOps : struct, IFloatVectorOps<TVector> where TFunction : struct, IFunction
    {
        TOps o = default;
        TFunction function = default;
        int i = 0;
        for (; i <= values.Length - o.Count; i += o.Count)
            o.Store(function.Invoke<TVector, TOps>(o.Load(values, i)), values, i);
        if (i < values.Length)
        {
            // The last, partial vector through a buffer whose other lanes are 0, which every function takes without fault.
            Span<float> lanes = stackalloc float[o.Count];
            lanes.Clear();
            Span<float> tail = values.Slice(i);
            tail.CopyTo(lanes);
            o.Store(function.Invoke<TVector, TOps>(o.Load(lanes, 0)), lanes, 0);
            lanes.Slice(0, tail.Length).CopyTo(tail);
        }
    }

    /// <summary>Writes <c>scale ⊙ f(x)</c> to <paramref name="result"/>, which may be either input.</summary>
    private static void ScaleBy<TVector, TOps, TFunction>(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, Span<float> result)
        where TVector : struct where TOps : struct, IFloatVectorOps<TVector> where TFunction : struct, IFunction
    {
        TOps o = default;
        TFunction function = default;
        int i = 0;
        for (; i <= result.Length - o.Count; i += o.Count)
            o.Store(o.Multiply(o.Load(scale, i), function.Invoke<TVector, TOps>(o.Load(x, i))), result, i);
        if (i < result.Length)
        {
            Span<float> lanes = stackalloc float[2 * o.Count];
            lanes.Clear();
            int rest = result.Length - i;
            x.Slice(i).CopyTo(lanes);
            scale.Slice(i).CopyTo(lanes.Slice(o.Count));
            o.Store(o.Multiply(o.Load(lanes, o.Count), function.Invoke<TVector, TOps>(o.Load(lanes, 0))), lanes, 0);
            lanes.Slice(0, rest).CopyTo(result.Slice(i));
        }
    }

    /// <summary>e^x lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Exp<TVector, TOps>(TVector x) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
    {
        TOps o = default;
        TVector clamped = o.Min(o.Max(x, o.Create(ExpLowest)), o.Create(ExpHighest));
        TVector n = NearestMultipleOfLn2<TVector, TOps>(clamped);
        TVector p = ReducedExpM1<TVector, TOps>(clamped, n);
        // n of the clamped range is −150 to 128: results that overflow become ∞ and results below the normal range round
        // once into the subnormals.
        TVector result = o.ScaleByPowerOfTwo(o.Add(o.Create(1f), p), n);
        return o.KeepNaN(x, result);
    }

    /// <summary>
    /// σ(z) and 1 − σ(z), each from <c>e = e^(−|z|)</c>, which cannot overflow: one of them is <c>1 / (1 + e)</c> and
    /// the other <c>e / (1 + e)</c>, so neither is formed by a subtraction that cancels, and both keep their relative
    /// accuracy into the subnormals (SiLU of −95 is −5·10⁻⁴⁰, not −0). A NaN z gives a number here: the callers put
    /// NaN back, once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SigmoidAndComplement<TVector, TOps>(TVector z, out TVector complement)
        where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
    {
        // −|z| with the sign bit set rather than by a subtraction, and only the low clamp: the exponent is never above 0.
        TOps o = default;
        TVector x = o.Max(o.WithSignOf(o.Abs(z), o.Create(-0f)), o.Create(ExpLowest));
        TVector n = NearestMultipleOfLn2<TVector, TOps>(x);
        TVector e = o.ScaleByPowerOfTwo(o.Add(o.Create(1f), ReducedExpM1<TVector, TOps>(x, n)), n);
        // Each a single division, its numerator chosen while 1 + e is computed: e / (1 + e) rounds once, where
        // e · (1 / (1 + e)) rounded twice and waited for a product after the division.
        TVector one = o.Create(1f), denominator = o.Add(one, e);
        TVector nonNegative = o.GreaterThanOrEqual(z, o.Create(0f));
        complement = o.Divide(o.Select(nonNegative, e, one), denominator);
        return o.Divide(o.Select(nonNegative, one, e), denominator);
    }

    /// <summary>
    /// e^x − 1 for x from −18 to 20 (the callers clamp into it, which keeps 2ⁿ one normal float): <c>2ⁿ p + (2ⁿ − 1)</c>
    /// with <c>p = e^r − 1</c>, n being x / ln 2 rounded (<see cref="NearestMultipleOfLn2"/>). For |x| ≤ ln 2 / 2, n = 0
    /// and the result is <c>p</c> itself, which keeps small inputs' relative accuracy; elsewhere <c>2ⁿ − 1</c> and
    /// <c>2ⁿ p</c> are exact and the sum rounds once without cancelling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpM1OfSmall<TVector, TOps>(TVector x, TVector n) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
    {
        TOps o = default;
        TVector p = ReducedExpM1<TVector, TOps>(x, n);
        TVector scale = o.PowerOfTwo(n);
        return o.MultiplyAdd(scale, p, o.Subtract(scale, o.Create(1f)));
    }

    /// <summary>The integer n nearest <c>x / ln 2</c>, as a float: the exponent of <see cref="ReducedExpM1"/>'s split.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector NearestMultipleOfLn2<TVector, TOps>(TVector x) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
    {
        TOps o = default;
        return o.RoundToInteger(o.Multiply(x, o.Create(Log2E)));
    }

    /// <summary>
    /// Splits x into <c>n ln 2 + r</c>, n from <see cref="NearestMultipleOfLn2"/> and |r| ≤ ln 2 / 2, and returns
    /// <c>e^r − 1</c> by its Taylor series to r⁸ (the first term left out, r⁹/9!, is below 2⁻³¹ of the result), as
    /// <c>r + r² q(r)</c> so that no term cancels. q's seven terms are summed in Estrin's form, pairs first, then pairs of
    /// pairs by r², r⁴: four multiply-adds deep where Horner's form is six, and every partial sum is positive (the
    /// coefficients are, and each pair's first term outweighs its second for |r| ≤ ln 2 / 2), so none cancels either.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ReducedExpM1<TVector, TOps>(TVector x, TVector n) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
    {
        TOps o = default;
        // n · Ln2High is exact, so fused or not, x − n · Ln2High rounds the same (not at all: the two are close).
        TVector r = o.MultiplyAdd(n, o.Create(-Ln2High), x);
        r = o.MultiplyAdd(n, o.Create(-Ln2Low), r);
        TVector r2 = o.Multiply(r, r);
        TVector q01 = o.MultiplyAdd(o.Create(1f / 6f), r, o.Create(0.5f));
        TVector q23 = o.MultiplyAdd(o.Create(1f / 120f), r, o.Create(1f / 24f));
        TVector q45 = o.MultiplyAdd(o.Create(1f / 5040f), r, o.Create(1f / 720f));
        TVector q0123 = o.MultiplyAdd(q23, r2, q01);
        TVector q456 = o.MultiplyAdd(o.Create(1f / 40320f), r2, q45);
        TVector q = o.MultiplyAdd(q456, o.Multiply(r2, r2), q0123);
        return o.MultiplyAdd(r2, q, r);
    }
}
