namespace DenseGen.Benchmarks;

/// <summary>
/// The weights of the ONNX Runtime comparison's MLP, from the integer hash that <c>Models/make_mlp_onnx.py</c> uses for
/// the model file, so both sides hold the same floats. Each value is an integer in [-2^23, 2^23) times a power of two:
/// exact in float32, computed identically in both languages.
/// </summary>
public static class MlpWeights
{
    /// <summary>Fills <paramref name="values"/> with tensor <paramref name="tensor"/>'s values in [-2^exponent, 2^exponent).</summary>
    public static void Fill(System.Span<float> values, int tensor, int exponent)
    {
        for (int n = 0; n < values.Length; n++)
        {
            ulong h = ((ulong)n * 2654435761UL + (ulong)tensor * 40503UL + 12345UL) & 0xFFFFFFFFUL;
            h ^= h >> 15;
            h = (h * 2246822519UL) & 0xFFFFFFFFUL;
            h ^= h >> 13;
            long mantissa = (long)(h >> 8) - (1L << 23);
            values[n] = (float)(mantissa * System.Math.Pow(2, exponent - 23));
        }
    }

    /// <summary>Gives <paramref name="network"/> the model file's weights.</summary>
    public static void Fill(OrtComparisonMlp network)
    {
        Fill(network.Hidden.Weights, 0, -5);
        Fill(network.Hidden.Bias, 1, -5);
        Fill(network.Output.Weights, 2, -4);
        Fill(network.Output.Bias, 3, -4);
    }
}
