using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using DenseGen.Generator.Definitions;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// Turns a type annotated with [Dense] into a <see cref="DenseSpec"/> and the diagnostics it deserves.
/// Reads symbols and syntax here and nowhere else; what leaves this class is plain values.
/// </summary>
internal static class DenseParser
{
    /// <summary>The layer pipeline's transform, for tests that substitute it; the generator runs <see cref="Read"/> through its row in <c>LayerKinds</c>.</summary>
    public static ParseResult<DenseSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        context.TargetSymbol is INamedTypeSymbol type && context.TargetNode is TypeDeclarationSyntax declaration
            ? Read(type, declaration, context.Attributes[0], cancellationToken)
            : ParseResult<DenseSpec>.Nothing;

    /// <summary>
    /// Reads the layer declared by <paramref name="declaration"/> with <paramref name="attribute"/>: for the layer's own
    /// pipeline, and for a network holding the layer (which keeps the spec only when there is no error).
    /// </summary>
    public static ParseResult<DenseSpec> Read(INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData attribute, CancellationToken cancellationToken)
    {
        // A malformed attribute (wrong argument type, unknown name) already has a compiler error; adding
        // ours on top would only repeat it.
        if (attribute.AttributeClass is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
            || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
        {
            return ParseResult<DenseSpec>.Nothing;
        }

        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;

        CheckTypeShape(type, declaration, diagnostics);
        EquatableArray<ContainingType> containingTypes = Declarations.ContainingTypes(declaration);

        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        int inputs = ReadSize(attribute, attributeSyntax, "In", "inputs", name, diagnostics);
        int outputs = ReadSize(attribute, attributeSyntax, "Out", "outputs", name, diagnostics);
        ElementKind? element = ReadElementType(attribute, attributeSyntax, name, diagnostics);
        bool fullUnroll = ReadUnroll(attribute, attributeSyntax, name, diagnostics);
        ActivationKind activation = ReadNegativeSlope(ReadActivation(attribute, attributeSyntax, name, diagnostics), attribute, attributeSyntax, name, diagnostics);
        bool trainable = NamedArgument(attribute, "Trainable")?.Value is not false;
        bool deterministic = NamedArgument(attribute, "Deterministic")?.Value is true;
        bool bias = NamedArgument(attribute, "Bias")?.Value is not false;

        bool isStruct = type.TypeKind == TypeKind.Struct;
        // The spec as declared, whose contract sizes a struct layer's storage; kept only when nothing is an error.
        DenseSpec? candidate = null;
        if (inputs > 0 && outputs > 0 && element is ElementKind kind)
        {
            if (CheckWeightCount(inputs, outputs, name, LocationInfo.From(declaration.Identifier), attributeSyntax, diagnostics))
            {
                candidate = new DenseSpec(
                    Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                    ContainingTypes: containingTypes,
                    TypeName: name,
                    IsStruct: isStruct,
                    Element: kind,
                    In: inputs,
                    Out: outputs,
                    FullUnroll: fullUnroll,
                    Activation: activation,
                    Trainable: trainable,
                    Deterministic: deterministic,
                    Bias: bias);
                LayerDeclarations.CheckStructStorage(candidate, LocationInfo.From(declaration.Identifier), diagnostics);
            }
            CheckActivationWidth(activation, outputs, kind, name, attributeSyntax, diagnostics);
        }

        // A member of the user's that the generated part would declare again is an error there (CS0102, CS0111), in a file
        // nobody reads; report it at the user's member instead, and generate nothing.
        if (element is ElementKind elementKind)
            MemberCollisions.Report(type, "layer", DenseMembers.For(elementKind, activation != ActivationKind.None, trainable), diagnostics);

        bool hasErrors = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        DenseSpec? spec = hasErrors ? null : candidate;
        if (spec is { FullUnroll: true } && KernelPlanner.FullUnrollOverLimit(spec) is { } overLimit)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.FullUnrollTooLarge,
                LocationInfo.From((SyntaxNode?)ArgumentSyntax(attributeSyntax, "Unroll") ?? attributeSyntax),
                name,
                overLimit.Method,
                overLimit.IlBytes.ToString("N0", CultureInfo.InvariantCulture),
                KernelPlanner.JitIlSizeLimit.ToString("N0", CultureInfo.InvariantCulture),
                overLimit.AutoPlan));
        }
        // Where a struct layer is declared, in case the target turns out to need class layers (DG0015).
        LocationInfo? structDeclaration = spec is { IsStruct: true } ? LocationInfo.From(declaration.Identifier) : null;
        return new ParseResult<DenseSpec>(spec, diagnostics.ToEquatableArray(), structDeclaration);
    }

    /// <summary>How the checks every layer kind shares word a dense layer's diagnostics.</summary>
    private static readonly LayerWording Wording = new("[Dense]", "IDenseLayer<T>", "a readonly struct cannot accumulate gradients");

    private static void CheckTypeShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics) =>
        LayerDeclarations.CheckTypeShape(type, declaration, Wording, diagnostics);

    private static int ReadSize(
        AttributeData attribute, AttributeSyntax? syntax, string property, string noun, string layerName, List<DiagnosticInfo> diagnostics) =>
        LayerDeclarations.ReadSize(attribute, syntax, property, noun, "[Dense(In = 784, Out = 128)]", layerName, diagnostics);

    private static ElementKind? ReadElementType(AttributeData attribute, AttributeSyntax? syntax, string layerName, List<DiagnosticInfo> diagnostics) =>
        LayerDeclarations.ReadElementType(attribute, syntax, layerName, diagnostics);

    // UnrollMode's values, as the runtime declares them.
    private const int UnrollAuto = 0, UnrollFull = 1;

    private static bool ReadUnroll(AttributeData attribute, AttributeSyntax? syntax, string layerName, List<DiagnosticInfo> diagnostics)
    {
        TypedConstant? value = NamedArgument(attribute, "Unroll");
        switch (value?.Value)
        {
            case null:
            case UnrollAuto:
                return false;
            case UnrollFull:
                return true;
            default:
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnknownUnrollMode,
                    LocationInfo.From((SyntaxNode?)ArgumentSyntax(syntax, "Unroll") ?? syntax),
                    layerName,
                    System.Convert.ToString(value.Value.Value, CultureInfo.InvariantCulture) ?? ""));
                return false;
        }
    }

    private static ActivationKind ReadActivation(AttributeData attribute, AttributeSyntax? syntax, string layerName, List<DiagnosticInfo> diagnostics)
    {
        TypedConstant? value = NamedArgument(attribute, "Activation");
        if (value?.Value is null)
            return ActivationKind.None;
        if (value.Value.Value is int number && ActivationTable.IsDefined(number))
            return ActivationKind.FromValue(number);
        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.UnknownActivation,
            LocationInfo.From((SyntaxNode?)ArgumentSyntax(syntax, "Activation") ?? syntax),
            layerName,
            System.Convert.ToString(value.Value.Value, CultureInfo.InvariantCulture) ?? "",
            ActivationTable.NameList()));
        return ActivationKind.None;
    }

    /// <summary>
    /// Leaky ReLU with the layer's <c>NegativeSlope</c>: a finite number greater than 0 (for which <c>y &gt; 0</c> exactly
    /// when <c>z &gt; 0</c>, as the backward pass assumes), and given only with <c>Activation = LeakyReLU</c> (DG0035).
    /// </summary>
    private static ActivationKind ReadNegativeSlope(ActivationKind activation, AttributeData attribute, AttributeSyntax? syntax, string layerName, List<DiagnosticInfo> diagnostics)
    {
        if (NamedArgument(attribute, "NegativeSlope")?.Value is not double slope)
            return activation;
        string? problem = activation.Value != ActivationKind.LeakyReLUValue ? $" with Activation = {activation.Name}; only a LeakyReLU layer has a negative slope"
            : !(slope > 0) || double.IsInfinity(slope) ? "; it must be a finite number greater than 0"
            : null;
        if (problem is null)
            return ActivationKind.LeakyReLU(slope);
        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.InvalidNegativeSlope,
            LocationInfo.From((SyntaxNode?)ArgumentSyntax(syntax, "NegativeSlope") ?? syntax),
            layerName,
            slope.ToString("R", CultureInfo.InvariantCulture),
            problem));
        return activation;
    }

    private static void CheckActivationWidth(
        ActivationKind activation, int outputs, ElementKind element, string layerName, AttributeSyntax? attributeSyntax, List<DiagnosticInfo> diagnostics)
    {
        if (activation == ActivationKind.None || LayerLimits.ActivationFitsScratch(outputs, element.Size()))
            return;
        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.ActivationLayerTooWide,
            LocationInfo.From((SyntaxNode?)ArgumentSyntax(attributeSyntax, "Activation") ?? attributeSyntax),
            layerName,
            outputs.ToString("N0", CultureInfo.InvariantCulture),
            element.Size().ToString(CultureInfo.InvariantCulture),
            ((long)outputs * element.Size()).ToString("N0", CultureInfo.InvariantCulture),
            LayerLimits.ActivationScratchBytes.ToString("N0", CultureInfo.InvariantCulture)));
    }

    /// <summary>The weights must fit one array (DG0004); false when they do not, and the layer has no storage to size.</summary>
    private static bool CheckWeightCount(int inputs, int outputs, string layerName, LocationInfo? typeLocation, AttributeSyntax? attributeSyntax, List<DiagnosticInfo> diagnostics)
    {
        long weights = (long)inputs * outputs;
        if (weights <= LayerLimits.MaxElements)
            return true;
        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.LayerTooLarge,
            LocationInfo.From(attributeSyntax) ?? typeLocation,
            layerName,
            weights.ToString("N0", CultureInfo.InvariantCulture),
            LayerLimits.MaxElements.ToString("N0", CultureInfo.InvariantCulture)));
        return false;
    }

    private static TypedConstant? NamedArgument(AttributeData attribute, string name) => AttributeArguments.Named(attribute, name);

    private static AttributeArgumentSyntax? ArgumentSyntax(AttributeSyntax? syntax, string name) => AttributeArguments.Syntax(syntax, name);
}
