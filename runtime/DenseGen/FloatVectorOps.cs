using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DenseGen;

/// <summary>
/// The lane-wise float operations <see cref="VectorTranscendentals"/> writes its functions in, once, for every vector
/// type: <see cref="Vector{T}"/> in every build (<see cref="VectorOps"/>), and Vector128, Vector256 and Vector512 with
/// fused multiply-add in the .NET 8 build. The implementations are structs, so each generic instantiation is compiled
/// for one vector type with every call inlined. Masks are vectors of the same type, all bits set where true.
/// </summary>
internal interface IFloatVectorOps<TVector> where TVector : struct
{
    int Count { get; }

    TVector Create(float value);

    /// <summary>The vector at <paramref name="index"/>, which the caller keeps at least a vector from the end.</summary>
    TVector Load(ReadOnlySpan<float> values, int index);

    /// <summary>Writes the vector at <paramref name="index"/>, which the caller keeps at least a vector from the end.</summary>
    void Store(TVector value, Span<float> values, int index);

    TVector Add(TVector a, TVector b);

    TVector Subtract(TVector a, TVector b);

    TVector Multiply(TVector a, TVector b);

    TVector Divide(TVector a, TVector b);

    /// <summary><c>a × b + c</c>, fused where the vector type and processor have it.</summary>
    TVector MultiplyAdd(TVector a, TVector b, TVector c);

    TVector Min(TVector a, TVector b);

    TVector Max(TVector a, TVector b);

    TVector Abs(TVector a);

    TVector LessThan(TVector a, TVector b);

    TVector GreaterThanOrEqual(TVector a, TVector b);

    TVector Select(TVector mask, TVector whenTrue, TVector whenFalse);

    /// <summary>The result, but the input wherever the input is NaN.</summary>
    TVector KeepNaN(TVector input, TVector result);

    /// <summary>A non-negative magnitude with the sign bit of <paramref name="sign"/>.</summary>
    TVector WithSignOf(TVector magnitude, TVector sign);

    /// <summary>
    /// 2ⁿ for an integer n, held as a float, from −126 to 127: the biased exponent put in place, the integer taken from
    /// the float's bits as <see cref="FloatVectorOps.RoundingShift"/> says.
    /// </summary>
    TVector PowerOfTwo(TVector n);

    /// <summary>
    /// <c>x · 2ⁿ</c> for an integer n, held as a float, from −150 to 128, rounded once: results that overflow are ∞ and
    /// results below the normal range round into the subnormals. AVX-512 has this as one instruction (<c>vscalefps</c>);
    /// elsewhere it is <see cref="FloatVectorOps.ScaleInTwoFactors"/>, which gives the same bits.
    /// </summary>
    TVector ScaleByPowerOfTwo(TVector x, TVector n);

    /// <summary>
    /// x rounded to the nearest integer, ties to even, for |x| below 2²²: the processor's rounding instruction where it
    /// has one, else <see cref="FloatVectorOps.RoundByShift"/>, which gives the same bits.
    /// </summary>
    TVector RoundToInteger(TVector x);
}

/// <summary>Constants the vector types' operations share.</summary>
internal static class FloatVectorOps
{
    /// <summary>
    /// 1.5 · 2²³. Added to a float of magnitude below 2²², the sum rounds it to an integer (to nearest, ties to even)
    /// held in the low bits of the sum's significand: subtracting the constant back gives the integer as a float, and
    /// subtracting the constant's bits from the sum's gives it as an int, with no conversion instruction (.NET 9 made
    /// Vector256.ConvertToInt32 saturate, at several instructions' cost below AVX-512).
    /// </summary>
    public const float RoundingShift = 12582912f;

    /// <summary>What turns the bits of <c>n + RoundingShift</c> into n's biased float exponent, <c>n + 127</c>.</summary>
    public const int ExponentBiasLessShiftBits = 127 - 0x4B40_0000;

    /// <summary>
    /// x rounded to the nearest integer (ties to even), for |x| below 2²², without a rounding instruction, which the .NET
    /// Standard vectors do not have (<see cref="RoundingShift"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector RoundByShift<TVector, TOps>(TVector x) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
    {
        TOps o = default;
        return o.Subtract(o.Add(x, o.Create(RoundingShift)), o.Create(RoundingShift));
    }

    /// <summary>
    /// <c>x · 2ⁿ</c> as <see cref="IFloatVectorOps{TVector}.ScaleByPowerOfTwo"/> describes it, for x of magnitude near 1:
    /// 2ⁿ in two factors, each a normal float for every n from −150 to 128, so that the first product is exact and only
    /// the second rounds.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static TVector ScaleInTwoFactors<TVector, TOps>(TVector x, TVector n) where TVector : struct where TOps : struct, IFloatVectorOps<TVector>
    {
        TOps o = default;
        TVector half = o.RoundToInteger(o.Multiply(n, o.Create(0.5f)));
        return o.Multiply(o.Multiply(x, o.PowerOfTwo(half)), o.PowerOfTwo(o.Subtract(n, half)));
    }
}

