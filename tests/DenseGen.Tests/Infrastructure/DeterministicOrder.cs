using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// The fixed order of a deterministic layer (DenseAttribute.Deterministic), written out as plainly as possible and
/// independently of the generator: each forward dot product in 16 partial sums (input <c>i</c> into sum
/// <c>i mod 16</c>) added in the halving tree, then the bias; <c>db</c> and <c>dW</c> add the samples in order to what
/// they hold; <c>dX</c> adds the rows in order from zero. Each operation is one IEEE operation in <typeparamref name="T"/>
/// (.NET neither widens nor fuses them), so a layer's kernels, of any vector width, must match these bits exactly.
/// </summary>
internal static class DeterministicOrder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T[] Forward(T[] w, T[] b, T[] x, int inputs, int outputs, int samples)
    {
        var y = new T[samples * outputs];
        var lanes = new T[16];
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                Array.Clear(lanes);
                for (int i = 0; i < inputs; i++)
                    lanes[i % 16] += w[o * inputs + i] * x[s * inputs + i];
                for (int half = 8; half > 0; half /= 2)
                {
                    for (int j = 0; j < half; j++)
                        lanes[j] += lanes[j + half];
                }
                // A bias-free layer (an empty b) adds nothing, not even zero (which would turn a −0 sum into +0).
                y[s * outputs + o] = b.Length == 0 ? lanes[0] : lanes[0] + b[o];
            }
        }
        return y;
    }

    /// <summary>Adds this batch's gradients to <paramref name="dw"/> and <paramref name="db"/>, and returns dX.</summary>
    public static T[] Backward(T[] w, T[] x, T[] dy, T[] dw, T[] db, int inputs, int outputs, int samples)
    {
        var dx = new T[samples * inputs];
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                T g = dy[s * outputs + o];
                if (db.Length > 0)
                    db[o] += g;
                for (int i = 0; i < inputs; i++)
                {
                    dw[o * inputs + i] += g * x[s * inputs + i];
                    dx[s * inputs + i] += g * w[o * inputs + i];
                }
            }
        }
        return dx;
    }

    /// <summary>Throws unless <paramref name="actual"/> has exactly the bits of <paramref name="expected"/>.</summary>
    public static void RequireSameBits(ReadOnlySpan<T> actual, ReadOnlySpan<T> expected, string what)
    {
        if (actual.Length != expected.Length)
            throw new InvalidOperationException($"{what}: {actual.Length} values, expected {expected.Length}.");
        ReadOnlySpan<byte> a = MemoryMarshal.AsBytes(actual), e = MemoryMarshal.AsBytes(expected);
        if (a.SequenceEqual(e))
            return;
        for (int i = 0; i < actual.Length; i++)
        {
            if (!MemoryMarshal.AsBytes(actual.Slice(i, 1)).SequenceEqual(MemoryMarshal.AsBytes(expected.Slice(i, 1))))
                throw new InvalidOperationException($"{what}: element {i} is {actual[i]:R}, the fixed order gives {expected[i]:R}.");
        }
    }
}
