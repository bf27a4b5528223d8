using System;
#if NET8_0_OR_GREATER
using System.Numerics;
#else
using System.Runtime.InteropServices;
#endif

namespace DenseGen;

/// <summary>How <see cref="Initializer"/> fills a layer's weights and bias.</summary>
public enum Initialization
{
    /// <summary>
    /// PyTorch's default for <c>nn.Linear</c>: weights and bias uniform in <c>[−1/√In, 1/√In)</c> (its
    /// <c>kaiming_uniform_(a = √5)</c> reduces to that bound).
    /// </summary>
    PyTorchDefault = 0,

    /// <summary>Glorot and Bengio's uniform: weights in <c>[−√(6/(In+Out)), √(6/(In+Out)))</c>, bias 0. Suits tanh and sigmoid.</summary>
    XavierUniform = 1,

    /// <summary>Glorot and Bengio's normal: weights with mean 0 and standard deviation <c>√(2/(In+Out))</c>, bias 0.</summary>
    XavierNormal = 2,

    /// <summary>He et al.'s uniform for ReLU (fan-in): weights in <c>[−√(6/In), √(6/In))</c>, bias 0.</summary>
    HeUniform = 3,

    /// <summary>He et al.'s normal for ReLU (fan-in): weights with mean 0 and standard deviation <c>√(2/In)</c>, bias 0.</summary>
    HeNormal = 4,
}

/// <summary>
/// Seeded, deterministic initialization of a layer's parameters: the same seed and scheme give bit-identical
/// weights on every machine (the random numbers come from <see cref="SeededRandom"/>). Gradients are left alone.
/// </summary>
public static class Initializer
{
    /// <summary>Fills the weights, then the bias, of a class layer from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scheme"/> is not a defined value; nothing is changed.</exception>
    public static void Initialize<T>(IDenseWeights<T> layer, Initialization scheme, ulong seed)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        if (layer is null)
            throw new ArgumentNullException(nameof(layer));
        Fill(layer.Weights, layer.Bias, layer.InputSize, layer.OutputSize, scheme, seed);
    }

    /// <summary>Fills the weights, then the bias, of a struct layer in place from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scheme"/> is not a defined value; nothing is changed.</exception>
    public static void Initialize<T, TLayer>(ref TLayer layer, Initialization scheme, ulong seed)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
        where TLayer : struct, IDenseWeights<T>
    {
        Fill(layer.Weights, layer.Bias, layer.InputSize, layer.OutputSize, scheme, seed);
    }

    private static void Fill<T>(Span<T> weights, Span<T> bias, int inputSize, int outputSize, Initialization scheme, ulong seed)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
#if !NET8_0_OR_GREATER
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException("The .NET Standard build of DenseGen initializes float and double layers, not " + typeof(T).Name + ".");
#endif
        double fanIn = inputSize, fanAverage = (inputSize + outputSize) / 2.0;
        (bool normal, double scale, bool randomBias) = scheme switch
        {
            Initialization.PyTorchDefault => (false, 1 / Math.Sqrt(fanIn), true),
            Initialization.XavierUniform => (false, Math.Sqrt(3 / fanAverage), false),
            Initialization.XavierNormal => (true, Math.Sqrt(1 / fanAverage), false),
            Initialization.HeUniform => (false, Math.Sqrt(6 / fanIn), false),
            Initialization.HeNormal => (true, Math.Sqrt(2 / fanIn), false),
            _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Not a defined Initialization value."),
        };
        var random = new SeededRandom(seed);
        double NextWeight() => normal ? scale * random.NextGaussian() : scale * (2 * random.NextDouble() - 1);
        double NextBias() => randomBias ? scale * (2 * random.NextDouble() - 1) : 0;
#if NET8_0_OR_GREATER
        foreach (ref T weight in weights)
            weight = T.CreateChecked(NextWeight());
        foreach (ref T b in bias)
            b = T.CreateChecked(NextBias());
#else
        // No generic math in .NET Standard: write through float or double views. Rounding a double to float is
        // what CreateChecked does too, so both builds give the same bits.
        if (typeof(T) == typeof(float))
        {
            foreach (ref float weight in MemoryMarshal.Cast<T, float>(weights))
                weight = (float)NextWeight();
            foreach (ref float b in MemoryMarshal.Cast<T, float>(bias))
                b = (float)NextBias();
        }
        else
        {
            foreach (ref double weight in MemoryMarshal.Cast<T, double>(weights))
                weight = NextWeight();
            foreach (ref double b in MemoryMarshal.Cast<T, double>(bias))
                b = NextBias();
        }
#endif
    }
}
