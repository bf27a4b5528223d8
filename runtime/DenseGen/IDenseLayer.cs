using System;
using System.Diagnostics.CodeAnalysis;

namespace DenseGen;

/// <summary>The sizes of a layer or network: how many values one sample has going in and coming out.</summary>
public interface IDenseShape
{
    /// <summary>Number of inputs per sample.</summary>
    int InputSize { get; }

    /// <summary>Number of outputs per sample.</summary>
    int OutputSize { get; }
}

/// <summary>
/// Anything that maps a batch of samples forward: every layer and every network DenseGen generates.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IDenseForward<T> : IDenseShape where T : unmanaged
{
    /// <summary>Computes the outputs of a batch of samples.</summary>
    /// <param name="input"><c>k</c> samples, <c>[k, InputSize]</c> row-major; <c>k ≥ 1</c> is implied by the length.</param>
    /// <param name="output">Receives <c>[k, OutputSize]</c>; must not overlap <paramref name="input"/> or the storage of the layer or network.</param>
    void Forward(ReadOnlySpan<T> input, Span<T> output);
}

/// <summary>
/// The module interface that trainable layers without an activation and trainable networks share, so code written
/// against it takes either: sizes, <see cref="IDenseForward{T}.Forward"/>, <see cref="Backward"/> and <see cref="ZeroGradients"/>.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IDenseModule<T> : IDenseForward<T> where T : unmanaged
{
    /// <summary>
    /// Back-propagates a batch: adds the gradients of every parameter to the gradient storage, and writes
    /// <c>∂L/∂X</c> into <paramref name="inputGradient"/> unless it is empty.
    /// </summary>
    /// <param name="input">The batch given to <see cref="IDenseForward{T}.Forward"/>, <c>[k, InputSize]</c>.</param>
    /// <param name="outputGradient"><c>∂L/∂Y</c>, <c>[k, OutputSize]</c>.</param>
    /// <param name="inputGradient">Receives <c>∂L/∂X</c>, <c>[k, InputSize]</c>; pass an empty span to skip it.</param>
    void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);

    /// <summary>Sets every accumulated gradient to zero, typically before each batch.</summary>
    void ZeroGradients();
}

/// <summary>
/// What an optimizer updates: a list of parameter tensors, each with a gradient of the same length, in a fixed order.
/// Trainable layers list their weights and bias; networks list those of each trainable layer, in layer order (as
/// PyTorch's <c>parameters()</c> does). Frozen layers are not listed.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface ITrainable<T> where T : unmanaged
{
    /// <summary>Number of parameter tensors.</summary>
    int ParameterTensorCount { get; }

    /// <summary>The name of tensor <paramref name="index"/>, as weight files name it (<c>hidden.weight</c>; <c>weight</c> for a lone layer).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, ParameterTensorCount)</c>.</exception>
    string ParameterTensorName(int index);

    /// <summary>The values of tensor <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, ParameterTensorCount)</c>.</exception>
    [UnscopedRef]
    Span<T> ParameterTensor(int index);

    /// <summary>The accumulated gradient of tensor <paramref name="index"/>, as long as the tensor.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, ParameterTensorCount)</c>.</exception>
    [UnscopedRef]
    Span<T> GradientTensor(int index);
}

/// <summary>
/// The weights and bias of a generated layer, trainable or frozen: what an initializer or a weight file needs.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// A struct layer passed as this interface is boxed: a copy. Reading through the copy is fine; writing
/// through it does not reach the original, so give weight loaders class layers, or use their <c>ref</c> overloads.
/// </remarks>
public interface IDenseWeights<T> : IDenseShape where T : unmanaged
{
    /// <summary>The weight matrix <c>W</c>, <c>[OutputSize, InputSize]</c> row-major: <c>W[o, i]</c> is element <c>o * InputSize + i</c>.</summary>
    [UnscopedRef]
    Span<T> Weights { get; }

    /// <summary>The bias vector <c>b</c>, <c>[OutputSize]</c>.</summary>
    [UnscopedRef]
    Span<T> Bias { get; }
}

