using System;

/// <summary>
/// A dense layer's results against plain loops in double, for the consumer programs. The tolerance is the float error
/// bound of a dot product of n terms, γ(n)·Σ|terms| with γ(n) = n·u / (1 − n·u) and u = 2⁻²⁴ (Higham eq. 3.5), plus a
/// hair for the double reference's own rounding.
/// </summary>
internal static class ReferenceChecks
{
    private static readonly double U = Math.Pow(2, -24);

    /// <summary>
    /// Counts the values of <paramref name="y"/> = W x + b (through ReLU if <paramref name="relu"/>), row-major
    /// <c>[samples, outputs]</c>, that lie outside the bound; ReLU moves no value further from the reference than its
    /// input was.
    /// </summary>
    public static int Forward(float[] w, float[] b, float[] x, float[] y, int inputs, bool relu = false)
    {
        int outputs = b.Length, failures = 0;
        for (int s = 0; s < x.Length / inputs; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double sum = b[o], magnitude = Math.Abs(b[o]);
                for (int i = 0; i < inputs; i++)
                {
                    double term = (double)w[o * inputs + i] * x[s * inputs + i];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                double expected = relu ? Math.Max(sum, 0) : sum;
                if (!(Math.Abs(y[s * outputs + o] - expected) <= Bound(inputs + 1, magnitude)))
                    failures++;
            }
        }
        return failures;
    }

    /// <summary>Counts the values of <paramref name="dx"/> = Wᵀ dy, <c>[samples, inputs]</c>, outside the bound.</summary>
    public static int InputGradient(float[] w, float[] dy, float[] dx, int inputs, int outputs)
    {
        int failures = 0;
        for (int s = 0; s < dx.Length / inputs; s++)
        {
            for (int i = 0; i < inputs; i++)
            {
                double sum = 0, magnitude = 0;
                for (int o = 0; o < outputs; o++)
                {
                    double term = (double)dy[s * outputs + o] * w[o * inputs + i];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                if (!(Math.Abs(dx[s * inputs + i] - sum) <= Bound(outputs, magnitude)))
                    failures++;
            }
        }
        return failures;
    }

    private static double Bound(int terms, double magnitude) => terms * U / (1 - terms * U) * magnitude + 1e-12;
}
