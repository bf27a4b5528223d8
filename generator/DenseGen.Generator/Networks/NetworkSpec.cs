using DenseGen.Generator.Layers;
using System.Linq;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Networks;

/// <summary>
/// One layer of a network, as the network's parser read it: the field, and the contract the layer's kind derives from
/// the attribute on the field's type (the layer's own generated code is invisible to this run of the generator, so the
/// network knows the layer through its kind's reader, the one the layer's own pipeline runs).
/// </summary>
/// <param name="FieldName">The field's name, as written in the network.</param>
/// <param name="TypeName">The layer type, fully qualified with <c>global::</c>.</param>
/// <param name="IsStruct">Whether the layer type is a struct (held inline) or a class (held by reference).</param>
/// <param name="TensorName">The prefix of its tensors in weight files.</param>
/// <param name="Contract">All the network knows of the layer.</param>
internal sealed record NetworkLayer(
    string FieldName,
    string TypeName,
    bool IsStruct,
    string TensorName,
    LayerContract Contract)
{
    /// <summary>Elements of one sample's input.</summary>
    public int In => Contract.Input.Size;

    /// <summary>Elements of one sample's output.</summary>
    public int Out => Contract.Output.Size;

    public bool Trainable => Contract.Trainable;

    public bool Deterministic => Contract.Deterministic;

    /// <summary>Whether its Backward takes the output of its Forward, which the network then keeps.</summary>
    public bool KeepsOutput => Contract.Keeps == BackwardNeeds.Output;

    /// <summary>How generated docs describe it: <c>784 → 128, ReLU</c>.</summary>
    public string Description => Contract.Description;
}

/// <summary>
/// Everything the emitter needs to write one network, as plain values: an edit that leaves these unchanged (including
/// the layers' sizes, read from their attributes) leaves the generated network cached.
/// </summary>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    bool IsStruct,
    ElementKind Element,
    int MaxBatch,
    EquatableArray<NetworkLayer> Layers,
    string? Weights = null,
    BakedWeights? Baked = null,
    BakeProblem? BakeProblem = null,
    bool RequiresDeterministicMode = false,
    int MaxSteps = 1) : IGeneratedTypeSpec
{
    // MaxSteps: for a network of sequences, the steps one Forward keeps (trainable) or runs at a time (frozen).

    // RequiresDeterministicMode: whether the portable output's entry points turn the runtime's deterministic mode on
    // (every layer deterministic, unless the project opted out; see DeterministicModeRequirement).

    /// <summary>
    /// Whether a layer keeps state per stream (a recurrent one): then a sample is one stream's whole sequence, every other
    /// layer applies at each time step, and the network runs <c>Step</c> and <c>Forward(input, output, steps)</c>.
    /// </summary>
    public bool IsSequence => Layers.Any(layer => layer.Contract.Streams is not null);

    /// <summary>Rows of one layer's output the buffers hold: <see cref="MaxBatch"/> samples, or for a network of sequences every step of <see cref="MaxSteps"/> of each stream.</summary>
    public long Rows => (long)MaxBatch * (IsSequence ? MaxSteps : 1);

    /// <summary>Whether every layer is deterministic by its own attribute.</summary>
    public bool HasOnlyDeterministicLayers => Layers.All(layer => layer.Deterministic);

    public bool IsComplete => Weights is null || Baked is not null;

    /// <summary>A struct network, or one holding struct layers, which the portable output does not generate (DG0015 at each), so neither is the network.</summary>
    public bool RequiresFullTarget => IsStruct || Layers.Any(layer => layer.IsStruct);

    public string ElementKeyword => Element.Keyword();

    public int ElementSize => Element.Size();

    public NetworkLayer First => Layers[0];

    public NetworkLayer Last => Layers[Layers.Count - 1];

    /// <summary>Whether any layer learns; a network of frozen layers is inference-only and has no <c>Backward</c>.</summary>
    public bool IsTrainable => Layers.Any(layer => layer.Trainable);

    /// <summary>The index of the first trainable layer: no gradient needs to flow past it unless the caller asks for the input's.</summary>
    public int FirstTrainable
    {
        get
        {
            for (int i = 0; i < Layers.Count; i++)
            {
                if (Layers[i].Trainable)
                    return i;
            }
            return -1;
        }
    }

    /// <summary>The widest output of any layer but the last: the size of one sample's hidden activations or their gradient.</summary>
    public int WidestHidden => Layers.Count < 2 ? 0 : Enumerable.Range(0, Layers.Count - 1).Max(i => Layers[i].Out);
}