/// <summary><see cref="IFloatVectorOps{TVector}"/> on <see cref="Vector{T}"/>: what the .NET Standard builds have.</summary>
internal readonly struct VectorOps : IFloatVectorOps<Vector<float>>
{
    public int Count => Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Load(ReadOnlySpan<float> values, int index) => MemoryMarshal.Cast<float, Vector<float>>(values.Slice(index))[0];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector<float> value, Span<float> values, int index) => MemoryMarshal.Cast<float, Vector<float>>(values.Slice(index))[0] = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Add(Vector<float> a, Vector<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Subtract(Vector<float> a, Vector<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Multiply(Vector<float> a, Vector<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Divide(Vector<float> a, Vector<float> b) => a / b;

    // Vector<T> has no fused multiply-add before .NET 9: a multiply, then an add.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) => a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Min(Vector<float> a, Vector<float> b) => Vector.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Max(Vector<float> a, Vector<float> b) => Vector.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Abs(Vector<float> a) => Vector.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> LessThan(Vector<float> a, Vector<float> b) => Vector.AsVectorSingle(Vector.LessThan(a, b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> GreaterThanOrEqual(Vector<float> a, Vector<float> b) => Vector.AsVectorSingle(Vector.GreaterThanOrEqual(a, b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Select(Vector<float> mask, Vector<float> whenTrue, Vector<float> whenFalse) =>
        Vector.ConditionalSelect(Vector.AsVectorInt32(mask), whenTrue, whenFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> KeepNaN(Vector<float> input, Vector<float> result) =>
        Vector.ConditionalSelect(Vector.Equals(input, input), result, input);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> WithSignOf(Vector<float> magnitude, Vector<float> sign) =>
        Vector.AsVectorSingle(Vector.AsVectorInt32(magnitude) | (Vector.AsVectorInt32(sign) & new Vector<int>(int.MinValue)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> PowerOfTwo(Vector<float> n)
    {
        Vector<int> biased = Vector.AsVectorInt32(n + new Vector<float>(FloatVectorOps.RoundingShift)) + new Vector<int>(FloatVectorOps.ExponentBiasLessShiftBits);
#if NET8_0_OR_GREATER
        return Vector.AsVectorSingle(Vector.ShiftLeft(biased, 23));
#else
        // System.Numerics.Vectors has no shifts; a product by 2²³ is the same shift.
        return Vector.AsVectorSingle(biased * new Vector<int>(1 << 23));
#endif
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> ScaleByPowerOfTwo(Vector<float> x, Vector<float> n) =>
        FloatVectorOps.ScaleInTwoFactors<Vector<float>, VectorOps>(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> RoundToInteger(Vector<float> x) => FloatVectorOps.RoundByShift<Vector<float>, VectorOps>(x);
}

/// <summary>
/// <see cref="IFloatVectorOps{TVector}"/> on a single float, for hosts whose <see cref="Vector{T}"/> is not accelerated
/// (Unity's Mono and IL2CPP, .NET with hardware intrinsics off), where each <see cref="Vector{T}"/> operation would be a
/// loop over its lanes. Every result is cast to float, which rounds it where a host keeps float intermediates wider
/// (Mono): the rounding the functions rely on (<see cref="FloatVectorOps.RoundingShift"/>) is float's. A mask is NaN
/// for true and 0 for false.
/// </summary>
internal readonly struct ScalarOps : IFloatVectorOps<float>
{
    public int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Create(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(ReadOnlySpan<float> values, int index) => values[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float value, Span<float> values, int index) => values[index] = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Add(float a, float b) => (float)(a + b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Subtract(float a, float b) => (float)(a - b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Multiply(float a, float b) => (float)(a * b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Divide(float a, float b) => (float)(a / b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float MultiplyAdd(float a, float b, float c) => (float)((float)(a * b) + c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Min(float a, float b) => a < b ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Max(float a, float b) => a > b ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Abs(float a) => Math.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float LessThan(float a, float b) => a < b ? float.NaN : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float GreaterThanOrEqual(float a, float b) => a >= b ? float.NaN : 0f;

    // NaN != 0 is true, so the NaN of a true mask selects the first value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Select(float mask, float whenTrue, float whenFalse) => mask != 0f ? whenTrue : whenFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float KeepNaN(float input, float result) => float.IsNaN(input) ? input : result;

    // The sign bit through double (.NET Standard 2.0 has no float bit conversions); widening keeps the sign of −0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float WithSignOf(float magnitude, float sign) => BitConverter.DoubleToInt64Bits(sign) < 0 ? -magnitude : magnitude;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float PowerOfTwo(float n) => (float)BitConverter.Int64BitsToDouble((long)((int)n + 1023) << 52);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ScaleByPowerOfTwo(float x, float n) =>
        FloatVectorOps.ScaleInTwoFactors<float, ScalarOps>(x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float RoundToInteger(float x) => FloatVectorOps.RoundByShift<float, ScalarOps>(x);
}
