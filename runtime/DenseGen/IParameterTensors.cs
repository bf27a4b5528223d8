using System;
using System.Diagnostics.CodeAnalysis;

namespace DenseGen;

/// <summary>
/// A layer's or network's tensors by name, in a fixed order: what initializers and weight files take. A layer lists
/// its whole tensor table (a dense layer its <c>weight</c> then its <c>bias</c>, a normalizer its <c>mean</c> and
/// <c>std</c>); a network, through <see cref="ITrainable{T}"/>, lists what its optimizers train.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// A struct layer passed as this interface is boxed: a copy. Reading through the copy is fine; writing through it does
/// not reach the original, so give initializers and weight loaders class layers, or use their <c>ref</c> overloads.
/// </remarks>
public interface IParameterTensors<T> where T : unmanaged
{
    /// <summary>Number of tensors.</summary>
    int ParameterTensorCount { get; }

    /// <summary>The name of tensor <paramref name="index"/>, as weight files name it (<c>hidden.weight</c>; <c>weight</c> for a lone layer).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, ParameterTensorCount)</c>.</exception>
    string ParameterTensorName(int index);

    /// <summary>Tensor <paramref name="index"/>'s name, shape, role and initialization; the same object on every call.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, ParameterTensorCount)</c>.</exception>
    TensorDescription DescribeParameterTensor(int index);

    /// <summary>The values of tensor <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, ParameterTensorCount)</c>.</exception>
    [UnscopedRef]
    Span<T> ParameterTensor(int index);
}
