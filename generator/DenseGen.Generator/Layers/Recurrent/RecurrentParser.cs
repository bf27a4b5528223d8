using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>
/// Turns a type annotated with [Lstm] or [Gru] into a <see cref="RecurrentSpec"/> and the diagnostics it deserves. Reads
/// symbols and syntax here and nowhere else; what leaves this class is plain values.
/// </summary>
internal static class RecurrentParser
{
    public static ParseResult<RecurrentSpec> ReadLstm(INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData attribute, CancellationToken cancellationToken) =>
        Read(RecurrentCell.Lstm, type, declaration, attribute, cancellationToken);

    public static ParseResult<RecurrentSpec> ReadGru(INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData attribute, CancellationToken cancellationToken) =>
        Read(RecurrentCell.Gru, type, declaration, attribute, cancellationToken);

    private static ParseResult<RecurrentSpec> Read(RecurrentCell cell, INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData attribute, CancellationToken cancellationToken)
    {
        if (LayerDeclarations.IsMalformed(attribute))
            return ParseResult<RecurrentSpec>.Nothing;

        string attributeName = cell == RecurrentCell.Lstm ? "Lstm" : "Gru";
        var wording = new LayerWording("[" + attributeName + "]", "a layer", "a readonly struct cannot keep its running state");
        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;
        LayerDeclarations.CheckTypeShape(type, declaration, wording, diagnostics);
        EquatableArray<ContainingType> containingTypes = Declarations.ContainingTypes(declaration);

        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        string example = $"[{attributeName}(In = 1, Hidden = 40)]";
        int inputs = LayerDeclarations.ReadSize(attribute, syntax, "In", "inputs", example, name, diagnostics);
        int hidden = LayerDeclarations.ReadSize(attribute, syntax, "Hidden", "hidden units", example, name, diagnostics);
        int layers = ReadOptionalSize(attribute, syntax, "Layers", "layers", example, name, diagnostics);
        int maxBatch = ReadOptionalSize(attribute, syntax, "MaxBatch", "streams", example, name, diagnostics);
        int maxSteps = ReadOptionalSize(attribute, syntax, "MaxSteps", "time steps", example, name, diagnostics);
        ElementKind? element = LayerDeclarations.ReadElementType(attribute, syntax, name, diagnostics);
        bool deterministic = AttributeArguments.Named(attribute, "Deterministic")?.Value is true;
        bool trainable = AttributeArguments.Named(attribute, "Trainable")?.Value is not false;
        bool trainInitialState = AttributeArguments.Named(attribute, "TrainInitialState")?.Value is true;
        if (!trainable)
        {
            // A frozen layer keeps no history and learns nothing: these would be silently ignored.
            foreach (string option in new[] { "MaxSteps", "TrainInitialState" })
            {
                TypedConstant? value = AttributeArguments.Named(attribute, option);
                if (value is not null && value.Value.Value is not false)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.FrozenRecurrentTrainingOption,
                        LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(syntax, option) ?? syntax),
                        name,
                        option));
                }
            }
            maxSteps = 1;
            trainInitialState = false;
        }
        int gates = cell == RecurrentCell.Lstm ? 4 : 3;
        bool sized = inputs > 0 && hidden > 0 && layers > 0 && maxBatch > 0 && maxSteps > 0;
        if (sized && !FitsArrays(attribute, syntax, gates, inputs, hidden, layers, maxBatch, trainable ? maxSteps : 0, example, name, diagnostics))
            hidden = 0;

        RecurrentSpec? candidate = element is ElementKind valid && sized && hidden > 0
            ? new RecurrentSpec(
                Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                ContainingTypes: containingTypes,
                TypeName: name,
                IsStruct: type.TypeKind == TypeKind.Struct,
                Element: valid,
                Cell: cell,
                In: inputs,
                Hidden: hidden,
                Layers: layers,
                MaxBatch: maxBatch,
                Trainable: trainable,
                MaxSteps: maxSteps,
                TrainInitialState: trainInitialState,
                Deterministic: deterministic)
            : null;
        if (candidate is not null)
        {
            LayerDeclarations.CheckStructStorage(candidate, LocationInfo.From(declaration.Identifier), diagnostics);
            MemberCollisions.Report(type, "layer", RecurrentMembers.For(candidate), diagnostics);
        }

        bool hasErrors = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        RecurrentSpec? spec = hasErrors ? null : candidate;
        LocationInfo? structDeclaration = spec is { IsStruct: true } ? LocationInfo.From(declaration.Identifier) : null;
        return new ParseResult<RecurrentSpec>(spec, diagnostics.ToEquatableArray(), structDeclaration);
    }

    /// <summary>An optional size (<c>Layers</c>, <c>MaxBatch</c>): 1 when not given, else positive (DG0003).</summary>
    private static int ReadOptionalSize(AttributeData attribute, AttributeSyntax? syntax, string property, string noun, string example, string name, List<DiagnosticInfo> diagnostics) =>
        AttributeArguments.Named(attribute, property) is null ? 1 : LayerDeclarations.ReadSize(attribute, syntax, property, noun, example, name, diagnostics);

    /// <summary>
    /// Whether every tensor, the running state and a trainable layer's kept history (<paramref name="maxSteps"/> steps; 0
    /// when frozen) fit what an array holds; DG0003 at <c>Hidden</c>, which sizes them all, if not.
    /// </summary>
    private static bool FitsArrays(
        AttributeData attribute, AttributeSyntax? syntax, int gates, int inputs, int hidden, int layers, int maxBatch, int maxSteps, string example, string name,
        List<DiagnosticInfo> diagnostics)
    {
        long largestTensor = (long)gates * hidden * System.Math.Max(inputs, hidden);
        long state = (long)layers * maxBatch * hidden;
        // The history of one kind (the gates, or the states) of every layer and stream; the gradient between layers is smaller.
        long history = maxSteps == 0 ? 0 : (long)layers * maxBatch * (maxSteps + 1L) * gates * hidden;
        long largest = System.Math.Max(System.Math.Max(largestTensor, state), history);
        if (largest <= Layers.LayerLimits.MaxElements)
            return true;
        string problem = string.Format(CultureInfo.InvariantCulture, "{0:N0} (its largest tensor, state or kept history would hold {1:N0} elements, more than the {2:N0} a .NET array or span can index)",
            hidden, largest, Layers.LayerLimits.MaxElements);
        LayerDeclarations.ReportSize(attribute, syntax, "Hidden", "hidden units", example, name, problem, diagnostics);
        return false;
    }
}
