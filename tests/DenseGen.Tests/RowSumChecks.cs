using System;
using System.Runtime.Intrinsics;
using DenseGen.CompilerServices;

namespace DenseGen.Tests;

/// <summary>The row sums of two and three terms the recurrent step's input part takes, checked without a test framework.</summary>
public static class RowSumChecks
{
    /// <summary>
    /// The recurrent step's input part with two or three inputs reads a block's weights as whole vectors and sums each
    /// row's products with <see cref="VectorMath.SumEachPair(Vector256{float}, Vector256{float})"/> or
    /// <see cref="VectorMath.SumEachTriple(Vector256{float}, Vector256{float}, Vector256{float})"/> (and their 512-bit
    /// forms), where the Vector128 step holds each row in one vector, its other lanes zero, and sums it with
    /// <see cref="VectorMath.SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>: every
    /// row's sum must have the same bits. <see cref="KernelChecks"/> runs this on every kernel path (the fallbacks without
    /// AVX2 or AVX-512, and arm64, too), and <c>TileReductionTests</c> in the test run. Returns the number of checks.
    /// </summary>
    public static int Run()
    {
        var random = new Random(7);
        float Next() => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 21)));
        for (int trial = 0; trial < 2000; trial++)
        {
            var values = new float[48];
            for (int i = 0; i < values.Length; i++)
                values[i] = Next();
            Vector256<float> V256(int vector) => Vector256.Create(values, 8 * vector);
            Vector512<float> V512(int vector) => Vector512.Create(values, 16 * vector);
            // Row r of n terms, as the Vector128 step holds it: [v[nr], …, v[nr + n − 1], 0…], summed with the other rows of its quad.
            float Row(int n, int r)
            {
                Vector128<float> Held(int row) => Vector128.Create(
                    values[n * row], values[n * row + 1], n == 3 ? values[n * row + 2] : 0f, 0f);
                int quad = r / 4 * 4;
                return VectorMath.SumEach(Held(quad), Held(quad + 1), Held(quad + 2), Held(quad + 3)).GetElement(r % 4);
            }
            void Same(int n, int r, float actual, string form)
            {
                if (BitConverter.SingleToInt32Bits(Row(n, r)) != BitConverter.SingleToInt32Bits(actual))
                    throw new InvalidOperationException($"{form}: row {r} of {n} terms is {actual:R}, not {Row(n, r):R} as one vector sums it");
            }
            Vector256<float> pairs = VectorMath.SumEachPair(V256(0), V256(1));
            Vector512<float> widePairs = VectorMath.SumEachPair(V512(0), V512(1));
            Vector256<float> triples = VectorMath.SumEachTriple(V256(0), V256(1), V256(2));
            Vector512<float> wideTriples = VectorMath.SumEachTriple(V512(0), V512(1), V512(2));
            for (int r = 0; r < 8; r++)
            {
                Same(2, r, pairs.GetElement(r), "SumEachPair(Vector256)");
                Same(3, r, triples.GetElement(r), "SumEachTriple(Vector256)");
            }
            for (int r = 0; r < 16; r++)
            {
                Same(2, r, widePairs.GetElement(r), "SumEachPair(Vector512)");
                Same(3, r, wideTriples.GetElement(r), "SumEachTriple(Vector512)");
            }
        }
        return 1;
    }
}
