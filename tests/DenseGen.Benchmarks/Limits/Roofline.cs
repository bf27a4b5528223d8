using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DenseGen.Benchmarks;

/// <summary>
/// The machine's limits the layers are measured against, run in the same process as the layers: the core's fp32
/// fused multiply-add peak and the time to stream a layer's weights from L2. Each loop does nothing but the
/// limiting operation at the widest accelerated vector width, so a kernel cannot beat it.
/// </summary>
public static class Roofline
{
    /// <summary>Fused multiply-adds per <see cref="FmaPeak12"/> and <see cref="FmaPeak24"/> call.</summary>
    public const int FmaIterations = 20_000;

    /// <summary>The vector width the peak loops use: 16 floats with AVX-512, else 8 (AVX2 + FMA).</summary>
    public static int Lanes => Vector512.IsHardwareAccelerated ? 16 : 8;

    /// <summary>Floating-point operations in one <see cref="FmaPeak12"/> call (two per lane per fused multiply-add).</summary>
    public static long FmaPeak12Flops => 2L * Lanes * 12 * FmaIterations;

    /// <summary>Chains in <see cref="FmaPeak24"/>: 24 of the 32 AVX-512 registers; 14 of 16 without AVX-512, the two constants taking the rest.</summary>
    public static int CrossCheckChains => Vector512.IsHardwareAccelerated ? 24 : 14;

    /// <summary>Floating-point operations in one <see cref="FmaPeak24"/> call.</summary>
    public static long FmaPeak24Flops => 2L * Lanes * CrossCheckChains * FmaIterations;

