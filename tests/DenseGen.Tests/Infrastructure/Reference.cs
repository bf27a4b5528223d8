using System;
using System.Numerics;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// A plain double-precision fully connected layer, written from the formulas in docs/math.md and nothing else,
/// so it shares no code with the generator. Every result comes with the magnitude that bounds its rounding
/// error (see <see cref="ErrorBound"/>).
/// </summary>
internal static class Reference
{
    /// <summary>y[s, o] = Σ_i W[o, i] x[s, i] + b[o]; scale[s, o] = Σ_i |W[o, i] x[s, i]| + |b[o]|.</summary>
    public static (double[] Value, double[] Scale) Forward(double[] w, double[] b, double[] x, int inputs, int outputs)
    {
        int samples = x.Length / inputs;
        var y = new double[samples * outputs];
        var scale = new double[samples * outputs];
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double sum = b[o], magnitude = Math.Abs(b[o]);
                for (int i = 0; i < inputs; i++)
                {
                    double term = w[o * inputs + i] * x[s * inputs + i];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                y[s * outputs + o] = sum;
                scale[s * outputs + o] = magnitude;
            }
        }
        return (y, scale);
    }

    /// <summary>dW[o, i] = Σ_s dy[s, o] x[s, i], with the sum of |terms|.</summary>
    public static (double[] Value, double[] Scale) WeightGradient(double[] x, double[] dy, int inputs, int outputs)
    {
        int samples = x.Length / inputs;
        var dw = new double[outputs * inputs];
        var scale = new double[outputs * inputs];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < inputs; i++)
            {
                double sum = 0, magnitude = 0;
                for (int s = 0; s < samples; s++)
                {
                    double term = dy[s * outputs + o] * x[s * inputs + i];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                dw[o * inputs + i] = sum;
                scale[o * inputs + i] = magnitude;
            }
        }
        return (dw, scale);
    }

    /// <summary>db[o] = Σ_s dy[s, o], with the sum of |terms|.</summary>
    public static (double[] Value, double[] Scale) BiasGradient(double[] dy, int outputs)
    {
        int samples = dy.Length / outputs;
        var db = new double[outputs];
        var scale = new double[outputs];
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                db[o] += dy[s * outputs + o];
                scale[o] += Math.Abs(dy[s * outputs + o]);
            }
        }
        return (db, scale);
    }

    /// <summary>dx[s, i] = Σ_o dy[s, o] W[o, i], with the sum of |terms|.</summary>
    public static (double[] Value, double[] Scale) InputGradient(double[] w, double[] dy, int inputs, int outputs)
    {
        int samples = dy.Length / outputs;
        var dx = new double[samples * inputs];
        var scale = new double[samples * inputs];
        for (int s = 0; s < samples; s++)
        {
            for (int i = 0; i < inputs; i++)
            {
                double sum = 0, magnitude = 0;
                for (int o = 0; o < outputs; o++)
                {
                    double term = dy[s * outputs + o] * w[o * inputs + i];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                dx[s * inputs + i] = sum;
                scale[s * inputs + i] = magnitude;
            }
        }
        return (dx, scale);
    }

    /// <summary>The activation of a pre-activation value, from its textbook definition; leaky ReLU's slope below 0 is <paramref name="negativeSlope"/>.</summary>
    public static double Activate(Activation activation, double z, double negativeSlope = 0.01) => activation switch
    {
        Activation.None => z,
        Activation.ReLU => z > 0 ? z : 0,
        Activation.LeakyReLU => z > 0 ? z : negativeSlope * z,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Activation.Tanh => Math.Tanh(z),
        Activation.ELU => z > 0 ? z : ExpM1(z),
        Activation.SiLU => z / (1 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>
    /// The activation's derivative at the pre-activation <paramref name="z"/> whose activation is <paramref name="y"/>:
    /// from y for every activation a layer differentiates through its output, from z for SiLU, whose layers recompute z.
    /// </summary>
    public static double ActivationDerivative(Activation activation, double z, double y, double negativeSlope = 0.01) =>
        activation == Activation.SiLU ? SiLUDerivative(z) : OutputDerivative(activation, y, negativeSlope);

    /// <summary>SiLU′(z) = σ(z)(1 + z(1 − σ(z))), with 1 − σ(z) as e^(−z)σ(z), which does not cancel.</summary>
    public static double SiLUDerivative(double z)
    {
        double e = Math.Exp(-z), s = 1 / (1 + e);
        return double.IsPositiveInfinity(e) ? 0 : s * (1 + z * (e * s));
    }

    /// <summary>The largest |act′|, by which an error in z reaches y: 1 for all but SiLU, whose derivative peaks at 1.0998 (z ≈ 2.4).</summary>
    public static double Lipschitz(Activation activation) => activation == Activation.SiLU ? 1.1 : 1;

    /// <summary>
    /// How far the dZ a layer forms may be from dY ⊙ act′ taken at the exact pre-activation, per |dY|, when its own z
    /// is off by <paramref name="zError"/> and its arithmetic rounds at <paramref name="u"/>. Activations differentiated
    /// through the output: 3u (the reference takes their derivative from the layer's own output, so only dZ's rounding
    /// is left). SiLU, differentiated at its recomputed z: |act″| ≤ ½ times z's error, plus the rounding of
    /// σ(1 + z e σ) with e = e^(−z) within 2 ulps (4u) and σ = 1/(1 + e) within 6u: z e σ within 12u of itself, the
    /// sum adds u of |1 + w|, the product 7u of |act′|, and the product with dY one u more.
    /// </summary>
    public static double DerivativeError(Activation activation, double z, double zError, double u)
    {
        if (activation != Activation.SiLU)
            return 3 * u;
        double e = Math.Exp(-z), s = double.IsPositiveInfinity(e) ? 0 : 1 / (1 + e);
        double w = double.IsPositiveInfinity(e) ? 0 : z * e * s;
        return 0.5 * zError + u * (8 * Math.Abs(SiLUDerivative(z)) + s * (12 * Math.Abs(w) + Math.Abs(1 + w)));
    }

    /// <summary>
    /// e^z − 1 from its Taylor series below |z| = ½ (where subtracting 1 from e^z would cancel), to double rounding:
    /// the terms fall by at least half each, so 40 of them leave a remainder below 2⁻⁴⁰ of the first.
    /// </summary>
    public static double ExpM1(double z)
    {
        if (Math.Abs(z) >= 0.5)
            return Math.Exp(z) - 1;
        double term = z, sum = 0;
        for (int n = 2; n <= 41; n++)
        {
            sum += term;
            term *= z / n;
        }
        return sum;
    }

    /// <summary>The activation's derivative, written as a function of its output y, leaky ReLU's of slope 0.01.</summary>
    public static double ActivationDerivative(Activation activation, double y) => OutputDerivative(activation, y, 0.01);

    /// <summary>The activation's derivative, written as a function of its output y; leaky ReLU's slope below 0 is <paramref name="negativeSlope"/>.</summary>
    public static double OutputDerivative(Activation activation, double y, double negativeSlope) => activation switch
    {
        Activation.None => 1,
        Activation.ReLU => y > 0 ? 1 : 0,
        Activation.LeakyReLU => y > 0 ? 1 : negativeSlope,
        Activation.Sigmoid => y * (1 - y),
        Activation.Tanh => 1 - y * y,
        Activation.ELU => y > 0 ? 1 : y + 1,
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>
    /// The activation's own rounding, in units of u relative to |y| (an ulp is at most 2u|y|). ReLU is exact.
    /// LeakyReLU multiplies by its slope rounded to the element type (≤ u) and rounds the product (≤ u): 2. Float
    /// sigmoid, tanh, ELU and SiLU are DenseGen's vector functions, within 4, 5, 3 and 5 ulps (docs/math.md,
    /// VectorTranscendentalsChecks): 8, 10, 6 and 10. Double ones call the math library's exp or tanh, within 2 ulps
    /// (≤ 4u), sigmoid and SiLU adding two correctly rounded operations (≤ 2u), or DenseGen's own e^z − 1 (ELU, a few
    /// ulps): within the same figures.
    /// </summary>
    public static double ActivationRounding(Activation activation) => activation switch
    {
        Activation.None or Activation.ReLU => 0,
        Activation.LeakyReLU => 2,
        Activation.Sigmoid => 8,
        Activation.ELU => 6,
        _ => 10,
    };
}


/// <summary>
/// The tolerance every numerical test uses, derived rather than chosen.
/// </summary>
/// <remarks>
/// A sum of n products computed in floating point with unit roundoff u, in any order and with or without
/// fused multiply-add, satisfies |computed − exact| ≤ γ(n) · Σ|terms|, where γ(n) = n·u / (1 − n·u)
/// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1, eq. 3.5). A bias added to a dot
/// product of length n counts as one more term. The reference above is itself a double sum with its own
/// γ(n) at u = 2⁻⁵³, so the test allows the layer's bound plus the reference's: for a float layer that adds
/// almost nothing; for a double layer it doubles the bound. Inputs are generated in the layer's element type
/// and widened exactly, so input conversion adds no error.
/// </remarks>
internal static class ErrorBound
{
    public const double FloatRoundoff = 1.0 / (1 << 24);        // 2⁻²⁴
    public const double DoubleRoundoff = 1.0 / (1L << 53);      // 2⁻⁵³

    public static double Roundoff<T>() where T : IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? FloatRoundoff : typeof(T) == typeof(double) ? DoubleRoundoff
        : throw new NotSupportedException(typeof(T).Name);

    public static double Gamma(int terms, double roundoff) => terms * roundoff / (1 - terms * roundoff);

    /// <summary>The largest allowed |layer − reference| for a sum of <paramref name="terms"/> terms whose magnitudes add to <paramref name="scale"/>.</summary>
    public static double Allowed<T>(int terms, double scale) where T : IFloatingPointIeee754<T> =>
        (Gamma(terms, Roundoff<T>()) + Gamma(terms, DoubleRoundoff)) * scale;
}
