using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using DenseGen.Generator.Determinism;
using DenseGen.Generator.Layers;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Models;
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
/// Two pipelines of one shape, layers and networks: ForAttributeWithMetadataName → a parser (<see cref="DenseParser"/>,
/// <see cref="NetworkParser"/>: symbols to plain values) → split into diagnostics and specs → combined with the
/// compilation's <see cref="TargetInfo"/>, which picks the full or the portable output → an emitter. Every model between steps is value-equatable, so the IDE reuses cached output
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

        /// <summary>The weight files' text forms, decoded.</summary>
        public const string WeightFiles = nameof(WeightFiles);

        /// <summary>Each network with the weight file it names (compared by the file's length and hash, never its bytes).</summary>
        public const string FoundWeights = nameof(FoundWeights);

        /// <summary>The network specs with their baked weights.</summary>
        public const string BakedNetworks = nameof(BakedNetworks);

        /// <summary>The [OnnxModel] parser's output: spec and diagnostics per annotated class.</summary>
        public const string ParseModel = nameof(ParseModel);

        /// <summary>The valid [OnnxModel] declarations.</summary>
        public const string ModelSpecs = nameof(ModelSpecs);

        /// <summary>Each model with the file it names (compared by the file's length and hash, never its bytes).</summary>
        public const string FoundModels = nameof(FoundModels);

        /// <summary>The models with their compiled plans.</summary>
        public const string PlannedModels = nameof(PlannedModels);
    }

    // The dense kind's transform and emitter, which tests may replace; every other kind runs its row of LayerKinds.
    private readonly Func<GeneratorAttributeSyntaxContext, CancellationToken, ParseResult<LayerSpec>> _parseDense;
    private readonly Func<LayerSpec, TargetInfo, string> _emitDense;

    /// <summary>Creates the generator; the compiler calls this.</summary>
    public DenseGenerator()
    {
        _parseDense = LayerKinds.Dense.Parse;
        _emitDense = LayerKinds.Dense.Emit;
    }

    /// <summary>Lets tests substitute a failing layer parser or emitter to prove that failures become diagnostics.</summary>
    internal DenseGenerator(Func<GeneratorAttributeSyntaxContext, CancellationToken, ParseResult<DenseSpec>> parse, Func<DenseSpec, TargetInfo, string> emit)
    {
        _parseDense = (context, cancellationToken) => parse(context, cancellationToken).As<LayerSpec>();
        _emitDense = (spec, target) => emit((DenseSpec)spec, target);
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<TargetInfo> target = context.CompilationProvider
            .Select(static (compilation, _) => TargetInfo.From(compilation))
            .WithTrackingName(TrackingNames.Target);

        // <DenseGenDeterministic>true</DenseGenDeterministic> in the project (the package's build files make it visible
        // to the compiler) makes every layer deterministic; <DenseGenRequireDeterministicMode>false</...> keeps the
        // deterministic types from turning the runtime's mode on (see DeterministicModeRequirement).
        IncrementalValueProvider<(bool Deterministic, bool OptedOut)> projectSettings = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => (
                Reads(options.GlobalOptions, DeterministicModeRequirement.ProjectProperty, "true"),
                Reads(options.GlobalOptions, DeterministicModeRequirement.OptOutProperty, "false")));
        IncrementalValueProvider<bool> projectDeterministic = projectSettings.Select(static (settings, _) => settings.Deterministic);
        // One pipeline per kind of layer, all of one shape; their results are gathered below.
        var layerResults = new List<IncrementalValuesProvider<ParseResult<LayerSpec>>>();
        var layerSpecResults = new List<IncrementalValuesProvider<LayerSpec>>();
        foreach (LayerKind kind in LayerKinds.All)
        {
            bool dense = kind == LayerKinds.Dense;
            (IncrementalValuesProvider<ParseResult<LayerSpec>> parsed, IncrementalValuesProvider<LayerSpec> specs) = RegisterPipeline(
                context, target, kind.AttributeName, dense ? _parseDense : kind.Parse, dense ? _emitDense : kind.Emit, kind.HintName,
                DiagnosticDescriptors.StructLayerNeedsFullTarget, TrackingNames.Parse, TrackingNames.Specs,
                prepare: specs => specs
                    .Combine(projectSettings)
                    .Select(static (pair, _) =>
                    {
                        bool deterministic = pair.Left.Deterministic || pair.Right.Deterministic;
                        bool requires = deterministic && !pair.Right.OptedOut;
                        return deterministic == pair.Left.Deterministic && requires == pair.Left.RequiresDeterministicMode
                            ? pair.Left
                            : pair.Left with { Deterministic = deterministic, RequiresDeterministicMode = requires };
                    }));
            layerResults.Add(parsed);
            layerSpecResults.Add(specs);
        }

        // Weight files reach the generator as text (see WeightsText); they are read once per change to the file, and a
        // network's baked weights are redone only when its declaration or a weight file changes.
        IncrementalValueProvider<ImmutableArray<WeightsText>> weightFiles = context.AdditionalTextsProvider
            .Where(static file => WeightsText.IsWeightsText(file.Path))
            .Select(static (file, cancellationToken) => WeightsText.Read(file, cancellationToken)!)
            .WithTrackingName(TrackingNames.WeightFiles)
            .Collect();
        // A network's weight file is found again whenever any weight file changes, but baked only when the network or the
        // file it finds changed: weight files and baked weights are compared by length and SHA-256 (WeightBytes), so an
        // edit never compares or hashes their bytes. The spec carries the weights for the emitter, or the problem for the
        // diagnostic below.
        (IncrementalValuesProvider<ParseResult<NetworkSpec>> networks, IncrementalValuesProvider<NetworkSpec> networkSpecs) = RegisterPipeline(
            context, target, NetworkParser.AttributeName, NetworkParser.Parse, NetworkEmitter.Emit, NetworkEmitter.HintName,
            DiagnosticDescriptors.StructNetworkNeedsFullTarget, TrackingNames.ParseNetwork, TrackingNames.NetworkSpecs,
            prepare: specs => specs
                .Combine(weightFiles)
                .Select(static (pair, _) => WeightsBaker.Find(pair.Left, pair.Right))
                .WithTrackingName(TrackingNames.FoundWeights)
                .Select(static (request, _) => WeightsBaker.WithWeights(request))
                .WithTrackingName(TrackingNames.BakedNetworks)
                .Combine(projectSettings)
                .Select(static (pair, _) =>
                {
                    bool requires = (pair.Right.Deterministic || pair.Left.HasOnlyDeterministicLayers) && !pair.Right.OptedOut;
                    return requires == pair.Left.RequiresDeterministicMode ? pair.Left : pair.Left with { RequiresDeterministicMode = requires };
                }));
        context.RegisterSourceOutput(
            networks.Select(static (result, _) => result.UnlessProjectDeterministic).Combine(projectDeterministic),
            static (output, pair) =>
            {
                if (pair.Right)
                    return;
                foreach (DiagnosticInfo diagnostic in pair.Left)
                    output.ReportDiagnostic(diagnostic.ToDiagnostic());
            });
        // A weight file that is missing or does not fit is reported at the network's Weights argument, which only the
        // parse result knows (the spec holds no locations, so moving a declaration leaves the bake cached).
        context.RegisterSourceOutput(
            networkSpecs.Where(static spec => spec.BakeProblem is not null).Combine(networks.Collect()),
            static (output, pair) =>
            {
                NetworkSpec spec = pair.Left;
                BakeProblem problem = spec.BakeProblem!;
                NetworkSpec parsed = spec with { BakeProblem = null, RequiresDeterministicMode = false };
                Location location = pair.Right.FirstOrDefault(result => parsed.Equals(result.Spec))?.WeightsArgument?.ToLocation() ?? Location.None;
                output.ReportDiagnostic(problem.Kind switch
                {
                    BakeProblemKind.NotFound => Diagnostic.Create(DiagnosticDescriptors.WeightsFileMissing, location, spec.TypeName, spec.Weights, problem.Message),
                    BakeProblemKind.Internal => Diagnostic.Create(DiagnosticDescriptors.InternalError, location, spec.TypeName, problem.Message),
                    _ => Diagnostic.Create(DiagnosticDescriptors.WeightsFileMismatch, location, spec.TypeName, problem.Message),
                });
            });

        // [OnnxModel] classes: the declaration, then the file it names, then the graph compiled to a plan; like a
        // network's baked weights, the plan is redone only when the class or its own file changed.
        (IncrementalValuesProvider<ParseResult<OnnxModelSpec>> models, IncrementalValuesProvider<OnnxModelSpec> modelSpecs) = RegisterPipeline(
            context, target, OnnxModelParser.AttributeName, OnnxModelParser.Parse, OnnxModelEmitter.Emit, OnnxModelEmitter.HintName,
            structNeedsFullTarget: null, TrackingNames.ParseModel, TrackingNames.ModelSpecs,
            prepare: specs => specs
                .Combine(projectSettings)
                .Select(static (pair, _) =>
                {
                    bool deterministic = pair.Left.Deterministic || pair.Right.Deterministic;
                    return pair.Left with { Deterministic = deterministic, RequiresDeterministicMode = deterministic && !pair.Right.OptedOut };
                })
                .Combine(weightFiles)
                .Select(static (pair, _) => OnnxModelRequest.Find(pair.Left, pair.Right))
                .WithTrackingName(TrackingNames.FoundModels)
                .Select(static (request, _) => request.Planned())
                .WithTrackingName(TrackingNames.PlannedModels));
        // A file that is missing or cannot be compiled is reported at the attribute's path, which only the parse result
        // knows (the spec holds no locations, so moving the declaration leaves the plan cached).
        context.RegisterSourceOutput(
            modelSpecs.Where(static spec => spec.Problem is not null).Combine(models.Collect()),
            static (output, pair) =>
            {
                OnnxModelSpec spec = pair.Left;
                BakeProblem problem = spec.Problem!;
                Location location = pair.Right.FirstOrDefault(result => result.Spec is { } parsed
                    && parsed.TypeName == spec.TypeName && parsed.Namespace == spec.Namespace && parsed.ContainingTypes == spec.ContainingTypes)?.WeightsArgument?.ToLocation() ?? Location.None;
                output.ReportDiagnostic(problem.Kind switch
                {
                    BakeProblemKind.NotFound => Diagnostic.Create(DiagnosticDescriptors.OnnxModelFileMissing, location, spec.TypeName, spec.Path, problem.Message),
                    BakeProblemKind.Internal => Diagnostic.Create(DiagnosticDescriptors.InternalError, location, spec.TypeName, problem.Message),
                    _ => Diagnostic.Create(DiagnosticDescriptors.OnnxModelNotCompiled, location, spec.TypeName, problem.Message),
                });
            });

        // The runtime's deterministic mode is one setting per process: an assembly with deterministic layers or networks,
        // or built with the project property, turns it on from a module initializer (full output; the portable output's
        // types ask from their entry points instead).
        IncrementalValueProvider<bool> hasDeterministicTypes = AnyOf(layerSpecResults.Select(specs => specs.Select(static (spec, _) => spec.Deterministic)))
            .Combine(networkSpecs.Select(static (spec, _) => spec.RequiresDeterministicMode).Collect())
            .Select(static (pair, _) => pair.Left || pair.Right.Contains(true))
            .Combine(modelSpecs.Select(static (spec, _) => spec.RequiresDeterministicMode).Collect())
            .Select(static (pair, _) => pair.Left || pair.Right.Contains(true));
        IncrementalValueProvider<(OutputMode Mode, string AssemblyName)> compilationFacts = target
            .Combine(context.CompilationProvider.Select(static (compilation, _) => compilation.AssemblyName ?? ""))
            .Select(static (pair, _) => (pair.Left.Mode, pair.Right));
        IncrementalValueProvider<DeterministicModeRequirement> requirement = hasDeterministicTypes
            .Combine(projectSettings)
            .Combine(compilationFacts)
            .Select(static (all, _) => new DeterministicModeRequirement(
                AssemblyName: all.Right.AssemblyName,
                ProjectDeterministic: all.Left.Right.Deterministic,
                HasDeterministicTypes: all.Left.Left,
                OptedOut: all.Left.Right.OptedOut,
                Mode: all.Right.Mode));
        context.RegisterSourceOutput(requirement, static (output, requirement) =>
        {
            if (requirement.NeedsModuleInitializer)
                output.AddSource(DeterministicModeEmitter.HintName, SourceText.From(DeterministicModeEmitter.Emit(requirement), System.Text.Encoding.UTF8));
        });

        // One error per project that cannot compile the generated code, rather than one per layer, and none
        // when the project declares no layer at all (a network without valid layers has errors of its own).
        IncrementalValueProvider<bool> hasLayers = AnyOf(layerResults.Select(results => results.Select(static (result, _) => result.Spec is not null)));
        context.RegisterSourceOutput(hasLayers.Combine(target), static (output, pair) =>
        {
            if (pair.Left && !pair.Right.IsSupported)
                output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedTarget, Location.None, pair.Right.Reason));
        });
    }

    /// <summary>Whether any of the values, gathered across the pipelines of every kind, is true.</summary>
    private static IncrementalValueProvider<bool> AnyOf(IEnumerable<IncrementalValuesProvider<bool>> values)
    {
        IncrementalValueProvider<bool>? any = null;
        foreach (IncrementalValuesProvider<bool> kind in values)
        {
            IncrementalValueProvider<bool> found = kind.Collect().Select(static (all, _) => all.Contains(true));
            any = any is null ? found : any.Value.Combine(found).Select(static (pair, _) => pair.Left || pair.Right);
        }
        return any!.Value;
    }

    /// <summary>
    /// One pipeline, the same for layers and networks: parse each annotated type into a spec and diagnostics, report the
    /// diagnostics apart from the spec, emit the spec for the target, and, where the target gets the portable output
    /// (which keeps storage in arrays, which a struct cannot own with value semantics), report a struct instead.
    /// </summary>
    private static (IncrementalValuesProvider<ParseResult<TSpec>> Parsed, IncrementalValuesProvider<TSpec> Specs) RegisterPipeline<TSpec>(
        IncrementalGeneratorInitializationContext context,
        IncrementalValueProvider<TargetInfo> target,
        string attributeName,
        Func<GeneratorAttributeSyntaxContext, CancellationToken, ParseResult<TSpec>> parse,
        Func<TSpec, TargetInfo, string> emit,
        Func<TSpec, string> hintName,
        DiagnosticDescriptor? structNeedsFullTarget,
        string parseStep,
        string specStep,
        Func<IncrementalValuesProvider<TSpec>, IncrementalValuesProvider<TSpec>>? prepare)
        where TSpec : class, IGeneratedTypeSpec
    {
        IncrementalValuesProvider<ParseResult<TSpec>> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: (syntax, cancellationToken) => ParseSafely(parse, syntax, cancellationToken))
            .WithTrackingName(parseStep);

        context.RegisterSourceOutput(
            parsed.Select(static (result, _) => result.Diagnostics),
            static (output, diagnostics) =>
            {
                foreach (DiagnosticInfo diagnostic in diagnostics)
                    output.ReportDiagnostic(diagnostic.ToDiagnostic());
            });

        IncrementalValuesProvider<TSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(specStep);
        if (prepare is not null)
            specs = prepare(specs);
        context.RegisterSourceOutput(specs.Combine(target), (output, pair) => EmitSafely(output, pair.Left, pair.Right, emit, hintName));

        // Models are classes only (the attribute allows nothing else); layers and networks may be structs.
        if (structNeedsFullTarget is null)
            return (parsed, specs);
        IncrementalValuesProvider<(string Name, LocationInfo? Location)> structs = parsed
            .Where(static result => result.Spec is { IsStruct: true })
            .Select(static (result, _) => (result.Spec!.TypeName, result.StructDeclaration));
        context.RegisterSourceOutput(structs.Combine(target), (output, pair) =>
        {
            if (pair.Right.IsPortable)
                output.ReportDiagnostic(Diagnostic.Create(structNeedsFullTarget, pair.Left.Location?.ToLocation() ?? Location.None, pair.Left.Name, pair.Right.Reason));
        });
        return (parsed, specs);
    }

    // An exception escaping a generator disables it for the whole project with an opaque warning, so every
    // failure becomes a DG0010 error that names the type instead.
    private static ParseResult<TSpec> ParseSafely<TSpec>(
        Func<GeneratorAttributeSyntaxContext, CancellationToken, ParseResult<TSpec>> parse, GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        where TSpec : class, IGeneratedTypeSpec
    {
        try
        {
            return parse(context, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            DiagnosticInfo error = DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, LocationInfo.From(context.TargetNode), context.TargetSymbol.Name, Describe(exception));
            return new ParseResult<TSpec>(null, ImmutableArray.Create(error).ToEquatableArray());
        }
    }

    private static void EmitSafely<TSpec>(SourceProductionContext output, TSpec spec, TargetInfo target, Func<TSpec, TargetInfo, string> emit, Func<TSpec, string> hintName)
        where TSpec : class, IGeneratedTypeSpec
    {
        // Emitting into a project that cannot compile it would bury the one useful error (DG0009, DG0015, DG0028)
        // under dozens of errors in generated code.
        if (!target.IsSupported || (target.IsPortable && spec.RequiresFullTarget) || !spec.IsComplete)
            return;

        string source;
        try
        {
            source = emit(spec, target);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, spec.TypeName, Describe(exception)));
            return;
        }
        output.AddSource(hintName(spec), SourceText.From(source, System.Text.Encoding.UTF8));
    }

    /// <summary>Whether an MSBuild property the compiler passes on reads <paramref name="expected"/>, in any case and spacing.</summary>
    private static bool Reads(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options, string key, string expected) =>
        options.TryGetValue(key, out string? value) && string.Equals(value?.Trim(), expected, StringComparison.OrdinalIgnoreCase);

    private static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;
}
