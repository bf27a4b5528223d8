using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static DenseGen.SpanVectors;

namespace DenseGen;

// The element-wise functions for .NET 8 and later: generic math, vectorized with Vector<T> where it pays; float's
// exponential activations in VectorTranscendentals.
public static partial class Activations
{
    /// <summary>Replaces each element <c>z</c> with <c>max(0, z)</c>; NaN stays NaN.</summary>
    public static void ReLU<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> z = Load(ref start, i);
                // Select on z < 0 rather than take a maximum, so that NaN (never less than 0) stays NaN.
                Store(Vector.ConditionalSelect(Vector.LessThan(z, Vector<T>.Zero), Vector<T>.Zero, z), ref start, i);
            }
        }
        for (; i < values.Length; i++)
        {
            ref T z = ref Unsafe.Add(ref start, i);
            if (z < T.Zero)
                z = T.Zero;
        }
    }

    /// <summary>Writes <c>dY</c> where <c>y &gt; 0</c> and 0 elsewhere.</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    public static void ReLUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        ref T y = ref MemoryMarshal.GetReference(output);
        ref T dy = ref MemoryMarshal.GetReference(outputGradient);
        ref T dz = ref MemoryMarshal.GetReference(inputGradient);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= output.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> yv = Load(ref y, i), dyv = Load(ref dy, i);
                Store(Vector.ConditionalSelect(Vector.GreaterThan(yv, Vector<T>.Zero), dyv, Vector<T>.Zero), ref dz, i);
            }
        }
        for (; i < output.Length; i++)
            Unsafe.Add(ref dz, i) = Unsafe.Add(ref y, i) > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
    }

    /// <summary>Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <c>0.01 z</c>.</summary>
    public static void LeakyReLU<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T> =>
        LeakyReLU(values, T.CreateChecked(LeakyReLUNegativeSlope));

    /// <summary>Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <paramref name="negativeSlope"/><c> z</c>.</summary>
    public static void LeakyReLU<T>(Span<T> values, T negativeSlope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T slope = negativeSlope;
        ref T start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var slopes = new Vector<T>(slope);
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> z = Load(ref start, i);
                Store(Vector.ConditionalSelect(Vector.LessThan(z, Vector<T>.Zero), z * slopes, z), ref start, i);
            }
        }
        for (; i < values.Length; i++)
        {
            ref T z = ref Unsafe.Add(ref start, i);
            if (z < T.Zero)
                z *= slope;
        }
    }

    /// <summary>Writes <c>dY</c> where <c>y &gt; 0</c> and <c>0.01 dY</c> elsewhere (for a positive slope, <c>y &gt; 0</c> exactly when <c>z &gt; 0</c>).</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        LeakyReLUBackward(output, outputGradient, inputGradient, T.CreateChecked(LeakyReLUNegativeSlope));

    /// <summary>
    /// Writes <c>dY</c> where <c>y &gt; 0</c> and <paramref name="negativeSlope"/><c> dY</c> elsewhere (for a positive
    /// slope, <c>y &gt; 0</c> exactly when <c>z &gt; 0</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T negativeSlope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        T slope = negativeSlope;
        ref T y = ref MemoryMarshal.GetReference(output);
        ref T dy = ref MemoryMarshal.GetReference(outputGradient);
        ref T dz = ref MemoryMarshal.GetReference(inputGradient);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var slopes = new Vector<T>(slope);
            for (; i <= output.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> yv = Load(ref y, i), dyv = Load(ref dy, i);
                Store(Vector.ConditionalSelect(Vector.GreaterThan(yv, Vector<T>.Zero), dyv, dyv * slopes), ref dz, i);
            }
        }
        for (; i < output.Length; i++)
        {
            T g = Unsafe.Add(ref dy, i);
            Unsafe.Add(ref dz, i) = Unsafe.Add(ref y, i) > T.Zero ? g : g * slope;
        }
    }

    /// <summary>Replaces each element <c>z</c> with <c>1 / (1 + e^(−z))</c>.</summary>
    public static void Sigmoid<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(float))
        {
            CompilerServices.DeterministicActivations.Sigmoid(MemoryMarshal.Cast<T, float>(values));
            return;
        }
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(double))
        {
            CompilerServices.DeterministicActivations.Sigmoid(MemoryMarshal.Cast<T, double>(values));
            return;
        }
        if (typeof(T) == typeof(float))
        {
            VectorTranscendentals.Sigmoid(MemoryMarshal.Cast<T, float>(values));
            return;
        }
        foreach (ref T z in values)
            z = T.One / (T.One + T.Exp(-z));
    }

    /// <summary>Writes <c>dY ⊙ y (1 − y)</c>.</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        for (int i = 0; i < output.Length; i++)
        {
            T y = output[i];
            inputGradient[i] = outputGradient[i] * (y * (T.One - y));
        }
    }

    /// <summary>Replaces each element <c>z</c> with <c>tanh z</c>.</summary>
    public static void Tanh<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(float))
        {
            CompilerServices.DeterministicActivations.Tanh(MemoryMarshal.Cast<T, float>(values));
            return;
        }
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(double))
        {
            CompilerServices.DeterministicActivations.Tanh(MemoryMarshal.Cast<T, double>(values));
            return;
        }
        if (typeof(T) == typeof(float))
        {
            VectorTranscendentals.Tanh(MemoryMarshal.Cast<T, float>(values));
            return;
        }
        foreach (ref T z in values)
            z = T.Tanh(z);
    }

    /// <summary>Writes <c>dY ⊙ (1 − y²)</c>.</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    public static void TanhBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        for (int i = 0; i < output.Length; i++)
        {
            T y = output[i];
            inputGradient[i] = outputGradient[i] * (T.One - y * y);
        }
    }

    /// <summary>
    /// Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <c>e^z − 1</c> (ELU, α = 1). Float computes in
    /// vectors; double, and float in deterministic mode, by DenseGen's own <c>e^z − 1</c>, which does not cancel near 0
    /// as <c>e^z</c> minus 1 would.
    /// </summary>
    public static void ELU<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            if (DeterministicMode.IsEnabled)
                CompilerServices.DeterministicActivations.ELU(MemoryMarshal.Cast<T, float>(values));
            else
                VectorTranscendentals.Elu(MemoryMarshal.Cast<T, float>(values));
            return;
        }
        if (typeof(T) == typeof(double))
        {
            CompilerServices.DeterministicActivations.ELU(MemoryMarshal.Cast<T, double>(values));
            return;
        }
        foreach (ref T z in values)
            z = z > T.Zero ? z : T.CreateChecked(DeterministicMath.ExpM1(double.CreateChecked(z)));
    }

    /// <summary>Writes <c>dY</c> where <c>y &gt; 0</c>, else <c>dY ⊙ (y + 1)</c> (ELU's derivative, from its output).</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    public static void ELUBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        for (int i = 0; i < output.Length; i++)
        {
            T y = output[i];
            inputGradient[i] = y > T.Zero ? outputGradient[i] : outputGradient[i] * (y + T.One);
        }
    }

    /// <summary>Replaces each element <c>z</c> with <c>z / (1 + e^(−z))</c> (SiLU, swish).</summary>
    public static void SiLU<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(float))
        {
            CompilerServices.DeterministicActivations.SiLU(MemoryMarshal.Cast<T, float>(values));
            return;
        }
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(double))
        {
            CompilerServices.DeterministicActivations.SiLU(MemoryMarshal.Cast<T, double>(values));
            return;
        }
        if (typeof(T) == typeof(float))
        {
            VectorTranscendentals.SiLU(MemoryMarshal.Cast<T, float>(values));
            return;
        }
        foreach (ref T z in values)
            z /= T.One + T.Exp(-z);
    }

    /// <summary>
    /// Writes <c>dY ⊙ σ(z) (1 + z (1 − σ(z)))</c>, SiLU's derivative taken from the pre-activation <c>z = W x + b</c>
    /// (not from the output, of which it is not a function). <paramref name="inputGradient"/> may be the same span as
    /// <paramref name="preActivation"/> or <paramref name="outputGradient"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    public static void SiLUBackward<T>(ReadOnlySpan<T> preActivation, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLengths(preActivation.Length, outputGradient.Length, inputGradient.Length, nameof(preActivation));
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(float))
        {
            CompilerServices.DeterministicActivations.SiLUBackward(MemoryMarshal.Cast<T, float>(preActivation), MemoryMarshal.Cast<T, float>(outputGradient), MemoryMarshal.Cast<T, float>(inputGradient));
            return;
        }
        if (DeterministicMode.IsEnabled && typeof(T) == typeof(double))
        {
            CompilerServices.DeterministicActivations.SiLUBackward(MemoryMarshal.Cast<T, double>(preActivation), MemoryMarshal.Cast<T, double>(outputGradient), MemoryMarshal.Cast<T, double>(inputGradient));
            return;
        }
        if (typeof(T) == typeof(float))
        {
            VectorTranscendentals.SiLUBackward(MemoryMarshal.Cast<T, float>(preActivation), MemoryMarshal.Cast<T, float>(outputGradient), MemoryMarshal.Cast<T, float>(inputGradient));
            return;
        }
        for (int i = 0; i < inputGradient.Length; i++)
            inputGradient[i] = outputGradient[i] * SiLUDerivative(preActivation[i]);
    }

    /// <summary>
    /// SiLU′(z) = σ(z) (1 + z (1 − σ(z))), with 1 − σ(z) as e^(−z) σ(z), which does not cancel where σ(z) is near 1. Where
    /// e^(−z) leaves the range the formula would give ∞·0, so the limits stand in: 0 where it overflows (the exact value,
    /// about (1 + z) e^z, is far below the smallest normal there) and 1 where it is 0 (z e^(−z) → 0).
    /// </summary>
    private static T SiLUDerivative<T>(T z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T e = T.Exp(-z);
        if (T.IsPositiveInfinity(e))
            return T.Zero;
        if (e == T.Zero)
            return T.One;
        T sigmoid = T.One / (T.One + e);
        return sigmoid * (T.One + z * (e * sigmoid));
    }
}
