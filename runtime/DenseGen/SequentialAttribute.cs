using System;

namespace DenseGen;

/// <summary>
/// Marks a <c>partial</c> class or struct as a network: its instance fields whose types are <c>[Dense]</c> layers, in
/// declaration order, run one after another. The generator checks at compile time that each layer's input size is
/// the previous layer's output size, and adds the network's sizes, buffers, <c>Forward</c>, <c>Backward</c>,
/// <c>ZeroGradients</c>, <c>Initialize</c>, <c>Save</c> and <c>Load</c>.
/// </summary>
/// <example>
/// <code>
/// [Dense(In = 784, Out = 128, Activation = Activation.ReLU)] public partial class Hidden;
/// [Dense(In = 128, Out = 10)] public partial class Output;
///
/// [Sequential(MaxBatch = 32)]
/// public partial class MnistNet
/// {
///     public readonly Hidden Hidden = new();
///     public readonly Output Output = new();
/// }
/// </code>
/// </example>
/// <remarks>
/// A class network allocates its buffers once, with the network; a struct network keeps them inline, so a struct
/// network of struct layers is one stack-allocatable value. Layer fields must all be declared in one part of the
/// partial type, since their order is the order the layers run in.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SequentialAttribute : Attribute
{
    /// <summary>
    /// <see cref="MaxBatch"/> when none is given: 16 samples, enough for the kernels to reuse each row of weights across
    /// samples, so a large <c>Forward</c> runs within a few percent of <c>MaxBatch = 64</c> (see docs/performance.md),
    /// while the buffers stay small: for a trainable network, 16 samples of every hidden layer's output (and of the last
    /// layer's, when it has an activation) plus two gradient buffers of the widest hidden layer; for a frozen network, two
    /// buffers of the widest hidden layer (docs/api.md has the formula; <c>StorageBytes</c> counts them).
    /// </summary>
    public const int DefaultMaxBatch = 16;

    /// <summary>
    /// The most samples one <c>Backward</c> takes, and the chunk size of <c>Forward</c>: the network's buffers hold the
    /// activations of this many samples, which the generated <c>StorageBytes</c> counts. At least 1; the default is
    /// <see cref="DefaultMaxBatch"/>. Raise it to train on larger batches in one <c>Backward</c>; lower it to 1 to keep a
    /// struct network of one-sample inference as small as it can be. In a network with <c>[Lstm]</c> or <c>[Gru]</c> fields
    /// it counts streams (a sample is one stream's whole sequence, and the recurrent layers keep state for that many): unless
    /// given, the network takes its recurrent fields' <c>MaxBatch</c>; given, it must equal theirs (DG0039).
    /// </summary>
    public int MaxBatch { get; set; } = DefaultMaxBatch;

    /// <summary>
    /// For a network with <c>[Lstm]</c> or <c>[Gru]</c> fields: the most time steps one <c>Forward(input, output, steps)</c>
    /// of a trainable network takes (its buffers keep every step of every layer for <c>Backward</c>), and the chunk of time
    /// a frozen network's <c>Forward</c> runs its layers on. At least 1. Unless given, a network takes its trainable
    /// recurrent fields' <c>MaxSteps</c> (1 when none trains); given, it must equal theirs (DG0039). A network without a
    /// recurrent field has no time steps and refuses it (DG0039).
    /// </summary>
    public int MaxSteps { get; set; } = 1;

    /// <summary>
    /// A weight file (<c>.safetensors</c> or <c>.onnx</c>) whose weights the network starts with, compiled into the
    /// assembly: the generator reads it at compile time, checks every tensor (or the ONNX graph) against the layers and
    /// reports a mismatch as a compile error here. The package's build files hand the generator every <c>.safetensors</c>
    /// and <c>.onnx</c> file of the project (its <c>None</c>, <c>Content</c> and <c>EmbeddedResource</c> items), named by
    /// the path from the project directory (or the item's <c>Link</c>), and this is that path, compared exactly
    /// (case-sensitive; <c>\</c> reads as <c>/</c>, a leading <c>./</c> is ignored): a file name alone finds only a file
    /// at the top of the project directory, not one in a folder (the error, DG0029, then gives its path). In Unity, add
    /// the file's text form yourself (see docs/import.md).
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>
    /// Asks that the network compute the same bits on every machine: every layer must then be
    /// <c>[Dense(Deterministic = true)]</c> (a compile error names the ones that are not), unless the project sets
    /// <c>&lt;DenseGenDeterministic&gt;true&lt;/DenseGenDeterministic&gt;</c>, which makes every layer deterministic.
    /// See docs/determinism.md.
    /// </summary>
    public bool Deterministic { get; set; }
}

/// <summary>
/// Names a layer field's tensors in the network's weight files: <c>[TensorName("0")]</c> stores the layer as
/// <c>0.weight</c> and <c>0.bias</c>, as PyTorch's <c>nn.Sequential</c> numbers its modules. Without it, the tensors
/// are named after the field, its first letter lowered (<c>Hidden</c> → <c>hidden.weight</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class TensorNameAttribute : Attribute
{
    /// <summary>Names the layer's tensors <c>{name}.weight</c> and <c>{name}.bias</c>.</summary>
    /// <param name="name">The prefix; not empty, and unique within the network.</param>
    public TensorNameAttribute(string name) => Name = name;

    /// <summary>The prefix of the layer's tensor names.</summary>
    public string Name { get; }
}
