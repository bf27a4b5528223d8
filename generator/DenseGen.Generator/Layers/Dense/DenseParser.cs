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
    public static ParseResult<DenseSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            return ParseResult<DenseSpec>.Nothing;

        AttributeData attribute = context.Attributes[0];
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
        ActivationKind activation = ReadActivation(attribute, attributeSyntax, name, diagnostics);
        bool trainable = NamedArgument(attribute, "Trainable")?.Value is not false;
        bool deterministic = NamedArgument(attribute, "Deterministic")?.Value is true;

        bool isStruct = type.TypeKind == TypeKind.Struct;
        if (inputs > 0 && outputs > 0 && element is ElementKind kind)
        {
            CheckStorageSize(inputs, outputs, kind, isStruct, trainable, name, LocationInfo.From(declaration.Identifier), attributeSyntax, diagnostics);
            CheckActivationWidth(activation, outputs, kind, name, attributeSyntax, diagnostics);
        }

        // A member of the user's that the generated part would declare again is an error there (CS0102, CS0111), in a file
        // nobody reads; report it at the user's member instead, and generate nothing.
        if (element is ElementKind elementKind)
            MemberCollisions.Report(type, "layer", DenseMembers.For(elementKind, activation != ActivationKind.None, trainable), diagnostics);

        bool hasErrors = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        DenseSpec? spec = hasErrors
            ? null
            : new DenseSpec(
                Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                ContainingTypes: containingTypes,
                TypeName: name,
                IsStruct: isStruct,
                Element: element!.Value,
                In: inputs,
                Out: outputs,
                FullUnroll: fullUnroll,
                Activation: activation,
                Trainable: trainable,
                Deterministic: deterministic);
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

    private static void CheckTypeShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics)
    {
        LocationInfo? location = LocationInfo.From(declaration.Identifier);
        (ShapeProblem problem, string? genericOuter) = Declarations.ShapeOf(type);
        string? reason = problem switch
        {
            ShapeProblem.NotClassOrStruct => "[Dense] applies to classes and structs only",
            ShapeProblem.Record => "records are not supported, because their generated equality and printing would walk the whole parameter storage; use a class or struct",
            ShapeProblem.Static => "a static class cannot hold a layer's parameters; remove 'static'",
            ShapeProblem.RefStruct => "a ref struct cannot be boxed or kept in a field, so it cannot serve as IDenseLayer<T>; use a struct or class",
            ShapeProblem.ReadOnlyStruct => "a readonly struct cannot accumulate gradients; remove 'readonly'",
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

    private static int ReadSize(
        AttributeData attribute, AttributeSyntax? syntax, string property, string noun, string layerName, List<DiagnosticInfo> diagnostics)
    {
        TypedConstant? value = NamedArgument(attribute, property);
        if (value is { Value: int size } && size > 0)
            return size;

        string problem = value is { Value: int given } ? given.ToString(CultureInfo.InvariantCulture) : "not set";
        LocationInfo? location = LocationInfo.From((SyntaxNode?)ArgumentSyntax(syntax, property) ?? syntax);
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSize, location, layerName, property, noun, problem));
        return 0;
    }

    private static ElementKind? ReadElementType(AttributeData attribute, AttributeSyntax? syntax, string layerName, List<DiagnosticInfo> diagnostics)
    {
        TypedConstant? value = NamedArgument(attribute, "ElementType");
        if (Declarations.ElementKindOf(value) is ElementKind element)
            return element;

        string shown = value!.Value.Value is ITypeSymbol other
            ? "typeof(" + other.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + ")"
            : "null";
        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.UnsupportedElementType,
            LocationInfo.From((SyntaxNode?)ArgumentSyntax(syntax, "ElementType") ?? syntax),
            layerName,
            shown));
        return null;
    }

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

    private static void CheckStorageSize(
        int inputs, int outputs, ElementKind element, bool isStruct, bool trainable, string layerName, LocationInfo? typeLocation,
        AttributeSyntax? attributeSyntax, List<DiagnosticInfo> diagnostics)
    {
        long weights = (long)inputs * outputs;
        if (weights > LayerLimits.MaxElements)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.LayerTooLarge,
                LocationInfo.From(attributeSyntax) ?? typeLocation,
                layerName,
                weights.ToString("N0", CultureInfo.InvariantCulture),
                LayerLimits.MaxElements.ToString("N0", CultureInfo.InvariantCulture)));
            return;
        }

        if (!isStruct)
            return;

        int elementSize = element.Size();
        long bufferBytes = LayerLimits.WeightBufferBytes(inputs, outputs, elementSize);
        if (bufferBytes > LayerLimits.MaxInlineBufferBytes)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.StructLayerTooLarge,
                typeLocation,
                layerName,
                bufferBytes.ToString("N0", CultureInfo.InvariantCulture),
                LayerLimits.MaxInlineBufferBytes.ToString("N0", CultureInfo.InvariantCulture)));
            return;
        }

        long storageBytes = LayerLimits.StorageBytes(inputs, outputs, elementSize, trainable);
        if (storageBytes > LayerLimits.StructStackWarningBytes)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.LargeStructLayer,
                typeLocation,
                layerName,
                storageBytes.ToString("N0", CultureInfo.InvariantCulture)));
        }
    }

    private static TypedConstant? NamedArgument(AttributeData attribute, string name) => AttributeArguments.Named(attribute, name);

    private static AttributeArgumentSyntax? ArgumentSyntax(AttributeSyntax? syntax, string name) => AttributeArguments.Syntax(syntax, name);
}
