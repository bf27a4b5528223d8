using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DenseGen;

/// <summary>
/// Vector helpers shared by generated kernels. Not meant for user code: it keeps hardware-specific choices
/// (fused multiply-add, horizontal adds) in one place instead of in every generated file.
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
    public static Vector256<double> ReLU(Vector256<double> z) =>
        Vector256.ConditionalSelect(Vector256.LessThan(z, Vector256<double>.Zero), Vector256<double>.Zero, z);

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
}
