using System;
using System.ComponentModel;

namespace DenseGen.CompilerServices;

/// <summary>
/// The sigmoid, tanh, ELU and SiLU of deterministic layers (<c>[Dense(Deterministic = true)]</c>): DenseGen's own, the same bits on
/// every machine whatever the <c>DenseGen.Deterministic</c> switch says. Like everything in
/// <c>DenseGen.CompilerServices</c>, called by generated code and not part of the supported API.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DeterministicActivations
{
    /// <summary>Replaces each element <c>z</c> with <c>1 / (1 + e^(−z))</c>.</summary>
    public static void Sigmoid(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.Sigmoid(values[i]);
    }

    /// <summary>Replaces each element <c>z</c> with <c>1 / (1 + e^(−z))</c>.</summary>
    public static void Sigmoid(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.Sigmoid(values[i]);
    }

    /// <summary>Replaces each element <c>z</c> with <c>tanh z</c>.</summary>
    public static void Tanh(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.Tanh(values[i]);
    }

    /// <summary>Replaces each element <c>z</c> with <c>tanh z</c>.</summary>
    public static void Tanh(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.Tanh(values[i]);
    }

    /// <summary>Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <c>e^z − 1</c>.</summary>
    public static void ELU(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.Elu(values[i]);
    }

    /// <summary>Replaces each element <c>z</c> with <c>z</c> if <c>z &gt; 0</c>, else <c>e^z − 1</c>.</summary>
    public static void ELU(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.Elu(values[i]);
    }

    /// <summary>Replaces each element <c>z</c> with <c>z / (1 + e^(−z))</c> (SiLU).</summary>
    public static void SiLU(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.SiLU(values[i]);
    }

    /// <summary>Replaces each element <c>z</c> with <c>z / (1 + e^(−z))</c> (SiLU).</summary>
    public static void SiLU(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = DeterministicMath.SiLU(values[i]);
    }

    /// <summary>
    /// Writes <c>dY ⊙ SiLU′(z)</c>, the derivative taken from the pre-activation <c>z</c>. <paramref name="inputGradient"/>
    /// may be the same span as <paramref name="preActivation"/> or <paramref name="outputGradient"/> (each element is read
    /// before it is written); the lengths are the caller's to match.
    /// </summary>
    public static void SiLUBackward(ReadOnlySpan<float> preActivation, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        for (int i = 0; i < inputGradient.Length; i++)
            inputGradient[i] = (float)(outputGradient[i] * DeterministicMath.SiLUDerivative(preActivation[i]));
    }

    /// <inheritdoc cref="SiLUBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void SiLUBackward(ReadOnlySpan<double> preActivation, ReadOnlySpan<double> outputGradient, Span<double> inputGradient)
    {
        for (int i = 0; i < inputGradient.Length; i++)
            inputGradient[i] = outputGradient[i] * DeterministicMath.SiLUDerivative(preActivation[i]);
    }
}
