using System;

namespace DenseGen.Benchmarks;

/// <summary>
/// Checks an implementation's MLP outputs against a double-precision reference before anything is timed, so the
/// benchmark cannot compare a fast wrong answer. The bound: a float dot product of n terms, in any order, with or
/// without fused multiply-adds, is within γ_n Σ|aᵢbᵢ| of the exact sum (γ_n = n·u / (1 − n·u), u = 2⁻²⁴), the bias
/// counting as one more term; ReLU does not enlarge an error; the output layer adds its own γ_129 term to
/// Σ|W₂| times the hidden layer's error.
/// </summary>
public static class MlpReference
{
    public static void Check(OrtComparisonMlp mlp, ReadOnlySpan<float> input, ReadOnlySpan<float> output, string who)
    {
        const int In = 784, Hidden = 128, Out = 10;
        ReadOnlySpan<float> w1 = mlp.Hidden.Weights, b1 = mlp.Hidden.Bias, w2 = mlp.Output.Weights, b2 = mlp.Output.Bias;
        int samples = input.Length / In;
        var h = new double[Hidden];
        var hError = new double[Hidden];
        for (int s = 0; s < samples; s++)
        {
            ReadOnlySpan<float> x = input.Slice(s * In, In);
            for (int o = 0; o < Hidden; o++)
            {
                double sum = b1[o], magnitude = Math.Abs(b1[o]);
                for (int i = 0; i < In; i++)
                {
                    sum += (double)w1[o * In + i] * x[i];
                    magnitude += Math.Abs((double)w1[o * In + i] * x[i]);
                }
                h[o] = Math.Max(sum, 0);
                hError[o] = Gamma(In + 1) * magnitude;
            }
            for (int o = 0; o < Out; o++)
            {
                double sum = b2[o], magnitude = Math.Abs(b2[o]), propagated = 0;
                for (int i = 0; i < Hidden; i++)
                {
                    double weight = w2[o * Hidden + i];
                    sum += weight * h[i];
                    magnitude += Math.Abs(weight) * (h[i] + hError[i]);
                    propagated += Math.Abs(weight) * hError[i];
                }
                double bound = Gamma(Hidden + 1) * magnitude + propagated;
                double actual = output[s * Out + o];
                if (!(Math.Abs(actual - sum) <= bound))
                    throw new InvalidOperationException(
                        $"{who}'s MLP output [{s}, {o}] is {actual}, the reference {sum}: off by {Math.Abs(actual - sum):G3}, more than the bound {bound:G3}.");
            }
        }
    }

    private static double Gamma(int n)
    {
        double nu = n * Math.Pow(2, -24);
        return nu / (1 - nu);
    }
}
