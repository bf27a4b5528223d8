using System;

namespace DenseGen;

/// <summary>
/// Marks a <c>partial</c> class or struct as a long short-term memory layer with PyTorch's <c>nn.LSTM</c> semantics
/// (gates i, f, g, o; <c>c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)</c>, <c>h' = σ(o) ⊙ tanh(c')</c>; two biases), whose sizes are
/// compile-time constants. The DenseGen source generator adds its tensors, named and shaped as PyTorch's state dict
/// (<c>weight_ih_l0</c> <c>[4·Hidden, In]</c>, <c>weight_hh_l0</c> <c>[4·Hidden, Hidden]</c>, <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c>, then the same for each further layer), its initial state, the running state of
/// <see cref="MaxBatch"/> streams, and <c>Step</c>, <c>Forward</c> and <c>ResetState</c>; a trainable layer (the default)
/// also gets <c>Backward</c> through time, its gradients and <c>ZeroGradients</c>.
/// </summary>
/// <example>
/// <code>
/// [Lstm(In = 1, Hidden = 40, Trainable = false)]   // inference only
/// public partial class AmpModel;
///
/// var layer = new AmpModel();
/// trained.WeightIhL0.CopyTo(layer.WeightIhL0);   // and WeightHhL0, BiasIhL0, BiasHhL0
/// Span&lt;float&gt; input = stackalloc float[AmpModel.InputSize], hidden = stackalloc float[AmpModel.HiddenSize];
/// foreach (float sample in audio)
/// {
///     input[0] = sample;
///     layer.Step(input, hidden);   // one time step of one stream
/// }
/// </code>
/// </example>
/// <remarks>
/// The annotated type and every type containing it must be <c>partial</c> and non-generic. A struct layer holds its
/// tensors, state, gradients and kept history inline.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class LstmAttribute : Attribute
{
    /// <summary>Inputs per time step (PyTorch's <c>input_size</c>). Required; at least 1.</summary>
    public int In { get; set; }

    /// <summary>Hidden units per layer (PyTorch's <c>hidden_size</c>): the output per time step. Required; at least 1.</summary>
    public int Hidden { get; set; }

    /// <summary>Stacked layers (PyTorch's <c>num_layers</c>): layer k &gt; 0 reads layer k − 1's output at the same time step. Default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>
    /// Independent streams the layer keeps state for (the batch of PyTorch's <c>h_0</c>, <c>[Layers, batch, Hidden]</c>):
    /// <c>Step</c> and <c>Forward</c> take up to this many at once. Default 1.
    /// </summary>
    public int MaxBatch { get; set; } = 1;

    /// <summary>
    /// Whether the layer learns (the default): it keeps what <c>Forward</c> computed over up to <see cref="MaxSteps"/>
    /// steps and gets <c>Backward</c>, gradients and <c>ZeroGradients</c>. A frozen layer (<c>Trainable = false</c>) keeps
    /// nothing, takes sequences of any length, and is the smallest and fastest for inference.
    /// </summary>
    public bool Trainable { get; set; } = true;

    /// <summary>
    /// The longest sequence a trainable layer's <c>Forward</c> takes, in time steps: it keeps every step's gates and state
    /// for <c>Backward</c>, which <c>StorageBytes</c> counts. Default 1; at least 1. Not used by a frozen layer.
    /// </summary>
    public int MaxSteps { get; set; } = 1;

    /// <summary>
    /// Whether a trainable layer also learns its initial state (<c>InitialHiddenState</c> and <c>InitialCellState</c>), as Neural Amp Modeler's models do:
    /// it then has gradients optimizers update. Default <c>false</c>: the initial state is saved and loaded but not trained.
    /// </summary>
    public bool TrainInitialState { get; set; }

    /// <summary>Element type of tensors, state, inputs and outputs: <c>typeof(float)</c> (the default) or <c>typeof(double)</c>.</summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>
    /// Whether the layer promises the same bits on every machine and runtime (default <c>false</c>): every sum in a fixed
    /// order, every step rounded explicitly, and DenseGen's own sigmoid and tanh (docs/determinism.md).
    /// </summary>
    public bool Deterministic { get; set; }
}
