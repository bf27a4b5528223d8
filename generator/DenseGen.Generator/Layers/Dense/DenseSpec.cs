using DenseGen.Generator.Model;
namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// Everything the emitter needs to write one layer, and nothing else: plain strings, numbers and an
/// equatable array, so that an edit which doesn't change these values leaves the generated source cached.
/// Never holds symbols, syntax, locations or the compilation.
/// </summary>
internal sealed record DenseSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    bool IsStruct,
    ElementKind Element,
    int In,
    int Out,
    bool FullUnroll,
    ActivationKind Activation = default,
    bool Trainable = true,
    bool Deterministic = false,
    bool RequiresDeterministicMode = false) : IGeneratedTypeSpec
{
    public bool IsComplete => true;

    // RequiresDeterministicMode: whether the portable output's entry points turn the runtime's deterministic mode on
    // (a deterministic layer, unless the project opted out; see DeterministicModeRequirement).

    /// <summary>Whether the layer applies an activation, and so has the four-argument Backward.</summary>
    public bool HasActivation => Activation != ActivationKind.None;

    /// <summary>Number of weights, <c>In × Out</c>; the parser guarantees it fits an array.</summary>
    public int WeightCount => In * Out;

    /// <summary>The C# keyword of the element type.</summary>
    public string ElementKeyword => Element.Keyword();

    /// <summary>Size of one element in bytes.</summary>
    public int ElementSize => Element.Size();
}
