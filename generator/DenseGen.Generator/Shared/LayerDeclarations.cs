using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DenseGen.Generator.Shared;

/// <summary>
/// How a kind's diagnostics word what every layer declaration must be: the attribute as written (<c>[Dense]</c>), the
/// runtime interface a layer of the kind must be able to serve as (a ref struct cannot), and why a readonly struct
/// cannot be one (what the kind writes into itself).
/// </summary>
internal sealed record LayerWording(string Attribute, string Interface, string ReadOnlyStruct);

/// <summary>
/// The checks every layer kind's reader makes of its declaration and of the arguments all kinds share, each reported
/// with the same diagnostic whatever the kind: the type's shape (DG0006), <c>partial</c> on it and on the types around
/// it (DG0001, DG0002), a size (DG0003) and the element type (DG0005).
/// </summary>
internal static class LayerDeclarations
{
    /// <summary>
    /// Whether the attribute already has a compiler error (an argument of the wrong type, an unknown name): reporting
    /// the layer's own diagnostics on top would only repeat it, so the reader reports nothing.
    /// </summary>
    public static bool IsMalformed(AttributeData attribute) =>
        attribute.AttributeClass is null
        || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
        || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

    /// <summary>DG0006 for a type that cannot be a layer; DG0001 and DG0002 for a declaration, or one around it, that is not partial.</summary>
    public static void CheckTypeShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, LayerWording wording, List<DiagnosticInfo> diagnostics)
    {
        LocationInfo? location = LocationInfo.From(declaration.Identifier);
        (ShapeProblem problem, string? genericOuter) = Declarations.ShapeOf(type);
        string? reason = problem switch
        {
            ShapeProblem.NotClassOrStruct => wording.Attribute + " applies to classes and structs only",
            ShapeProblem.Record => "records are not supported, because their generated equality and printing would walk the whole parameter storage; use a class or struct",
            ShapeProblem.Static => "a static class cannot hold a layer's parameters; remove 'static'",
            ShapeProblem.RefStruct => "a ref struct cannot be boxed or kept in a field, so it cannot serve as " + wording.Interface + "; use a struct or class",
            ShapeProblem.ReadOnlyStruct => wording.ReadOnlyStruct + "; remove 'readonly'",
            ShapeProblem.Generic => "generic types are not supported, since the layer's sizes and element type are fixed; remove the type parameters",
            ShapeProblem.NestedInGeneric => "it is nested in the generic type '" + genericOuter + "', which is not supported; move it out",
            _ => null,
        };
        if (reason is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTypeShape, location, type.Name, reason));

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, location, type.Name));
        foreach (TypeDeclarationSyntax outer in Declarations.NonPartialContainers(declaration))
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ContainingTypeNotPartial, LocationInfo.From(outer.Identifier), outer.Identifier.ValueText, type.Name));
        }
    }

    /// <summary>
    /// The positive size the named argument <paramref name="property"/> gives, or 0 after DG0003 (not set, or not
    /// positive). <paramref name="noun"/> says what it counts (<c>inputs</c>); <paramref name="example"/> is an attribute
    /// the message suggests (<c>[Dense(In = 784, Out = 128)]</c>).
    /// </summary>
    public static int ReadSize(
        AttributeData attribute, AttributeSyntax? syntax, string property, string noun, string example, string layerName, List<DiagnosticInfo> diagnostics)
    {
        TypedConstant? value = AttributeArguments.Named(attribute, property);
        if (value is { Value: int size } && size > 0)
            return size;

        string problem = value is { Value: int given } ? given.ToString(CultureInfo.InvariantCulture) : "not set";
        ReportSize(attribute, syntax, property, noun, example, layerName, problem, diagnostics);
        return 0;
    }

    /// <summary>DG0003 at the named argument <paramref name="property"/>, saying what is wrong with it (<paramref name="problem"/>).</summary>
    public static void ReportSize(
        AttributeData attribute, AttributeSyntax? syntax, string property, string noun, string example, string layerName, string problem, List<DiagnosticInfo> diagnostics)
    {
        LocationInfo? location = LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(syntax, property) ?? syntax);
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSize, location, layerName, property, noun, problem, example));
    }

    /// <summary>The element type <c>ElementType</c> names (float when not given), or null after DG0005.</summary>
    public static ElementKind? ReadElementType(AttributeData attribute, AttributeSyntax? syntax, string layerName, List<DiagnosticInfo> diagnostics)
    {
        TypedConstant? value = AttributeArguments.Named(attribute, "ElementType");
        if (Declarations.ElementKindOf(value) is ElementKind element)
            return element;

        string shown = value!.Value.Value is ITypeSymbol other
            ? "typeof(" + other.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + ")"
            : "null";
        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.UnsupportedElementType,
            LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(syntax, "ElementType") ?? syntax),
            layerName,
            shown));
        return null;
    }

    /// <summary>
    /// A struct layer keeps its tensors (and gradients) inline, so its size is its contract's storage: each tensor must
    /// fit the inline buffer the runtime loads (DG0008, an error), and all of it together draws the large-struct warning
    /// past the stack threshold (DG0007). Read from the tensor table, so every kind, with or without an optional tensor,
    /// is measured as it is emitted.
    /// </summary>
    public static void CheckStructStorage(Layers.LayerSpec spec, LocationInfo? typeLocation, List<DiagnosticInfo> diagnostics)
    {
        if (!spec.IsStruct)
            return;
        Layers.LayerContract contract = spec.Contract;
        // The kind's own buffers are counted together: they are a few inline arrays of which none is larger than the sum.
        long largestBufferBytes = System.Math.Max(contract.Tensors.Max(tensor => (long)tensor.Length), contract.OwnBufferLength) * spec.ElementSize;
        if (largestBufferBytes > Layers.LayerLimits.MaxInlineBufferBytes)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.StructLayerTooLarge, typeLocation, spec.TypeName,
                largestBufferBytes.ToString("N0", CultureInfo.InvariantCulture),
                Layers.LayerLimits.MaxInlineBufferBytes.ToString("N0", CultureInfo.InvariantCulture)));
            return;
        }
        long storageBytes = contract.StorageBytes(spec.ElementSize);
        if (storageBytes > Layers.LayerLimits.StructStackWarningBytes)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LargeStructLayer, typeLocation, spec.TypeName, storageBytes.ToString("N0", CultureInfo.InvariantCulture)));
    }
}
