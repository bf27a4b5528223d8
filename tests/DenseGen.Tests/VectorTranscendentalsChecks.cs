using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Tests.Infrastructure;

namespace DenseGen.Tests;

/// <summary>
/// The accuracy of the float activations computed in vectors (the runtime's <see cref="Activations"/>, which run
/// <c>VectorTranscendentals</c> for float outside deterministic mode): their max error in
/// units in the last place of the exactly rounded result, against double references, over a strided sweep of the bit
/// patterns of every finite float (every 1,999th, about 2.1 million), every float within 10,000 patterns of 0 and of
/// each function's edges, and inputs given through the span methods in runs whose lengths leave a partial last vector.
/// <see cref="VectorTranscendentalsTests"/> runs it in process (with the exponential itself, which is internal);
/// <see cref="KernelChecks"/> in the child processes of <see cref="VectorPathTests"/>, whose
/// <see cref="System.Numerics.Vector{T}"/> is 512 or 128 bits or software, and in the arm64 program under qemu.
/// </summary>
/// <remarks>
/// The bounds, in ulps of the result, follow from the steps each function takes (each IEEE operation rounds by at most
/// half an ulp of its own result): e^r − 1 by its series has a relative error below 2⁻²³ (0.5 ulp from its last
/// addition, the terms before it each an ulp of a term at most a quarter of the sum, and a truncation below 2⁻³¹), and
/// <c>1 + p</c> adds half an ulp, so exp is within 1.5 + 0.5 for the reduction's rounding of r (|n · Ln2Low| &lt; 0.032,
/// rounded to 2⁻²⁴ of itself): 2 ulps. The sigmoid's <c>1/(1 + e)</c> adds a rounding of the sum and one of the
/// quotient to e's error scaled by <c>e/(1 + e) ≤ 1</c>: 3, and its small side <c>e · large</c> one more: 4. SiLU
/// multiplies that by z exactly once more: 4.5, taken as 5. tanh's e/(e + 2) from e^2a − 1 (2 ulps) loses at most 2
/// from the quotient's inputs and rounds once: 4.5, taken as 5; ELU is e^z − 1 itself, 2 plus the final sum's half: 3.
/// SiLU′ adds a product and a sum of magnitude ≥ 1 whose terms may cancel near z ≈ −1.28 (its zero), where the error
/// is relative to the small result: it is measured where |SiLU′| ≥ 2⁻⁸, bounded by 8 ulps, and everywhere in absolute
/// terms, bounded by 2⁻²¹ (a few ulps of the terms' magnitude, ≤ 1.1).
/// </remarks>
public static class VectorTranscendentalsChecks
{
    private const int Stride = 1_999;

    /// <summary>One function's measurement: its max error in ulps and where it was found.</summary>
    public sealed record Measurement(string Name, double MaxUlps, float At, double Bound);

    /// <summary>Measures every function; throws naming the first whose error passes its bound.</summary>
    public static IReadOnlyList<Measurement> Run()
    {
        var results = new List<Measurement>
        {
            Measure("sigmoid", Activations.Sigmoid, x => 1 / (1 + Math.Exp(-x)), -110f, 110f, bound: 4),
            Measure("tanh", Activations.Tanh, Math.Tanh, -12f, 12f, bound: 5),
            Measure("ELU", Activations.ELU, x => x > 0 ? x : Reference.ExpM1(x), -20f, 20f, bound: 3),
            // Measured where σ(z) is a normal float (z above −87.3, |SiLU| above 2⁻¹¹⁹): below, σ rounds into the subnormals
            // with the absolute error of one, which z multiplies to at most 104 · 2⁻¹⁵⁰.
            Measure("SiLU", Activations.SiLU, x => x / (1 + Math.Exp(-x)), -110f, 110f, bound: 5, smallest: Math.Pow(2, -119)),
            Measure("SiLU'", SiLUDerivative, Reference.SiLUDerivative, -110f, 110f, bound: 8, smallest: 1.0 / 16),
        };
        double absolute = MaxAbsoluteError(SiLUDerivative, Reference.SiLUDerivative, -110f, 110f);
        results.Add(new Measurement("SiLU' (absolute, ×2²¹)", absolute * (1 << 21), 0, 1));
        foreach (Measurement m in results)
        {
            if (!(m.MaxUlps <= m.Bound))
                throw new InvalidOperationException($"vector {m.Name}: max error {m.MaxUlps:F3} at {m.At:R}, over its bound {m.Bound}");
        }
        return results;
    }

