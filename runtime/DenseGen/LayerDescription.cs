using System;
using System.Collections.Generic;

namespace DenseGen;

/// <summary>
/// One layer of a <c>[Sequential]</c> network, of any kind, as the network's weight files record it: its kind, its
/// architecture, its sizes and its tensors by name.
/// </summary>
public sealed class LayerDescription
{
    private readonly TensorDescription[] _tensors;

    /// <summary>Describes a layer; generated networks call this, once per layer.</summary>
    /// <param name="tensorName">The prefix of the layer's tensors: <c>{tensorName}.weight</c>.</param>
    /// <param name="kind">The kind of layer: <c>Dense</c>, <c>Standardize</c>.</param>
    /// <param name="architecture">The layer as weight files record it, e.g. <c>Dense(In = 784, Out = 128, Activation = ReLU)</c>.</param>
    /// <param name="inputSize">Inputs per sample.</param>
    /// <param name="outputSize">Outputs per sample.</param>
    /// <param name="activation">The activation the layer applies; <see cref="Activation.None"/> for kinds without one.</param>
    /// <param name="trainable">Whether the layer learns; frozen layers are saved and loaded like the others.</param>
    /// <param name="tensors">The layer's tensor table, named without the prefix (<c>weight</c>, <c>bias</c>), in the order files and initializers take them.</param>
    /// <exception cref="ArgumentException">A name is empty, or two tensors share a name.</exception>
    public LayerDescription(string tensorName, string kind, string architecture, int inputSize, int outputSize, Activation activation, bool trainable, params TensorDescription[] tensors)
        : this(tensorName, kind, architecture, inputSize, outputSize, activation, Activations.LeakyReLUNegativeSlope, trainable, tensors)
    {
    }

    /// <summary>Describes a layer whose leaky ReLU has a slope other than 0.01; generated networks call this, once per such layer.</summary>
    /// <param name="tensorName">The prefix of the layer's tensors: <c>{tensorName}.weight</c>.</param>
    /// <param name="kind">The kind of layer: <c>Dense</c>, <c>Standardize</c>.</param>
    /// <param name="architecture">The layer as weight files record it, e.g. <c>Dense(In = 64, Out = 64, Activation = LeakyReLU, NegativeSlope = 0.2)</c>.</param>
    /// <param name="inputSize">Inputs per sample.</param>
    /// <param name="outputSize">Outputs per sample.</param>
    /// <param name="activation">The activation the layer applies; <see cref="Activation.None"/> for kinds without one.</param>
    /// <param name="negativeSlope">The slope of the layer's leaky ReLU below 0 (<see cref="DenseAttribute.NegativeSlope"/>), which an ONNX <c>LeakyRelu</c>'s alpha must equal.</param>
    /// <param name="trainable">Whether the layer learns; frozen layers are saved and loaded like the others.</param>
    /// <param name="tensors">The layer's tensor table, named without the prefix (<c>weight</c>, <c>bias</c>), in the order files and initializers take them.</param>
    /// <exception cref="ArgumentException">A name is empty, or two tensors share a name.</exception>
    public LayerDescription(string tensorName, string kind, string architecture, int inputSize, int outputSize, Activation activation, double negativeSlope, bool trainable, params TensorDescription[] tensors)
    {
        Argument.NotNullOrEmpty(tensorName, nameof(tensorName));
        Argument.NotNullOrEmpty(kind, nameof(kind));
        Argument.NotNullOrEmpty(architecture, nameof(architecture));
        Argument.NotNull(tensors, nameof(tensors));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorDescription tensor in tensors)
        {
            if (tensor is null)
                throw new ArgumentException("A tensor description is null.", nameof(tensors));
            if (!names.Add(tensor.Name))
                throw new ArgumentException($"The layer '{tensorName}' lists the tensor '{tensor.Name}' twice.", nameof(tensors));
        }
        TensorName = tensorName;
        Kind = kind;
        Architecture = architecture;
        InputSize = inputSize;
        OutputSize = outputSize;
        Activation = activation;
        NegativeSlope = negativeSlope;
        Trainable = trainable;
        _tensors = (TensorDescription[])tensors.Clone();
    }

    /// <summary>The prefix of the layer's tensors: <c>{TensorName}.weight</c>, <c>{TensorName}.bias</c>.</summary>
    public string TensorName { get; }

    /// <summary>The kind of layer: <c>Dense</c>, <c>Standardize</c>.</summary>
    public string Kind { get; }

    /// <summary>The architecture as a weight file records it, e.g. <c>Dense(In = 784, Out = 128, Activation = ReLU)</c>.</summary>
    public string Architecture { get; }

    /// <summary>Inputs per sample.</summary>
    public int InputSize { get; }

    /// <summary>Outputs per sample.</summary>
    public int OutputSize { get; }

    /// <summary>The activation the layer applies; <see cref="Activation.None"/> for kinds without one.</summary>
    public Activation Activation { get; }

    /// <summary>The slope of the layer's leaky ReLU below 0; 0.01 (<see cref="Activations.LeakyReLUNegativeSlope"/>) for every other layer.</summary>
    public double NegativeSlope { get; }

    /// <summary>Whether the layer learns; frozen layers are saved and loaded like the others.</summary>
    public bool Trainable { get; }

    /// <summary>The layer's tensors, named without the prefix, in the order files and initializers take them.</summary>
    public IReadOnlyList<TensorDescription> Tensors => _tensors;

    /// <summary>As messages write it: <c>hidden: Dense(In = 6, Out = 5, Activation = ReLU)</c>.</summary>
    public override string ToString() => TensorName + ": " + Architecture;
}
