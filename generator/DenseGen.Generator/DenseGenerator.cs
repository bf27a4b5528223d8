using System;
using System.Collections.Immutable;
using System.Threading;
using DenseGen.Generator.Emit;
using DenseGen.Generator.Model;
using DenseGen.Generator.Networks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace DenseGen.Generator;

/// <summary>
/// Generates a fully connected layer for every partial class or struct annotated with <c>[DenseGen.Dense]</c>, and a
/// network for every one annotated with <c>[DenseGen.Sequential]</c>.
/// </summary>
/// <remarks>
/// Pipeline: ForAttributeWithMetadataName → <see cref="LayerParser"/> (symbols to plain values) → split into
/// diagnostics and <see cref="LayerSpec"/>s → combined with the compilation's <see cref="TargetInfo"/>, which picks
/// the full or the portable output → <see cref="LayerEmitter"/>. Every model between steps is value-equatable, so the IDE reuses cached output
/// for any edit that does not change a layer's declaration.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class DenseGenerator : IIncrementalGenerator
{
    /// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        /// <summary>The parser's output: spec and diagnostics per annotated type.</summary>
        public const string Parse = nameof(Parse);

        /// <summary>The valid layer specs.</summary>
        public const string Specs = nameof(Specs);

        /// <summary>The compilation-wide facts.</summary>
        public const string Target = nameof(Target);

        /// <summary>The network parser's output: spec and diagnostics per [Sequential] type.</summary>
        public const string ParseNetwork = nameof(ParseNetwork);

        /// <summary>The valid network specs.</summary>
        public const string NetworkSpecs = nameof(NetworkSpecs);
    }

    private const string AttributeName = "DenseGen.DenseAttribute";

    private readonly Func<GeneratorAttributeSyntaxContext, CancellationToken, ParseResult> _parse;
    private readonly Func<LayerSpec, TargetInfo, string> _emit;

    /// <summary>Creates the generator; the compiler calls this.</summary>
    public DenseGenerator()
        : this(LayerParser.Parse, LayerEmitter.Emit)
    {
    }

    /// <summary>Lets tests substitute a failing parser or emitter to prove that failures become diagnostics.</summary>
    internal DenseGenerator(Func<GeneratorAttributeSyntaxContext, CancellationToken, ParseResult> parse, Func<LayerSpec, TargetInfo, string> emit)
    {
        _parse = parse;
        _emit = emit;
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: ParseSafely)
            .WithTrackingName(TrackingNames.Parse);

        context.RegisterSourceOutput(
            parsed.Select(static (result, _) => result.Diagnostics),
            static (output, diagnostics) =>
            {
                foreach (DiagnosticInfo diagnostic in diagnostics)
                    output.ReportDiagnostic(diagnostic.ToDiagnostic());
            });

        IncrementalValuesProvider<LayerSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs);

        IncrementalValueProvider<TargetInfo> target = context.CompilationProvider
            .Select(static (compilation, _) => TargetInfo.From(compilation))
            .WithTrackingName(TrackingNames.Target);

        context.RegisterSourceOutput(specs.Combine(target), (output, pair) => EmitSafely(output, pair.Left, pair.Right));

        InitializeNetworks(context, target);

        // One error per project that cannot compile the generated code, rather than one per layer, and none
        // when the project declares no layer at all.
        IncrementalValueProvider<bool> hasLayers = specs.Collect().Select(static (all, _) => !all.IsEmpty);
        context.RegisterSourceOutput(hasLayers.Combine(target), static (output, pair) =>
        {
            if (pair.Left && !pair.Right.IsSupported)
                output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedTarget, Location.None, pair.Right.Reason));
        });

        // Portable output keeps parameters in arrays, which a struct cannot own with value semantics.
        IncrementalValuesProvider<(string Name, LocationInfo? Location)> structLayers = parsed
            .Where(static result => result.Spec is { IsStruct: true })
            .Select(static (result, _) => (result.Spec!.TypeName, result.StructDeclaration));
        context.RegisterSourceOutput(structLayers.Combine(target), static (output, pair) =>
        {
            if (pair.Right.IsPortable)
            {
                output.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.StructLayerNeedsFullTarget, pair.Left.Location?.ToLocation() ?? Location.None, pair.Left.Name, pair.Right.Reason));
            }
        });
    }

    /// <summary>
    /// The [Sequential] pipeline: parse each network (its layer fields read through their types' [Dense] attributes),
    /// report its diagnostics apart from its spec, and emit it for the target.
    /// </summary>
    private static void InitializeNetworks(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<TargetInfo> target)
    {
        IncrementalValuesProvider<NetworkParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.AttributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (context, cancellationToken) => ParseNetworkSafely(context, cancellationToken))
            .WithTrackingName(TrackingNames.ParseNetwork);

        context.RegisterSourceOutput(
            parsed.Select(static (result, _) => result.Diagnostics),
            static (output, diagnostics) =>
            {
                foreach (DiagnosticInfo diagnostic in diagnostics)
                    output.ReportDiagnostic(diagnostic.ToDiagnostic());
            });

        IncrementalValuesProvider<NetworkSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.NetworkSpecs);
        context.RegisterSourceOutput(specs.Combine(target), static (output, pair) => EmitNetworkSafely(output, pair.Left, pair.Right));

        IncrementalValuesProvider<(string Name, LocationInfo? Location)> structNetworks = parsed
            .Where(static result => result.Spec is { IsStruct: true })
            .Select(static (result, _) => (result.Spec!.TypeName, result.StructDeclaration));
        context.RegisterSourceOutput(structNetworks.Combine(target), static (output, pair) =>
        {
            if (pair.Right.IsPortable)
            {
                output.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.StructNetworkNeedsFullTarget, pair.Left.Location?.ToLocation() ?? Location.None, pair.Left.Name, pair.Right.Reason));
            }
        });
    }

    private static NetworkParseResult ParseNetworkSafely(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return NetworkParser.Parse(context, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            DiagnosticInfo error = DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, LocationInfo.From(context.TargetNode), context.TargetSymbol.Name, Describe(exception));
            return new NetworkParseResult(null, ImmutableArray.Create(error).ToEquatableArray());
        }
    }

    private static void EmitNetworkSafely(SourceProductionContext output, NetworkSpec spec, TargetInfo target)
    {
        if (!target.IsSupported || (target.IsPortable && spec.IsStruct))
            return;
        string source;
        try
        {
            source = NetworkEmitter.Emit(spec, target);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, spec.TypeName, Describe(exception)));
            return;
        }
        output.AddSource(NetworkEmitter.HintName(spec), SourceText.From(source, System.Text.Encoding.UTF8));
    }

    // An exception escaping a generator disables it for the whole project with an opaque warning, so every
    // failure becomes a DG0010 error that names the layer instead.
    private ParseResult ParseSafely(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return _parse(context, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            DiagnosticInfo error = DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, LocationInfo.From(context.TargetNode), context.TargetSymbol.Name, Describe(exception));
            return new ParseResult(null, ImmutableArray.Create(error).ToEquatableArray());
        }
    }

    private void EmitSafely(SourceProductionContext output, LayerSpec spec, TargetInfo target)
    {
        // Emitting into a project that cannot compile it would bury the one useful error (DG0009) under
        // dozens of errors in generated code.
        if (!target.IsSupported || (target.IsPortable && spec.IsStruct))
            return;

        string source;
        try
        {
            source = _emit(spec, target);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, spec.TypeName, Describe(exception)));
            return;
        }
        output.AddSource(LayerEmitter.HintName(spec), SourceText.From(source, System.Text.Encoding.UTF8));
    }

    private static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;
}
