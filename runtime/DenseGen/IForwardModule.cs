using System;

namespace DenseGen;

/// <summary>
/// Anything that maps a batch of samples forward: every layer and every network DenseGen generates.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IForwardModule<T> : IModuleShape where T : unmanaged
{
    /// <summary>Computes the outputs of a batch of samples.</summary>
    /// <param name="input"><c>k</c> samples, <c>[k, InputSize]</c> row-major; <c>k ≥ 1</c> is implied by the length.</param>
    /// <param name="output">Receives <c>[k, OutputSize]</c>; must not overlap <paramref name="input"/> or the storage of the layer or network.</param>
    void Forward(ReadOnlySpan<T> input, Span<T> output);
}
