using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static DenseGen.SpanVectors;

namespace DenseGen;

/// <summary>
/// The activation functions of <see cref="Activation"/> and their derivatives, element-wise over spans. Generated
/// layers call these after their kernels; they are public so that code outside a layer (a custom head, a test)
/// computes exactly what a layer does.
/// </summary>
/// <remarks>
/// Every backward method takes the activation's <em>output</em> <c>y</c>, not its input: each derivative here is a
/// function of <c>y</c> alone, so a layer need not keep <c>W x + b</c> around. None of them allocates.
/// </remarks>
public static class Activations
{
    /// <summary>The slope of <see cref="Activation.LeakyReLU"/> for negative inputs: 0.01, PyTorch's default.</summary>
    public const double LeakyReLUNegativeSlope = 0.01;

    /// <summary>Replaces each element <c>z</c> of <paramref name="values"/> with <c>act(z)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined value.</exception>
    public static void Apply<T>(Activation activation, Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (activation)
        {
            case Activation.None: return;
            case Activation.ReLU: ReLU(values); return;
            case Activation.LeakyReLU: LeakyReLU(values); return;
            case Activation.Sigmoid: Sigmoid(values); return;
            case Activation.Tanh: Tanh(values); return;
            default: throw UnknownActivation(activation);
        }
    }

    /// <summary>
    /// Writes <c>dZ = dY ⊙ act′</c> into <paramref name="inputGradient"/>, the derivative taken from the
    /// activation's <paramref name="output"/>. It may be the same span as <paramref name="outputGradient"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined value.</exception>
    public static void Backward<T>(Activation activation, ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (activation)
        {
            case Activation.None:
                RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
                outputGradient.CopyTo(inputGradient);
                return;
            case Activation.ReLU: ReLUBackward(output, outputGradient, inputGradient); return;
            case Activation.LeakyReLU: LeakyReLUBackward(output, outputGradient, inputGradient); return;
            case Activation.Sigmoid: SigmoidBackward(output, outputGradient, inputGradient); return;
            case Activation.Tanh: TanhBackward(output, outputGradient, inputGradient); return;
            default: throw UnknownActivation(activation);
        }
    }

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
    public static void LeakyReLU<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T slope = T.CreateChecked(LeakyReLUNegativeSlope);
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
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
        T slope = T.CreateChecked(LeakyReLUNegativeSlope);
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

    private static void RequireSameLengths(int output, int outputGradient, int inputGradient)
    {
        if (outputGradient != output)
            throw new ArgumentException($"outputGradient has length {outputGradient}; expected {output}, the length of output.", "outputGradient");
        if (inputGradient != output)
            throw new ArgumentException($"inputGradient has length {inputGradient}; expected {output}, the length of output.", "inputGradient");
    }

    private static ArgumentOutOfRangeException UnknownActivation(Activation activation) =>
        new(nameof(activation), activation, "Not a defined Activation value.");
}
