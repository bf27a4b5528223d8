using System;

// The generator compiles this file too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) finds one DeterministicMath in each.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator;
#else
namespace DenseGen;
#endif

/// <summary>
/// The transcendental functions DenseGen needs (exp, exp − 1, log, tanh, the logistic sigmoid, integer powers) from
/// IEEE additions, subtractions, multiplications and divisions, and exact operations (rounding to an integer,
/// scaling by a power of two), in a fixed order with fixed constants: the same bits on every machine, operating
/// system and runtime, where <see cref="Math"/> and <c>MathF</c> call the C runtime, whose results differ between
/// platforms in the last bit. The float versions compute in double and round once, so a host that keeps float
/// intermediates in double (Mono) computes them the same way.
/// </summary>
/// <remarks>
/// Accuracy, measured against <see cref="Math"/> by the tests (DeterministicMathTests): the float functions are
/// within one unit in the last place of the exact value (almost always correctly rounded), the double functions
/// within a few units in the last place.
/// </remarks>
internal static class DeterministicMath
{
    private const double Log2E = 1.4426950408889634074;

    // ln 2 split so that k · Ln2High is exact for |k| < 2²¹ (its low 21 bits are zero), as in fdlibm.
    private const double Ln2High = 6.93147180369123816490e-01;
    private const double Ln2Low = 1.90821492927058770002e-10;

    private const double Ln2 = 0.69314718055994530942;

    /// <summary>Above this, e^x overflows to infinity.</summary>
    private const double ExpOverflow = 709.782712893384;

    /// <summary>Below this, e^x is below half the smallest subnormal and rounds to zero.</summary>
    private const double ExpUnderflow = -745.1332191019412;

