using System;

namespace DenseGen;

/// <summary>
/// The module interface that trainable layers without an activation and trainable networks share, so code written
/// against it takes either: sizes, <see cref="IForwardModule{T}.Forward"/>, <see cref="Backward"/> and <see cref="ZeroGradients"/>.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface ITrainableModule<T> : IForwardModule<T> where T : unmanaged
{
    /// <summary>
    /// Back-propagates a batch: adds the gradients of every parameter to the gradient storage, and writes
    /// <c>∂L/∂X</c> into <paramref name="inputGradient"/> unless it is empty.
    /// </summary>
    /// <param name="input">The batch given to <see cref="IForwardModule{T}.Forward"/>, <c>[k, InputSize]</c>.</param>
    /// <param name="outputGradient"><c>∂L/∂Y</c>, <c>[k, OutputSize]</c>.</param>
    /// <param name="inputGradient">Receives <c>∂L/∂X</c>, <c>[k, InputSize]</c>; pass an empty span to skip it.</param>
    void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);

    /// <summary>Sets every accumulated gradient to zero, typically before each batch.</summary>
    void ZeroGradients();
}
