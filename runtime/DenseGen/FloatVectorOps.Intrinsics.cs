using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using DenseGen.CompilerServices;

namespace DenseGen;

// The .NET 8 build's vector types for VectorTranscendentals: the widest the processor accelerates is picked once per
// call, as the generated kernels pick theirs. Min and Max are the instructions, not Vector128/256.Min, which from .NET 9
// on orders NaN and the zeros as IEEE 754:2019 does at several instructions' cost below AVX-512: the functions clamp
// with them and put NaN back themselves.

/// <summary><see cref="IFloatVectorOps{TVector}"/> on <see cref="Vector128{T}"/>, with fused multiply-add where the processor has it.</summary>
internal readonly struct Vector128Ops : IFloatVectorOps<Vector128<float>>
{
    public int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Load(ReadOnlySpan<float> values, int index) => Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(values), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector128<float> value, Span<float> values, int index) => value.StoreUnsafe(ref MemoryMarshal.GetReference(values), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => VectorMath.MultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Min(Vector128<float> a, Vector128<float> b) =>
        Sse.IsSupported ? Sse.Min(a, b) : AdvSimd.IsSupported ? AdvSimd.Min(a, b) : Vector128.ConditionalSelect(Vector128.LessThan(a, b), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Max(Vector128<float> a, Vector128<float> b) =>
        Sse.IsSupported ? Sse.Max(a, b) : AdvSimd.IsSupported ? AdvSimd.Max(a, b) : Vector128.ConditionalSelect(Vector128.GreaterThan(a, b), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Abs(Vector128<float> a) => Vector128.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> LessThan(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> GreaterThanOrEqual(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Select(Vector128<float> mask, Vector128<float> whenTrue, Vector128<float> whenFalse) => Vector128.ConditionalSelect(mask, whenTrue, whenFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> KeepNaN(Vector128<float> input, Vector128<float> result) => Vector128.ConditionalSelect(Vector128.Equals(input, input), result, input);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> WithSignOf(Vector128<float> magnitude, Vector128<float> sign) => magnitude | (sign & Vector128.Create(-0f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> PowerOfTwo(Vector128<float> n) =>
        Vector128.ShiftLeft((n + Vector128.Create(FloatVectorOps.RoundingShift)).AsInt32() + Vector128.Create(FloatVectorOps.ExponentBiasLessShiftBits), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> ScaleByPowerOfTwo(Vector128<float> x, Vector128<float> n) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.Scale(x, n) : FloatVectorOps.ScaleInTwoFactors<Vector128<float>, Vector128Ops>(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> RoundToInteger(Vector128<float> x) =>
        Sse41.IsSupported ? Sse41.RoundToNearestInteger(x)
        : AdvSimd.IsSupported ? AdvSimd.RoundToNearest(x)
        : FloatVectorOps.RoundByShift<Vector128<float>, Vector128Ops>(x);
}

/// <summary><see cref="IFloatVectorOps{TVector}"/> on <see cref="Vector256{T}"/>, with fused multiply-add where the processor has it.</summary>
internal readonly struct Vector256Ops : IFloatVectorOps<Vector256<float>>
{
    public int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Load(ReadOnlySpan<float> values, int index) => Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(values), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector256<float> value, Span<float> values, int index) => value.StoreUnsafe(ref MemoryMarshal.GetReference(values), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => VectorMath.MultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Min(Vector256<float> a, Vector256<float> b) =>
        Avx.IsSupported ? Avx.Min(a, b) : Vector256.ConditionalSelect(Vector256.LessThan(a, b), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Max(Vector256<float> a, Vector256<float> b) =>
        Avx.IsSupported ? Avx.Max(a, b) : Vector256.ConditionalSelect(Vector256.GreaterThan(a, b), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Abs(Vector256<float> a) => Vector256.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> GreaterThanOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Select(Vector256<float> mask, Vector256<float> whenTrue, Vector256<float> whenFalse) => Vector256.ConditionalSelect(mask, whenTrue, whenFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> KeepNaN(Vector256<float> input, Vector256<float> result) => Vector256.ConditionalSelect(Vector256.Equals(input, input), result, input);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> WithSignOf(Vector256<float> magnitude, Vector256<float> sign) => magnitude | (sign & Vector256.Create(-0f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> PowerOfTwo(Vector256<float> n) =>
        Vector256.ShiftLeft((n + Vector256.Create(FloatVectorOps.RoundingShift)).AsInt32() + Vector256.Create(FloatVectorOps.ExponentBiasLessShiftBits), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> ScaleByPowerOfTwo(Vector256<float> x, Vector256<float> n) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.Scale(x, n) : FloatVectorOps.ScaleInTwoFactors<Vector256<float>, Vector256Ops>(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> RoundToInteger(Vector256<float> x) =>
        Avx.IsSupported ? Avx.RoundToNearestInteger(x) : FloatVectorOps.RoundByShift<Vector256<float>, Vector256Ops>(x);
}

/// <summary><see cref="IFloatVectorOps{TVector}"/> on <see cref="Vector512{T}"/>, with fused multiply-add where the processor has it.</summary>
internal readonly struct Vector512Ops : IFloatVectorOps<Vector512<float>>
{
    public int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Load(ReadOnlySpan<float> values, int index) => Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(values), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector512<float> value, Span<float> values, int index) => value.StoreUnsafe(ref MemoryMarshal.GetReference(values), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => VectorMath.MultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Min(Vector512<float> a, Vector512<float> b) =>
        Avx512F.IsSupported ? Avx512F.Min(a, b) : Vector512.ConditionalSelect(Vector512.LessThan(a, b), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Max(Vector512<float> a, Vector512<float> b) =>
        Avx512F.IsSupported ? Avx512F.Max(a, b) : Vector512.ConditionalSelect(Vector512.GreaterThan(a, b), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> GreaterThanOrEqual(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Select(Vector512<float> mask, Vector512<float> whenTrue, Vector512<float> whenFalse) => Vector512.ConditionalSelect(mask, whenTrue, whenFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> KeepNaN(Vector512<float> input, Vector512<float> result) => Vector512.ConditionalSelect(Vector512.Equals(input, input), result, input);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> WithSignOf(Vector512<float> magnitude, Vector512<float> sign) => magnitude | (sign & Vector512.Create(-0f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> PowerOfTwo(Vector512<float> n) =>
        Vector512.ShiftLeft((n + Vector512.Create(FloatVectorOps.RoundingShift)).AsInt32() + Vector512.Create(FloatVectorOps.ExponentBiasLessShiftBits), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> ScaleByPowerOfTwo(Vector512<float> x, Vector512<float> n) =>
        Avx512F.IsSupported ? Avx512F.Scale(x, n) : FloatVectorOps.ScaleInTwoFactors<Vector512<float>, Vector512Ops>(x, n);

    // RoundScale with control 0: to an integer (no fraction bits kept), to nearest with ties to even.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> RoundToInteger(Vector512<float> x) =>
        Avx512F.IsSupported ? Avx512F.RoundScale(x, 0) : FloatVectorOps.RoundByShift<Vector512<float>, Vector512Ops>(x);
}
