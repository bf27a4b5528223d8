using System;
using System.ComponentModel;

namespace DenseGen.CompilerServices;

/// <summary>
/// The sigmoid, tanh and ELU of deterministic layers (<c>[Dense(Deterministic = true)]</c>): DenseGen's own, the same bits on
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
}
