using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DenseGen.Generator.Layers.Standardize;

/// <summary>
/// Turns a type annotated with [Standardize] into a <see cref="StandardizeSpec"/> and the diagnostics it deserves, for
/// the layer's own pipeline and for a network holding it (which keeps the spec only when there is no error). Reads
/// symbols and syntax here and nowhere else; what leaves this class is plain values.
/// </summary>
internal static class StandardizeParser
{
    /// <summary>How the checks every layer kind shares word a standardizing layer's diagnostics.</summary>
    private static readonly LayerWording Wording = new(
        "[Standardize]", "IForwardModule<T>", "a readonly struct cannot have its mean and std loaded or initialized");

    public static ParseResult<StandardizeSpec> Read(INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData attribute, CancellationToken cancellationToken)
    {
        if (LayerDeclarations.IsMalformed(attribute))
            return ParseResult<StandardizeSpec>.Nothing;

        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;
        LayerDeclarations.CheckTypeShape(type, declaration, Wording, diagnostics);
        EquatableArray<ContainingType> containingTypes = Declarations.ContainingTypes(declaration);

        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        int size = ReadSize(attribute, attributeSyntax, name, diagnostics);
        double clip = ReadClip(attribute, attributeSyntax, name, diagnostics);
        ElementKind? element = LayerDeclarations.ReadElementType(attribute, attributeSyntax, name, diagnostics);
        bool deterministic = AttributeArguments.Named(attribute, "Deterministic")?.Value is true;
        bool isStruct = type.TypeKind == TypeKind.Struct;

        // The spec as declared, whose contract sizes a struct layer's storage; kept only when nothing is an error.
        StandardizeSpec? candidate = element is ElementKind valid && size > 0
            ? new StandardizeSpec(
                Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                ContainingTypes: containingTypes,
                TypeName: name,
                IsStruct: isStruct,
                Element: valid,
                Size: size,
                Clip: clip,
                Deterministic: deterministic)
            : null;
        if (element is ElementKind kind)
        {
            if (candidate is not null)
                LayerDeclarations.CheckStructStorage(candidate, LocationInfo.From(declaration.Identifier), diagnostics);
            // A member of the user's that the generated part would declare again is an error there, in a file nobody
            // reads; report it at the user's member instead, and generate nothing.
            MemberCollisions.Report(type, "layer", StandardizeMembers.For(kind), diagnostics);
        }

        bool hasErrors = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        StandardizeSpec? spec = hasErrors ? null : candidate;
        // Where a struct layer is declared, in case the target turns out to need class layers (DG0015).
        LocationInfo? structDeclaration = spec is { IsStruct: true } ? LocationInfo.From(declaration.Identifier) : null;
        return new ParseResult<StandardizeSpec>(spec, diagnostics.ToEquatableArray(), structDeclaration);
    }

    /// <summary>Size: positive (DG0003), and each of the two tensors within what an array holds.</summary>
    private static int ReadSize(AttributeData attribute, AttributeSyntax? syntax, string name, List<DiagnosticInfo> diagnostics)
    {
        const string Example = "[Standardize(Size = 8)]";
        int size = LayerDeclarations.ReadSize(attribute, syntax, "Size", "elements", Example, name, diagnostics);
        if (size <= LayerLimits.MaxElements)
            return size;
        string problem = size.ToString("N0", CultureInfo.InvariantCulture) + ", more than the "
            + LayerLimits.MaxElements.ToString("N0", CultureInfo.InvariantCulture) + " elements a .NET array or span can index";
        LayerDeclarations.ReportSize(attribute, syntax, "Size", "elements", Example, name, problem, diagnostics);
        return 0;
    }

    /// <summary>Clip: finite and not negative (DG0034); 0 when not given. A negative zero reads as zero, no clamp.</summary>
    private static double ReadClip(AttributeData attribute, AttributeSyntax? syntax, string name, List<DiagnosticInfo> diagnostics)
    {
        if (AttributeArguments.Named(attribute, "Clip")?.Value is not double clip || clip == 0)
            return 0;
        if (clip > 0 && !double.IsInfinity(clip))
            return clip;
        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.InvalidClip,
            LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(syntax, "Clip") ?? syntax),
            name,
            clip.ToString("R", CultureInfo.InvariantCulture)));
        return 0;
    }
}
