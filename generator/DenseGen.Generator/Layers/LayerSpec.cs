using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers;

/// <summary>
/// What every kind of layer's spec has: where the type is declared, its element type, whether it learns and whether it
/// is deterministic, and the <see cref="LayerContract"/> its kind derives from the rest. Each kind derives a sealed
/// record from this with the values its own attribute gives; like them, it holds plain values only (never symbols,
/// syntax, locations or the compilation), so an edit that leaves them unchanged leaves the output cached.
/// </summary>
internal abstract record LayerSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    bool IsStruct,
    ElementKind Element,
    bool Trainable,
    bool Deterministic,
    bool RequiresDeterministicMode) : IGeneratedTypeSpec
{
    // RequiresDeterministicMode: whether the portable output's entry points turn the runtime's deterministic mode on
    // (a deterministic layer, unless the project opted out; see DeterministicModeRequirement).

    public bool IsComplete => true;

    public bool RequiresFullTarget => IsStruct;

    /// <summary>The C# keyword of the element type.</summary>
    public string ElementKeyword => Element.Keyword();

    /// <summary>Size of one element in bytes.</summary>
    public int ElementSize => Element.Size();

    /// <summary>All a network (and the shared frame of the layer's code) knows of the layer: derived from the values above, never stored.</summary>
    public abstract LayerContract Contract { get; }
}