/// <summary>
/// The parameters and gradients of a trainable generated layer, whatever its activation: what an optimizer needs.
/// Every type annotated with <c>[Dense]</c> (and not <c>Trainable = false</c>) implements it, through
/// <see cref="IDenseLayer{T}"/> or <see cref="IActivatedDenseLayer{T}"/>.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// A struct layer passed as this interface is boxed: a copy. Writing through the copy does not reach the original, so
/// give optimizers and weight loaders class layers, or use their <c>ref</c> overloads.
/// </remarks>
public interface IDenseParameters<T> : IDenseWeights<T>, ITrainable<T> where T : unmanaged
{
    /// <summary>Accumulated <c>∂L/∂W</c>, laid out like <see cref="IDenseWeights{T}.Weights"/>.</summary>
    [UnscopedRef]
    Span<T> WeightGradients { get; }

    /// <summary>Accumulated <c>∂L/∂b</c>, laid out like <see cref="IDenseWeights{T}.Bias"/>.</summary>
    [UnscopedRef]
    Span<T> BiasGradients { get; }

    /// <summary>Sets <see cref="WeightGradients"/> and <see cref="BiasGradients"/> to zero.</summary>
    void ZeroGradients();
}

/// <summary>
/// A trainable fully connected layer generated by <see cref="DenseAttribute"/>: <c>y = W x + b</c> over batches of
/// samples stored sample-major. Every type annotated with <c>[Dense]</c>, trainable and with no activation, implements it.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// Thread safety: <see cref="IDenseForward{T}.Forward"/> only reads the parameters, so any number of threads may call it at
/// once on one layer as long as nothing writes the parameters meanwhile. <see cref="IDenseModule{T}.Backward"/> and
/// <see cref="IDenseParameters{T}.ZeroGradients"/> write the gradients and must not run concurrently with each other on one layer.
/// </remarks>
public interface IDenseLayer<T> : IDenseParameters<T>, IDenseModule<T> where T : unmanaged
{
    /// <summary>Sets <see cref="IDenseParameters{T}.WeightGradients"/> and <see cref="IDenseParameters{T}.BiasGradients"/> to zero.</summary>
    new void ZeroGradients();
}

/// <summary>
/// A trainable fully connected layer with an activation, generated by <see cref="DenseAttribute"/> with
/// <see cref="DenseAttribute.Activation"/> set: <c>y = act(W x + b)</c> over batches of samples stored sample-major.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// Thread safety as for <see cref="IDenseLayer{T}"/>: <see cref="IDenseForward{T}.Forward"/> only reads the parameters;
/// <see cref="Backward"/> and <see cref="IDenseParameters{T}.ZeroGradients"/> write the gradients.
/// </remarks>
public interface IActivatedDenseLayer<T> : IDenseParameters<T>, IDenseForward<T> where T : unmanaged
{
    /// <summary>The activation applied to <c>W x + b</c>.</summary>
    Activation Activation { get; }

    /// <summary>
    /// Back-propagates through the activation and the layer: with <c>dZ = dY ⊙ act′</c> (the derivative taken
    /// from <paramref name="output"/>), adds <c>dZᵀ X</c> to <see cref="IDenseParameters{T}.WeightGradients"/> and
    /// <c>Σ dZ</c> to <see cref="IDenseParameters{T}.BiasGradients"/>, and writes <c>∂L/∂X = dZ W</c> into
    /// <paramref name="inputGradient"/> unless it is empty.
    /// </summary>
    /// <param name="input">The batch given to <see cref="IDenseForward{T}.Forward"/>, <c>[k, InputSize]</c>.</param>
    /// <param name="output">What <see cref="IDenseForward{T}.Forward"/> returned for that batch, <c>[k, OutputSize]</c>.</param>
    /// <param name="outputGradient"><c>∂L/∂Y</c>, <c>[k, OutputSize]</c>.</param>
    /// <param name="inputGradient">Receives <c>∂L/∂X</c>, <c>[k, InputSize]</c>; pass an empty span to skip it (a first layer needs none).</param>
    void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);
}

/// <summary>
/// A frozen layer, generated by <see cref="DenseAttribute"/> with <c>Trainable = false</c>: weights and a forward pass,
/// no gradient storage. Its generated <c>Backward</c> only passes the gradient on to the layer's input.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>Thread safety: <see cref="IDenseForward{T}.Forward"/> only reads the parameters; so does <c>Backward</c>.</remarks>
public interface IFrozenDenseLayer<T> : IDenseWeights<T>, IDenseForward<T> where T : unmanaged
{
    /// <summary>The activation applied to <c>W x + b</c>; <see cref="Activation.None"/> for none.</summary>
    Activation Activation { get; }
}