    /// <summary>
    /// 12 independent multiply-add chains: enough to cover a 4-cycle latency on two pipes (8 in flight) with room to
    /// spare. Values stay finite and normal: each chain converges to c / (1 - m).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float FmaPeak12(float m, float c)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vm = Vector512.Create(m), vc = Vector512.Create(c);
            Vector512<float> a0 = vc, a1 = vc, a2 = vc, a3 = vc, a4 = vc, a5 = vc, a6 = vc, a7 = vc, a8 = vc, a9 = vc, a10 = vc, a11 = vc;
            for (int i = 0; i < FmaIterations; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, vm, vc); a1 = Vector512.FusedMultiplyAdd(a1, vm, vc);
                a2 = Vector512.FusedMultiplyAdd(a2, vm, vc); a3 = Vector512.FusedMultiplyAdd(a3, vm, vc);
                a4 = Vector512.FusedMultiplyAdd(a4, vm, vc); a5 = Vector512.FusedMultiplyAdd(a5, vm, vc);
                a6 = Vector512.FusedMultiplyAdd(a6, vm, vc); a7 = Vector512.FusedMultiplyAdd(a7, vm, vc);
                a8 = Vector512.FusedMultiplyAdd(a8, vm, vc); a9 = Vector512.FusedMultiplyAdd(a9, vm, vc);
                a10 = Vector512.FusedMultiplyAdd(a10, vm, vc); a11 = Vector512.FusedMultiplyAdd(a11, vm, vc);
            }
            return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
        }
        else
        {
            Vector256<float> vm = Vector256.Create(m), vc = Vector256.Create(c);
            Vector256<float> a0 = vc, a1 = vc, a2 = vc, a3 = vc, a4 = vc, a5 = vc, a6 = vc, a7 = vc, a8 = vc, a9 = vc, a10 = vc, a11 = vc;
            for (int i = 0; i < FmaIterations; i++)
            {
                a0 = Vector256.FusedMultiplyAdd(a0, vm, vc); a1 = Vector256.FusedMultiplyAdd(a1, vm, vc);
                a2 = Vector256.FusedMultiplyAdd(a2, vm, vc); a3 = Vector256.FusedMultiplyAdd(a3, vm, vc);
                a4 = Vector256.FusedMultiplyAdd(a4, vm, vc); a5 = Vector256.FusedMultiplyAdd(a5, vm, vc);
                a6 = Vector256.FusedMultiplyAdd(a6, vm, vc); a7 = Vector256.FusedMultiplyAdd(a7, vm, vc);
                a8 = Vector256.FusedMultiplyAdd(a8, vm, vc); a9 = Vector256.FusedMultiplyAdd(a9, vm, vc);
                a10 = Vector256.FusedMultiplyAdd(a10, vm, vc); a11 = Vector256.FusedMultiplyAdd(a11, vm, vc);
            }
            return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
        }
    }

    /// <summary>
    /// The cross-check: 24 chains (14 without AVX-512, see <see cref="CrossCheckChains"/>) against the 12 of
    /// <see cref="FmaPeak12"/>. If either loop were limited by latency or by spills, the two would disagree.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float FmaPeak24(float m, float c)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vm = Vector512.Create(m), vc = Vector512.Create(c);
            Vector512<float> a0 = vc, a1 = vc, a2 = vc, a3 = vc, a4 = vc, a5 = vc, a6 = vc, a7 = vc, a8 = vc, a9 = vc, a10 = vc, a11 = vc;
            Vector512<float> b0 = vc, b1 = vc, b2 = vc, b3 = vc, b4 = vc, b5 = vc, b6 = vc, b7 = vc, b8 = vc, b9 = vc, b10 = vc, b11 = vc;
            for (int i = 0; i < FmaIterations; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, vm, vc); a1 = Vector512.FusedMultiplyAdd(a1, vm, vc);
                a2 = Vector512.FusedMultiplyAdd(a2, vm, vc); a3 = Vector512.FusedMultiplyAdd(a3, vm, vc);
                a4 = Vector512.FusedMultiplyAdd(a4, vm, vc); a5 = Vector512.FusedMultiplyAdd(a5, vm, vc);
                a6 = Vector512.FusedMultiplyAdd(a6, vm, vc); a7 = Vector512.FusedMultiplyAdd(a7, vm, vc);
                a8 = Vector512.FusedMultiplyAdd(a8, vm, vc); a9 = Vector512.FusedMultiplyAdd(a9, vm, vc);
                a10 = Vector512.FusedMultiplyAdd(a10, vm, vc); a11 = Vector512.FusedMultiplyAdd(a11, vm, vc);
                b0 = Vector512.FusedMultiplyAdd(b0, vm, vc); b1 = Vector512.FusedMultiplyAdd(b1, vm, vc);
                b2 = Vector512.FusedMultiplyAdd(b2, vm, vc); b3 = Vector512.FusedMultiplyAdd(b3, vm, vc);
                b4 = Vector512.FusedMultiplyAdd(b4, vm, vc); b5 = Vector512.FusedMultiplyAdd(b5, vm, vc);
                b6 = Vector512.FusedMultiplyAdd(b6, vm, vc); b7 = Vector512.FusedMultiplyAdd(b7, vm, vc);
                b8 = Vector512.FusedMultiplyAdd(b8, vm, vc); b9 = Vector512.FusedMultiplyAdd(b9, vm, vc);
                b10 = Vector512.FusedMultiplyAdd(b10, vm, vc); b11 = Vector512.FusedMultiplyAdd(b11, vm, vc);
            }
            Vector512<float> a = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
            Vector512<float> b = ((b0 + b1) + (b2 + b3)) + ((b4 + b5) + (b6 + b7)) + ((b8 + b9) + (b10 + b11));
            return Vector512.Sum(a + b);
        }
        else
        {
            Vector256<float> vm = Vector256.Create(m), vc = Vector256.Create(c);
            Vector256<float> a0 = vc, a1 = vc, a2 = vc, a3 = vc, a4 = vc, a5 = vc, a6 = vc, a7 = vc, a8 = vc, a9 = vc, a10 = vc, a11 = vc;
            Vector256<float> b0 = vc, b1 = vc;
            for (int i = 0; i < FmaIterations; i++)
            {
                a0 = Vector256.FusedMultiplyAdd(a0, vm, vc); a1 = Vector256.FusedMultiplyAdd(a1, vm, vc);
                a2 = Vector256.FusedMultiplyAdd(a2, vm, vc); a3 = Vector256.FusedMultiplyAdd(a3, vm, vc);
                a4 = Vector256.FusedMultiplyAdd(a4, vm, vc); a5 = Vector256.FusedMultiplyAdd(a5, vm, vc);
                a6 = Vector256.FusedMultiplyAdd(a6, vm, vc); a7 = Vector256.FusedMultiplyAdd(a7, vm, vc);
                a8 = Vector256.FusedMultiplyAdd(a8, vm, vc); a9 = Vector256.FusedMultiplyAdd(a9, vm, vc);
                a10 = Vector256.FusedMultiplyAdd(a10, vm, vc); a11 = Vector256.FusedMultiplyAdd(a11, vm, vc);
                b0 = Vector256.FusedMultiplyAdd(b0, vm, vc); b1 = Vector256.FusedMultiplyAdd(b1, vm, vc);
            }
            Vector256<float> a = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
            return Vector256.Sum(a + (b0 + b1));
        }
    }

    /// <summary>
    /// Reads <paramref name="weights"/> once, as the widest vectors, into eight independent sums: the least a
    /// one-sample forward pass must do. Any length: whole blocks of eight vectors, then up to seven single vectors, then
    /// the last vector's worth ending at the end (overlapping the one before it), each into a sum of its own, or single
    /// floats when the whole span is shorter than one vector; a multiple of 128 floats reads only whole blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Read(ReadOnlySpan<float> weights)
    {
        ref float w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        nuint length = (nuint)weights.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            nuint i = 0;
            for (; i + 128 <= length; i += 128)
            {
                a0 += Vector512.LoadUnsafe(ref w, i); a1 += Vector512.LoadUnsafe(ref w, i + 16);
                a2 += Vector512.LoadUnsafe(ref w, i + 32); a3 += Vector512.LoadUnsafe(ref w, i + 48);
                a4 += Vector512.LoadUnsafe(ref w, i + 64); a5 += Vector512.LoadUnsafe(ref w, i + 80);
                a6 += Vector512.LoadUnsafe(ref w, i + 96); a7 += Vector512.LoadUnsafe(ref w, i + 112);
            }
            if (i < length)
            {
                if (length < 16)
                    return ReadScalars(weights);
                // Up to seven whole vectors left, each into a sum of its own, then the last vector's worth into the eighth.
                nuint rest = (length - i) / 16;
                if (rest > 0) a0 += Vector512.LoadUnsafe(ref w, i);
                if (rest > 1) a1 += Vector512.LoadUnsafe(ref w, i + 16);
                if (rest > 2) a2 += Vector512.LoadUnsafe(ref w, i + 32);
                if (rest > 3) a3 += Vector512.LoadUnsafe(ref w, i + 48);
                if (rest > 4) a4 += Vector512.LoadUnsafe(ref w, i + 64);
                if (rest > 5) a5 += Vector512.LoadUnsafe(ref w, i + 80);
                if (rest > 6) a6 += Vector512.LoadUnsafe(ref w, i + 96);
                i += rest * 16;
                if (i < length)
                    a7 += Vector512.LoadUnsafe(ref w, length - 16);
            }
            return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
        }
        else
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            nuint i = 0;
            for (; i + 64 <= length; i += 64)
            {
                a0 += Vector256.LoadUnsafe(ref w, i); a1 += Vector256.LoadUnsafe(ref w, i + 8);
                a2 += Vector256.LoadUnsafe(ref w, i + 16); a3 += Vector256.LoadUnsafe(ref w, i + 24);
                a4 += Vector256.LoadUnsafe(ref w, i + 32); a5 += Vector256.LoadUnsafe(ref w, i + 40);
                a6 += Vector256.LoadUnsafe(ref w, i + 48); a7 += Vector256.LoadUnsafe(ref w, i + 56);
            }
            if (i < length)
            {
                if (length < 8)
                    return ReadScalars(weights);
                // Up to seven whole vectors left, each into a sum of its own, then the last vector's worth into the eighth.
                nuint rest = (length - i) / 8;
                if (rest > 0) a0 += Vector256.LoadUnsafe(ref w, i);
                if (rest > 1) a1 += Vector256.LoadUnsafe(ref w, i + 8);
                if (rest > 2) a2 += Vector256.LoadUnsafe(ref w, i + 16);
                if (rest > 3) a3 += Vector256.LoadUnsafe(ref w, i + 24);
                if (rest > 4) a4 += Vector256.LoadUnsafe(ref w, i + 32);
                if (rest > 5) a5 += Vector256.LoadUnsafe(ref w, i + 40);
                if (rest > 6) a6 += Vector256.LoadUnsafe(ref w, i + 48);
                i += rest * 8;
                if (i < length)
                    a7 += Vector256.LoadUnsafe(ref w, length - 8);
            }
            return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
        }
    }

    /// <summary>The spans shorter than one vector: <see cref="Read"/> float by float.</summary>
    private static float ReadScalars(ReadOnlySpan<float> weights)
    {
        float sum = 0;
        foreach (float weight in weights)
            sum += weight;
        return sum;
    }

    /// <summary>
    /// Reads <paramref name="weights"/> once while adding <c>scale × weights</c> into <paramref name="gradient"/> of the
    /// same length (load, multiply-add, store): one sweep of a fused one-sample backward, which reads W for ∂L/∂x and
    /// read-modify-writes ∂L/∂W. The length must be a multiple of 64.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void ReadWhileUpdating(ReadOnlySpan<float> weights, Span<float> gradient, float scale)
    {
        ref float w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        ref float g = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(gradient);
        nuint length = (nuint)weights.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s = Vector512.Create(scale);
            for (nuint i = 0; i < length; i += 64)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i), s, Vector512.LoadUnsafe(ref g, i)).StoreUnsafe(ref g, i);
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i + 16), s, Vector512.LoadUnsafe(ref g, i + 16)).StoreUnsafe(ref g, i + 16);
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i + 32), s, Vector512.LoadUnsafe(ref g, i + 32)).StoreUnsafe(ref g, i + 32);
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i + 48), s, Vector512.LoadUnsafe(ref g, i + 48)).StoreUnsafe(ref g, i + 48);
            }
        }
        else
        {
            Vector256<float> s = Vector256.Create(scale);
            for (nuint i = 0; i < length; i += 32)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, i), s, Vector256.LoadUnsafe(ref g, i)).StoreUnsafe(ref g, i);
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, i + 8), s, Vector256.LoadUnsafe(ref g, i + 8)).StoreUnsafe(ref g, i + 8);
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, i + 16), s, Vector256.LoadUnsafe(ref g, i + 16)).StoreUnsafe(ref g, i + 16);
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, i + 24), s, Vector256.LoadUnsafe(ref g, i + 24)).StoreUnsafe(ref g, i + 24);
            }
        }
    }
}