    /// <summary>The special values: NaN stays NaN, the infinities give the limits, and the signed zeros keep their sign where the function is odd.</summary>
    public static void CheckSpecialValues()
    {
        float[] inputs = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f];
        void Expect(string name, Action<Span<float>> function, float[] expected)
        {
            float[] values = (float[])inputs.Clone();
            function(values);
            for (int i = 0; i < inputs.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(values[i]) != BitConverter.SingleToInt32Bits(expected[i]) && !(float.IsNaN(values[i]) && float.IsNaN(expected[i])))
                    throw new InvalidOperationException($"vector {name}({inputs[i]:R}) is {values[i]:R}, not {expected[i]:R}");
            }
        }
        Expect("sigmoid", Activations.Sigmoid, [float.NaN, 1f, 0f, 0.5f, 0.5f]);
        Expect("tanh", Activations.Tanh, [float.NaN, 1f, -1f, 0f, -0f]);
        Expect("ELU", Activations.ELU, [float.NaN, float.PositiveInfinity, -1f, 0f, -0f]);
        Expect("SiLU", Activations.SiLU, [float.NaN, float.PositiveInfinity, -0f, 0f, -0f]);
        // SiLU′ is negative below z ≈ −1.28, so its limit at −∞ is −0.
        Expect("SiLU'", SiLUDerivative, [float.NaN, 1f, -0f, 0.5f, 0.5f]);
    }

    private static void SiLUDerivative(Span<float> values)
    {
        float[] ones = Enumerable.Repeat(1f, values.Length).ToArray();
        Activations.SiLUBackward<float>(values, ones, values);
    }

    public static Measurement Measure(string name, Action<Span<float>> function, Func<double, double> reference, float from, float to, double bound, double smallest = 0)
    {
        double worst = 0;
        float worstAt = 0;
        foreach ((float x, float y) in Evaluate(function, from, to))
        {
            double exact = reference(x);
            if (double.IsInfinity(exact) || Math.Abs(exact) < smallest)
                continue;
            float rounded = (float)exact;
            if (float.IsInfinity(rounded) && y == rounded)
                continue;
            if (float.IsInfinity(rounded))
                rounded = MathF.CopySign(float.MaxValue, rounded);
            double error = Math.Abs(y - exact) / UlpOf(rounded);
            if (!(error <= worst))
            {
                worst = error;
                worstAt = x;
            }
        }
        return new Measurement(name, worst, worstAt, bound);
    }

    private static double MaxAbsoluteError(Action<Span<float>> function, Func<double, double> reference, float from, float to)
    {
        double worst = 0;
        foreach ((float x, float y) in Evaluate(function, from, to))
        {
            double error = Math.Abs(y - reference(x));
            if (!(error <= worst))
                worst = error;
        }
        return worst;
    }

    /// <summary>
    /// Every input of the sweep and the function's result, computed through the span method in runs of 1,021 values,
    /// a length no vector width divides, so that the partial last vector of each run is checked too.
    /// </summary>
    private static IEnumerable<(float X, float Y)> Evaluate(Action<Span<float>> function, float from, float to)
    {
        var inputs = new List<float>();
        foreach (float x in Floats(from, to))
            inputs.Add(x);
        foreach (float edge in new[] { from, to, 0f })
        {
            float up = edge, down = edge;
            for (int i = 0; i < 10_000; i++, up = MathF.BitIncrement(up), down = MathF.BitDecrement(down))
            {
                if (up >= from && up <= to) inputs.Add(up);
                if (down >= from && down <= to) inputs.Add(down);
            }
        }
        float[] run = new float[1021];
        for (int start = 0; start < inputs.Count; start += run.Length)
        {
            int length = Math.Min(run.Length, inputs.Count - start);
            inputs.CopyTo(start, run, 0, length);
            function(run.AsSpan(0, length));
            for (int i = 0; i < length; i++)
                yield return (inputs[start + i], run[i]);
        }
    }

    private static IEnumerable<float> Floats(float from, float to)
    {
        // The bit patterns of the finite floats, every Stride-th from +0 up and from −0 down.
        for (long bits = 0; bits < 0x7F80_0000; bits += Stride)
        {
            float positive = BitConverter.Int32BitsToSingle((int)bits);
            if (positive >= from && positive <= to)
                yield return positive;
            if (-positive >= from && -positive <= to)
                yield return -positive;
        }
    }

    private static double UlpOf(float value)
    {
        float a = Math.Abs(value);
        return a == float.MaxValue ? a - MathF.BitDecrement(a) : MathF.BitIncrement(a) - a;
    }
}