    /// <summary>e^x.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
            return x;
        if (x > ExpOverflow)
            return double.PositiveInfinity;
        if (x < ExpUnderflow)
            return 0;
        // x = k ln 2 + r with |r| ≤ ln 2 / 2, then e^x = 2^k e^r.
        double k = Math.Round(x * Log2E);
        double r = (x - k * Ln2High) - k * Ln2Low;
        return ScaleByPowerOfTwo(ExpSeries(r), (int)k);
    }

    /// <summary>e^x − 1, accurate near 0 where <c>Exp(x) - 1</c> would cancel.</summary>
    public static double ExpM1(double x)
    {
        if (double.IsNaN(x))
            return x;
        // Below ln 2 the series, which cannot cancel; above it e^x − 1 is at least 1 (or at most −½), so subtracting
        // 1 from e^x loses at most a bit.
        if (Math.Abs(x) < 0.69314718055994530942)
            return x * ExpM1Series(x);
        return Exp(x) - 1;
    }

    /// <summary>Natural logarithm; NaN below 0, −∞ at 0.</summary>
    public static double Log(double x)
    {
        if (double.IsNaN(x) || x < 0)
            return double.NaN;
        if (x == 0)
            return double.NegativeInfinity;
        if (double.IsPositiveInfinity(x))
            return x;
        // Subnormals: scale into the normal range first (exactly), then take the 54 back.
        if (x < 2.2250738585072014E-308)
            return LogOfNormal(x * 18014398509481984.0) - 54 * Ln2;
        return LogOfNormal(x);
    }

    /// <summary>
    /// ln x of a positive, normal <paramref name="x"/>: <c>x = m 2ᵉ</c> with <c>m</c> in <c>[√½, √2)</c>, then
    /// <c>ln m = 2 atanh t</c>, <c>t = (m − 1)/(m + 1)</c>, whose odd series has converged to double precision after 12
    /// terms (<c>|t| &lt; 0.172</c>). The seeded initializers' normal samples use it, so it must not change.
    /// </summary>
    internal static double LogOfNormal(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }
        double t = (m - 1) / (m + 1);
        double t2 = t * t;
        double term = t, sum = 0;
        for (int k = 1; k <= 23; k += 2)
        {
            sum += term / k;
            term *= t2;
        }
        return 2 * sum + exponent * Ln2;
    }

    /// <summary>tanh x, odd, with tanh(±0) = ±0.</summary>
    public static double Tanh(double x)
    {
        if (double.IsNaN(x))
            return x;
        double a = Math.Abs(x);
        // tanh 22 = 1 − 1.6·10⁻¹⁹, which rounds to 1.
        double t = a > 22 ? 1 : TanhOfNonNegative(a);
        return BitConverter.DoubleToInt64Bits(x) < 0 ? -t : t;
    }

    private static double TanhOfNonNegative(double a)
    {
        // tanh a = (e^2a − 1)/(e^2a + 1), with e^2a − 1 taken without cancellation.
        double e = ExpM1(2 * a);
        return e / (e + 2);
    }

    /// <summary>The logistic sigmoid 1 / (1 + e^−x).</summary>
    public static double Sigmoid(double x) => 1 / (1 + Exp(-x));

    /// <summary><paramref name="x"/> to a non-negative integer power, by squaring: the same rounding on every machine, where <c>Math.Pow</c>'s is the C runtime's.</summary>
    public static double Pow(double x, long power)
    {
        double result = 1, square = x;
        for (long n = power; n > 0; n >>= 1)
        {
            if ((n & 1) != 0)
                result *= square;
            square *= square;
        }
        return result;
    }

    public static float Exp(float x) => (float)Exp((double)x);

    public static float Log(float x) => (float)Log((double)x);

    public static float Tanh(float x) => (float)Tanh((double)x);

    public static float Sigmoid(float x) => (float)Sigmoid((double)x);

    public static float ExpM1(float x) => (float)ExpM1((double)x);

    /// <summary>SiLU, <c>x / (1 + e^(−x))</c>: one division rather than a product with the sigmoid, so one rounding fewer.</summary>
    public static double SiLU(double x) => x / (1 + Exp(-x));

    /// <summary>SiLU, computed in double and rounded once.</summary>
    public static float SiLU(float x) => (float)SiLU((double)x);

    /// <summary>
    /// SiLU's derivative <c>σ(x) (1 + x (1 − σ(x)))</c>, with <c>1 − σ(x)</c> formed as <c>e^(−x) σ(x)</c>, which does not
    /// cancel where σ(x) is near 1. Where <c>e^(−x)</c> leaves the range the formula would give ∞·0, so the limits stand
    /// in: 0 where it overflows (the exact value, about (1 + x) e^x, is below 10⁻³⁰⁵ there) and 1 where it is 0.
    /// </summary>
    public static double SiLUDerivative(double x)
    {
        double e = Exp(-x);
        if (double.IsPositiveInfinity(e))
            return 0;
        if (e == 0)
            return 1;
        double sigmoid = 1 / (1 + e);
        return sigmoid * (1 + x * (e * sigmoid));
    }

    /// <summary>SiLU's derivative, computed in double and rounded once.</summary>
    public static float SiLUDerivative(float x) => (float)SiLUDerivative((double)x);

    /// <summary>ELU with α = 1: <c>x</c> above 0, else <c>e^x − 1</c>; NaN stays NaN.</summary>
    public static double Elu(double x) => x > 0 ? x : ExpM1(x);

    /// <summary>ELU with α = 1, computed in double and rounded once.</summary>
    public static float Elu(float x) => x > 0 ? x : ExpM1(x);

    // e^r for |r| ≤ ln 2 / 2 by its Taylor series to r¹³ (the next term is below 2⁻⁵³ of the sum), in Horner form.
    private static double ExpSeries(double r) =>
        1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600 + r * (1.0 / 6227020800)))))))))))));

    // (e^x − 1)/x for |x| < ln 2, the same series shifted by one term, to x¹⁸/19! (the next term is below 2⁻⁵³ of the sum).
    private static double ExpM1Series(double x) =>
        1 + x * (1.0 / 2 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 + x * (1.0 / 720 + x * (1.0 / 5040 + x * (1.0 / 40320 + x * (1.0 / 362880 + x * (1.0 / 3628800 + x * (1.0 / 39916800 + x * (1.0 / 479001600 + x * (1.0 / 6227020800 + x * (1.0 / 87178291200 + x * (1.0 / 1307674368000 + x * (1.0 / 20922789888000 + x * (1.0 / 355687428096000 + x * (1.0 / 6402373705728000 + x * (1.0 / 121645100408832000))))))))))))))))));

    /// <summary><paramref name="value"/> · 2^<paramref name="power"/>, exact unless the result is subnormal (then rounded once).</summary>
    private static double ScaleByPowerOfTwo(double value, int power)
    {
        if (power > 1023)
            return value * 2 * PowerOfTwo(power - 1);
        if (power < -1022)
            return value * PowerOfTwo(power + 54) * 5.5511151231257827E-17; // 2⁻⁵⁴
        return value * PowerOfTwo(power);
    }

    private static double PowerOfTwo(int power) => BitConverter.Int64BitsToDouble((long)(power + 1023) << 52);
}
