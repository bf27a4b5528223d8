using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DenseGen.Generator.Models;

/// <summary>
/// Reads a class annotated with <c>[OnnxModel]</c> into an <see cref="OnnxModelSpec"/> without a plan, and the
/// diagnostics of the declaration itself; the file is read later, by <see cref="OnnxModelPlanner"/>. Symbols and syntax
/// are read here and nowhere else.
/// </summary>
internal static class OnnxModelParser
{
    public const string AttributeName = "DenseGen.OnnxModelAttribute";

    public static ParseResult<OnnxModelSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            return ParseResult<OnnxModelSpec>.Nothing;
        AttributeData attribute = context.Attributes[0];
        // A malformed attribute already has a compiler error; adding ours would only repeat it.
        if (attribute.AttributeClass is null || attribute.ConstructorArguments.Length != 1
            || attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(a => a.Value)).Any(a => a.Kind == TypedConstantKind.Error))
            return ParseResult<OnnxModelSpec>.Nothing;

        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;
        LocationInfo? typeLocation = LocationInfo.From(declaration.Identifier);
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        LocationInfo? attributeLocation = LocationInfo.From(attributeSyntax);

        // The attribute's usage allows classes only, so the compiler reports any other type (CS0592).
        if (type.TypeKind != TypeKind.Class)
            return ParseResult<OnnxModelSpec>.Nothing;
        string? reason = Declarations.ShapeOf(type) switch
        {
            (ShapeProblem.None, _) => null,
            (ShapeProblem.Record, _) => "records are not supported; declare it a partial class",
            (ShapeProblem.Static, _) => "a static class cannot hold the model's layers and buffers; remove 'static'",
            (ShapeProblem.Generic, _) => "generic types are not supported, since the model is fixed; remove the type parameters",
            (_, string outer) => "it is nested in the generic type '" + outer + "', which is not supported; move it out",
            _ => null,
        };
        if (reason is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelNotSupportedHere, typeLocation, name, reason));
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelNotSupportedHere, typeLocation, name, $"it must be declared partial so DenseGen can add the model's members; add the 'partial' modifier to '{name}'"));
        foreach (TypeDeclarationSyntax outer in Declarations.NonPartialContainers(declaration))
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.OnnxModelNotSupportedHere, LocationInfo.From(outer.Identifier), name,
                $"the type '{outer.Identifier.ValueText}' that contains it must be declared partial so DenseGen can add the model's members; add the 'partial' modifier to '{outer.Identifier.ValueText}'"));
        }

        string? path = attribute.ConstructorArguments[0].Value as string;
        LocationInfo? pathLocation = LocationInfo.From((SyntaxNode?)attributeSyntax?.ArgumentList?.Arguments.FirstOrDefault() ?? attributeSyntax);
        if (path is null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelNotSupportedHere, pathLocation, name, "the path is null; give the .onnx file's path from the project directory"));

        int? maxBatch = AttributeArguments.Named(attribute, "MaxBatch")?.Value as int?;
        if (maxBatch is < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.OnnxModelNotSupportedHere, LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(attributeSyntax, "MaxBatch") ?? attributeSyntax),
                name, $"MaxBatch = {maxBatch}; it is the number of samples the model's buffers hold, at least 1"));
        }

        EquatableArray<string>? outputs = null;
        if (AttributeArguments.Named(attribute, "Outputs") is { } named && !named.IsNull)
        {
            string?[] names = named.Values.Select(v => v.Value as string).ToArray();
            if (names.Any(n => n is null))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.OnnxModelNotSupportedHere, LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(attributeSyntax, "Outputs") ?? attributeSyntax),
                    name, "Outputs holds null; name graph outputs as the file names them"));
            }
            outputs = names.Where(n => n is not null).Select(n => n!).ToEquatableArray();
        }

        foreach (IMethodSymbol constructor in type.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared && c.Parameters.Length == 0))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BakedNetworkHasConstructor, LocationInfo.From(constructor.Locations.FirstOrDefault()), name));

        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) || path is null)
            return new ParseResult<OnnxModelSpec>(null, diagnostics.ToEquatableArray());

        var spec = new OnnxModelSpec(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes: Declarations.ContainingTypes(declaration),
            TypeName: name,
            Path: path,
            MaxBatch: maxBatch,
            Outputs: outputs,
            Deterministic: AttributeArguments.Named(attribute, "Deterministic")?.Value is true,
            UserMembers: type.GetMembers().Where(m => !m.IsImplicitlyDeclared).Select(m => m.Name).Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray());
        return new ParseResult<OnnxModelSpec>(spec, diagnostics.ToEquatableArray(), WeightsArgument: pathLocation ?? attributeLocation);
    }
}
