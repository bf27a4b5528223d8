using System.Collections.Generic;
using DenseGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DenseGen.Generator.Shared;

/// <summary>Why a type cannot take a DenseGen attribute; each parser words the reason for its own attribute.</summary>
internal enum ShapeProblem
{
    None,
    NotClassOrStruct,
    Record,
    Static,
    RefStruct,
    ReadOnlyStruct,
    Generic,
    NestedInGeneric,
}

/// <summary>Facts about an annotated declaration that the layer and network parsers both read.</summary>
internal static class Declarations
{
    /// <summary>The first thing that rules the type out, in a fixed order, and for a generic outer type its name.</summary>
    public static (ShapeProblem Problem, string? GenericOuter) ShapeOf(INamedTypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            return (ShapeProblem.NotClassOrStruct, null);
        if (type.IsRecord)
            return (ShapeProblem.Record, null);
        if (type.IsStatic)
            return (ShapeProblem.Static, null);
        if (type.IsRefLikeType)
            return (ShapeProblem.RefStruct, null);
        if (type.IsReadOnly)
            return (ShapeProblem.ReadOnlyStruct, null);
        if (type.TypeParameters.Length > 0)
            return (ShapeProblem.Generic, null);
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
                return (ShapeProblem.NestedInGeneric, outer.Name);
        }
        return (ShapeProblem.None, null);
    }

    /// <summary>The types enclosing <paramref name="declaration"/>, outermost first, as the emitters reopen them.</summary>
    public static EquatableArray<ContainingType> ContainingTypes(TypeDeclarationSyntax declaration)
    {
        var types = new List<ContainingType>();
        foreach (TypeDeclarationSyntax outer in Containers(declaration))
            types.Add(new ContainingType(KeywordOf(outer), outer.Identifier.ValueText));
        types.Reverse();
        return types.ToEquatableArray();
    }

    /// <summary>The declarations enclosing <paramref name="declaration"/> that lack <c>partial</c>, innermost first.</summary>
    public static IEnumerable<TypeDeclarationSyntax> NonPartialContainers(TypeDeclarationSyntax declaration)
    {
        foreach (TypeDeclarationSyntax outer in Containers(declaration))
        {
            if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                yield return outer;
        }
    }

    /// <summary>
    /// The element type an <c>ElementType</c> argument names: <see cref="ElementKind.Float32"/> when it is not given, null
    /// when it names a type DenseGen does not support.
    /// </summary>
    public static ElementKind? ElementKindOf(TypedConstant? value)
    {
        if (value is null)
            return ElementKind.Float32;
        return (value.Value.Value as ITypeSymbol)?.SpecialType switch
        {
            SpecialType.System_Single => ElementKind.Float32,
            SpecialType.System_Double => ElementKind.Float64,
            _ => null,
        };
    }

    private static IEnumerable<TypeDeclarationSyntax> Containers(TypeDeclarationSyntax declaration)
    {
        for (SyntaxNode? node = declaration.Parent; node is TypeDeclarationSyntax outer; node = outer.Parent)
            yield return outer;
    }

    private static string KeywordOf(TypeDeclarationSyntax declaration) => declaration switch
    {
        RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        _ => declaration.Keyword.ValueText,
    };
}
