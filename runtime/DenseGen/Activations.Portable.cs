using System;
using System.Runtime.InteropServices;

namespace DenseGen;

// The element-wise functions for the .NET Standard builds, which have no generic math: the same public generic
// methods as the .NET 8 build (so a netstandard library that calls them binds to either build), each dispatching
// on T to a float or double loop. typeof(T) tests are constants once a generic method is compiled for a value type.
public static partial class Activations
{
    /// <summary>Replaces each element <c>z</c> with <c>max(0, z)</c>; NaN stays NaN.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void ReLU<T>(Span<T> values) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            foreach (ref float z in MemoryMarshal.Cast<T, float>(values))
            {
                // Compare with 0 rather than take a maximum, so that NaN (never less than 0) stays NaN.
                if (z < 0f)
                    z = 0f;
            }
        }
        else
        {
            foreach (ref double z in AsDouble(values))
            {
                if (z < 0d)
                    z = 0d;
            }
        }
    }

    /// <summary>Writes <c>dY</c> where <c>y &gt; 0</c> and 0 elsewhere.</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void ReLUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) where T : unmanaged
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> y = MemoryMarshal.Cast<T, float>(output), dy = MemoryMarshal.Cast<T, float>(outputGradient);
            Span<float> dz = MemoryMarshal.Cast<T, float>(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = y[i] > 0f ? dy[i] : 0f;
        }
        else
        {
            ReadOnlySpan<double> y = AsDouble(output), dy = AsDouble(outputGradient);
            Span<double> dz = AsDouble(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = y[i] > 0d ? dy[i] : 0d;
        }
    }

    /// <summary>Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <c>0.01 z</c>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void LeakyReLU<T>(Span<T> values) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            LeakyReLU(MemoryMarshal.Cast<T, float>(values), (float)LeakyReLUNegativeSlope);
        else
            LeakyReLU(AsDouble(values), LeakyReLUNegativeSlope);
    }

    /// <summary>Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <paramref name="negativeSlope"/><c> z</c>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void LeakyReLU<T>(Span<T> values, T negativeSlope) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            float slope = Scalar<T, float>(negativeSlope);
            foreach (ref float z in MemoryMarshal.Cast<T, float>(values))
            {
                if (z < 0f)
                    z *= slope;
            }
        }
        else
        {
            double slope = Scalar<T, double>(negativeSlope);
            foreach (ref double z in AsDouble(values))
            {
                if (z < 0d)
                    z *= slope;
            }
        }
    }

    /// <summary>Writes <c>dY</c> where <c>y &gt; 0</c> and <c>0.01 dY</c> elsewhere (for a positive slope, <c>y &gt; 0</c> exactly when <c>z &gt; 0</c>).</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            LeakyReLUBackward(MemoryMarshal.Cast<T, float>(output), MemoryMarshal.Cast<T, float>(outputGradient), MemoryMarshal.Cast<T, float>(inputGradient), (float)LeakyReLUNegativeSlope);
        else
            LeakyReLUBackward(AsDouble(output), AsDouble(outputGradient), AsDouble(inputGradient), LeakyReLUNegativeSlope);
    }

    /// <summary>
    /// Writes <c>dY</c> where <c>y &gt; 0</c> and <paramref name="negativeSlope"/><c> dY</c> elsewhere (for a positive
    /// slope, <c>y &gt; 0</c> exactly when <c>z &gt; 0</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T negativeSlope) where T : unmanaged
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        if (typeof(T) == typeof(float))
        {
            float slope = Scalar<T, float>(negativeSlope);
            ReadOnlySpan<float> y = MemoryMarshal.Cast<T, float>(output), dy = MemoryMarshal.Cast<T, float>(outputGradient);
            Span<float> dz = MemoryMarshal.Cast<T, float>(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = y[i] > 0f ? dy[i] : dy[i] * slope;
        }
        else
        {
            double slope = Scalar<T, double>(negativeSlope);
            ReadOnlySpan<double> y = AsDouble(output), dy = AsDouble(outputGradient);
            Span<double> dz = AsDouble(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = y[i] > 0d ? dy[i] : dy[i] * slope;
        }
    }

    /// <summary>Replaces each element <c>z</c> with <c>1 / (1 + e^(−z))</c>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void Sigmoid<T>(Span<T> values) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            if (DeterministicMode.IsEnabled)
                CompilerServices.DeterministicActivations.Sigmoid(MemoryMarshal.Cast<T, float>(values));
            else
                VectorTranscendentals.Sigmoid(MemoryMarshal.Cast<T, float>(values));
        }
        else
        {
            foreach (ref double z in AsDouble(values))
                z = DeterministicMode.IsEnabled ? DeterministicMath.Sigmoid(z) : 1d / (1d + Math.Exp(-z));
        }
    }

    /// <summary>Writes <c>dY ⊙ y (1 − y)</c>.</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) where T : unmanaged
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> y = MemoryMarshal.Cast<T, float>(output), dy = MemoryMarshal.Cast<T, float>(outputGradient);
            Span<float> dz = MemoryMarshal.Cast<T, float>(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = dy[i] * (y[i] * (1f - y[i]));
        }
        else
        {
            ReadOnlySpan<double> y = AsDouble(output), dy = AsDouble(outputGradient);
            Span<double> dz = AsDouble(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = dy[i] * (y[i] * (1d - y[i]));
        }
    }

    /// <summary>Replaces each element <c>z</c> with <c>tanh z</c>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void Tanh<T>(Span<T> values) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            if (DeterministicMode.IsEnabled)
                CompilerServices.DeterministicActivations.Tanh(MemoryMarshal.Cast<T, float>(values));
            else
                VectorTranscendentals.Tanh(MemoryMarshal.Cast<T, float>(values));
        }
        else
        {
            foreach (ref double z in AsDouble(values))
                z = TanhD(z);
        }
    }

    /// <summary>Writes <c>dY ⊙ (1 − y²)</c>.</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void TanhBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) where T : unmanaged
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> y = MemoryMarshal.Cast<T, float>(output), dy = MemoryMarshal.Cast<T, float>(outputGradient);
            Span<float> dz = MemoryMarshal.Cast<T, float>(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = dy[i] * (1f - y[i] * y[i]);
        }
        else
        {
            ReadOnlySpan<double> y = AsDouble(output), dy = AsDouble(outputGradient);
            Span<double> dz = AsDouble(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = dy[i] * (1d - y[i] * y[i]);
        }
    }

    /// <summary>
    /// Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <c>e^z − 1</c> (ELU, α = 1), by DenseGen's own
    /// <c>e^z − 1</c> as the .NET 8 build computes it: float in vectors, double (and float in deterministic mode) by the
    /// deterministic function.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void ELU<T>(Span<T> values) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            if (DeterministicMode.IsEnabled)
                CompilerServices.DeterministicActivations.ELU(MemoryMarshal.Cast<T, float>(values));
            else
                VectorTranscendentals.Elu(MemoryMarshal.Cast<T, float>(values));
        }
        else
        {
            CompilerServices.DeterministicActivations.ELU(AsDouble(values));
        }
    }

    /// <summary>Writes <c>dY</c> where <c>y &gt; 0</c>, else <c>dY ⊙ (y + 1)</c> (ELU's derivative, from its output).</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void ELUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) where T : unmanaged
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> y = MemoryMarshal.Cast<T, float>(output), dy = MemoryMarshal.Cast<T, float>(outputGradient);
            Span<float> dz = MemoryMarshal.Cast<T, float>(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = y[i] > 0f ? dy[i] : dy[i] * (float)(y[i] + 1f); // the cast rounds where a host keeps floats in double (Mono)
        }
        else
        {
            ReadOnlySpan<double> y = AsDouble(output), dy = AsDouble(outputGradient);
            Span<double> dz = AsDouble(inputGradient);
            for (int i = 0; i < y.Length; i++)
                dz[i] = y[i] > 0d ? dy[i] : dy[i] * (y[i] + 1d);
        }
    }

    /// <summary>Replaces each element <c>z</c> with <c>z / (1 + e^(−z))</c> (SiLU, swish).</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void SiLU<T>(Span<T> values) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            if (DeterministicMode.IsEnabled)
                CompilerServices.DeterministicActivations.SiLU(MemoryMarshal.Cast<T, float>(values));
            else
                VectorTranscendentals.SiLU(MemoryMarshal.Cast<T, float>(values));
        }
        else
        {
            foreach (ref double z in AsDouble(values))
                z = DeterministicMode.IsEnabled ? DeterministicMath.SiLU(z) : z / (1d + Math.Exp(-z));
        }
    }

    /// <summary>
    /// Writes <c>dY ⊙ σ(z) (1 + z (1 − σ(z)))</c>, SiLU's derivative taken from the pre-activation <c>z = W x + b</c>.
    /// <paramref name="inputGradient"/> may be the same span as <paramref name="preActivation"/> or <paramref name="outputGradient"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static void SiLUBackward<T>(ReadOnlySpan<T> preActivation, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) where T : unmanaged
    {
        RequireSameLengths(preActivation.Length, outputGradient.Length, inputGradient.Length, nameof(preActivation));
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> z = MemoryMarshal.Cast<T, float>(preActivation), dy = MemoryMarshal.Cast<T, float>(outputGradient);
            Span<float> dz = MemoryMarshal.Cast<T, float>(inputGradient);
            if (DeterministicMode.IsEnabled)
            {
                CompilerServices.DeterministicActivations.SiLUBackward(z, dy, dz);
                return;
            }
            VectorTranscendentals.SiLUBackward(z, dy, dz);
        }
        else
        {
            ReadOnlySpan<double> z = AsDouble(preActivation), dy = AsDouble(outputGradient);
            Span<double> dz = AsDouble(inputGradient);
            if (DeterministicMode.IsEnabled)
            {
                CompilerServices.DeterministicActivations.SiLUBackward(z, dy, dz);
                return;
            }
            for (int i = 0; i < dz.Length; i++)
                dz[i] = dy[i] * SiLUDerivativeD(z[i]);
        }
    }

    /// <summary>A float or double argument as <typeparamref name="TValue"/>, which it is, without boxing.</summary>
    private static TValue Scalar<T, TValue>(T value) where T : unmanaged where TValue : unmanaged
    {
        if (typeof(T) != typeof(TValue))
            throw UnsupportedElement<T>();
        Span<T> one = stackalloc T[1];
        one[0] = value;
        return MemoryMarshal.Cast<T, TValue>(one)[0];
    }

    private static Span<double> AsDouble<T>(Span<T> values) where T : unmanaged =>
        typeof(T) == typeof(double) ? MemoryMarshal.Cast<T, double>(values) : throw UnsupportedElement<T>();

    private static ReadOnlySpan<double> AsDouble<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        typeof(T) == typeof(double) ? MemoryMarshal.Cast<T, double>(values) : throw UnsupportedElement<T>();

    private static NotSupportedException UnsupportedElement<T>() =>
        new("The .NET Standard build of DenseGen computes activations of float and double, not " + typeof(T).Name + ".");

    /// <summary>
    /// SiLU′(z) = σ(z) (1 + z (1 − σ(z))), as the .NET 8 build computes it: 1 − σ(z) as e^(−z) σ(z), and the limits 0 and
    /// 1 where e^(−z) overflows or is 0, where the formula would give ∞·0.
    /// </summary>
    private static double SiLUDerivativeD(double z)
    {
        double e = Math.Exp(-z);
        if (double.IsPositiveInfinity(e))
            return 0d;
        if (e == 0d)
            return 1d;
        double sigmoid = 1d / (1d + e);
        return sigmoid * (1d + z * (e * sigmoid));
    }

    private static double TanhD(double z) => DeterministicMode.IsEnabled ? DeterministicMath.Tanh(z) : Math.Tanh(z);
}
