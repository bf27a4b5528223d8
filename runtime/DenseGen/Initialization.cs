using System;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using System.Numerics;
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
/// Seeded, deterministic initialization of a layer's tensors: the same seed and scheme give bit-identical values on
/// every machine (the random numbers come from <see cref="SeededRandom"/>). The tensors are drawn in the layer's order
/// from one stream (a dense layer's weight, then its bias); state is set to its initial value (a normalizer's mean to
/// 0 and its standard deviation to 1) and draws nothing. Gradients are left alone.
/// </summary>
public static class Initializer
{
    /// <summary>Fills the tensors of a class layer from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scheme"/> is not a defined value; nothing is changed.</exception>
    public static void Initialize<T>(IParameterTensors<T> layer, Initialization scheme, ulong seed)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        if (layer is null)
            throw new ArgumentNullException(nameof(layer));
        Fill<T, IParameterTensors<T>>(ref layer, scheme, seed);
    }

    /// <summary>Fills the tensors of a struct layer in place from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scheme"/> is not a defined value; nothing is changed.</exception>
    public static void Initialize<T, TLayer>(ref TLayer layer, Initialization scheme, ulong seed)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
        where TLayer : struct, IParameterTensors<T>
    {
        Fill<T, TLayer>(ref layer, scheme, seed);
    }

    // Generic over the layer so a struct layer is filled through its own members, never a boxed copy.
    private static void Fill<T, TLayer>(ref TLayer layer, Initialization scheme, ulong seed)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
        where TLayer : IParameterTensors<T>
    {
#if !NET8_0_OR_GREATER
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException("The .NET Standard build of DenseGen initializes float and double layers, not " + typeof(T).Name + ".");
#endif
        if (scheme is < Initialization.PyTorchDefault or > Initialization.HeNormal)
            throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Not a defined Initialization value.");
        var random = new SeededRandom(seed);
        for (int i = 0; i < layer.ParameterTensorCount; i++)
        {
            TensorDescription tensor = layer.DescribeParameterTensor(i);
            Span<T> values = layer.ParameterTensor(i);
            if (tensor.Role == TensorRole.State)
            {
                Set(values, tensor.InitialValue);
                continue;
            }
            double fanIn = tensor.FanIn, fanAverage = (tensor.FanIn + tensor.FanOut) / 2.0;
            (bool normal, double scale, bool randomBias) = scheme switch
            {
                Initialization.PyTorchDefault => (false, 1 / Math.Sqrt(fanIn), true),
                Initialization.XavierUniform => (false, Math.Sqrt(3 / fanAverage), false),
                Initialization.XavierNormal => (true, Math.Sqrt(1 / fanAverage), false),
                Initialization.HeUniform => (false, Math.Sqrt(6 / fanIn), false),
                _ => (true, Math.Sqrt(2 / fanIn), false),
            };
            if (tensor.IsBias)
                Draw(values, randomBias ? () => scale * (2 * random.NextDouble() - 1) : () => 0);
            else
                Draw(values, normal ? () => scale * random.NextGaussian() : () => scale * (2 * random.NextDouble() - 1));
        }
    }

    private static void Set<T>(Span<T> values, double value)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
        => Draw(values, () => value);

    private static void Draw<T>(Span<T> values, Func<double> next)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
#if NET8_0_OR_GREATER
        foreach (ref T value in values)
            value = T.CreateChecked(next());
#else
        // No generic math in .NET Standard: write through float or double views. Rounding a double to float is what
        // CreateChecked does too, so both builds give the same bits.
        if (typeof(T) == typeof(float))
        {
            foreach (ref float value in MemoryMarshal.Cast<T, float>(values))
                value = (float)next();
        }
        else if (typeof(T) == typeof(double))
        {
            foreach (ref double value in MemoryMarshal.Cast<T, double>(values))
                value = next();
        }
        else
        {
            throw new NotSupportedException("DenseGen initializes float and double layers, not " + typeof(T).Name + ".");
        }
#endif
    }
}
