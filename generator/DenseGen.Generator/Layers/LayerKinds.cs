using System.Collections.Immutable;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Layers.Recurrent;
using DenseGen.Generator.Layers.Standardize;
using Microsoft.CodeAnalysis;

namespace DenseGen.Generator.Layers;

/// <summary>
/// Every kind of layer the generator knows, one row each. A new kind is a folder beside <c>Dense/</c> (its attribute
/// reader, its spec deriving <see cref="LayerSpec"/>, its emitter and kernels) and a row here; the pipelines, the
/// network and the shared frame take it from its <see cref="LayerContract"/>.
/// </summary>
internal static class LayerKinds
{
    public static readonly LayerKind Dense = LayerKind.Create<DenseSpec>(DenseSpec.KindName, "DenseGen.DenseAttribute", DenseParser.Read, DenseEmitter.Emit);

    public static readonly LayerKind Standardize = LayerKind.Create<StandardizeSpec>(StandardizeSpec.KindName, "DenseGen.StandardizeAttribute", StandardizeParser.Read, StandardizeEmitter.Emit);

    public static readonly LayerKind Lstm = LayerKind.Create<RecurrentSpec>(RecurrentSpec.LstmKindName, "DenseGen.LstmAttribute", RecurrentParser.ReadLstm, RecurrentEmitter.Emit);

    public static readonly LayerKind Gru = LayerKind.Create<RecurrentSpec>(RecurrentSpec.GruKindName, "DenseGen.GruAttribute", RecurrentParser.ReadGru, RecurrentEmitter.Emit);

    public static readonly ImmutableArray<LayerKind> All = ImmutableArray.Create(Dense, Standardize, Lstm, Gru);

    /// <summary>The kind whose attribute <paramref name="type"/> carries, with that attribute; null for a type that is no layer.</summary>
    public static (LayerKind Kind, AttributeData Attribute)? Of(ITypeSymbol type)
    {
        foreach (LayerKind kind in All)
        {
            if (kind.AttributeOf(type) is { } attribute)
                return (kind, attribute);
        }
        return null;
    }
}
