using DenseGen.Generator.Networks;
using System.Linq;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Networks;

/// <summary>
/// One layer of a network, as the network's parser read it from the field and from the <c>[Dense]</c> attribute on the
/// field's type (the layer's own generated code is invisible to this run of the generator, so its sizes come from
/// the attribute).
/// </summary>
/// <param name="FieldName">The field's name, as written in the network.</param>
/// <param name="TypeName">The layer type, fully qualified with <c>global::</c>.</param>
/// <param name="IsStruct">Whether the layer type is a struct (held inline) or a class (held by reference).</param>
/// <param name="TensorName">The prefix of its tensors in weight files.</param>
internal sealed record NetworkLayer(
    string FieldName,
    string TypeName,
    bool IsStruct,
    string TensorName,
    int In,
    int Out,
    ActivationKind Activation,
    bool Trainable,
    bool Deterministic = false)
{
    public bool HasActivation => Activation != ActivationKind.None;
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
    bool RequiresDeterministicMode = false) : IGeneratedTypeSpec
{
    // RequiresDeterministicMode: whether the portable output's entry points turn the runtime's deterministic mode on
    // (every layer deterministic, unless the project opted out; see DeterministicModeRequirement).

    /// <summary>Whether every layer is deterministic by its own attribute.</summary>
    public bool HasOnlyDeterministicLayers => Layers.All(layer => layer.Deterministic);

    public bool IsComplete => Weights is null || Baked is not null;

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
