using System;
using System.Linq;
using System.Threading;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DenseGen.Generator.Layers;

/// <summary>
/// One kind of layer, a row of <see cref="LayerKinds.All"/>: its attribute, its reader (symbols to a spec and
/// diagnostics) and its emitter. The generator runs one pipeline per row, and a network reads a layer field's type with
/// the same reader, so a layer is judged valid or not in one place and a rejected layer is only its own diagnostics.
/// </summary>
internal sealed class LayerKind
{
    private readonly Func<INamedTypeSymbol, TypeDeclarationSyntax, AttributeData, CancellationToken, ParseResult<LayerSpec>> _read;

    private LayerKind(
        string name,
        string attributeName,
        Func<INamedTypeSymbol, TypeDeclarationSyntax, AttributeData, CancellationToken, ParseResult<LayerSpec>> read,
        Func<LayerSpec, TargetInfo, string> emit)
    {
        Name = name;
        AttributeName = attributeName;
        _read = read;
        Emit = emit;
    }

    /// <summary>Creates a row from a kind's own reader and emitter, typed by its own spec.</summary>
    public static LayerKind Create<TSpec>(
        string name,
        string attributeName,
        Func<INamedTypeSymbol, TypeDeclarationSyntax, AttributeData, CancellationToken, ParseResult<TSpec>> read,
        Func<TSpec, TargetInfo, string> emit)
        where TSpec : LayerSpec =>
        new(name, attributeName, (type, declaration, attribute, cancellationToken) => read(type, declaration, attribute, cancellationToken).As<LayerSpec>(), (spec, target) => emit((TSpec)spec, target));

    /// <summary>The kind's name: <c>Dense</c>. Its generated files end in <c>.{Name}.g.cs</c>.</summary>
    public string Name { get; }

    /// <summary>The attribute's full metadata name: <c>DenseGen.DenseAttribute</c>.</summary>
    public string AttributeName { get; }

    /// <summary>Writes the layer's partial type.</summary>
    public Func<LayerSpec, TargetInfo, string> Emit { get; }

    /// <summary>The hint name, e.g. <c>App.Model.Hidden.Dense.g.cs</c>.</summary>
    public string HintName(LayerSpec spec) => GeneratedFile.HintName(spec.Namespace, spec.ContainingTypes, spec.TypeName, "." + Name + ".g.cs");

    /// <summary>The layer pipeline's transform: the annotated declaration read by the kind's reader.</summary>
    public ParseResult<LayerSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        context.TargetSymbol is INamedTypeSymbol type && context.TargetNode is TypeDeclarationSyntax declaration
            ? _read(type, declaration, context.Attributes[0], cancellationToken)
            : ParseResult<LayerSpec>.Nothing;

    /// <summary>This kind's attribute on <paramref name="type"/>, or null.</summary>
    public AttributeData? AttributeOf(ITypeSymbol type) =>
        type.GetAttributes().FirstOrDefault(attribute => attribute.AttributeClass?.ToDisplayString() == AttributeName);

    /// <summary>
    /// The spec a network's layer field gets: the kind's reader run on the declaration that carries the attribute, so
    /// exactly the layers this kind's own pipeline emits are valid. Null for a layer that has errors (they are reported
    /// at the layer, by its own pipeline) or that is not declared in source (its generated members would be its own).
    /// </summary>
    public LayerSpec? ReadForNetwork(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration)
            return null;
        ParseResult<LayerSpec> result = _read(type, declaration, attribute, cancellationToken);
        return result.Diagnostics.Any(diagnostic => diagnostic.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) ? null : result.Spec;
    }
}
