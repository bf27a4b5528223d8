using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using DenseGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// Runs the generator the way the compiler does, in memory: parse sources, create a compilation against the
/// .NET 10 reference assemblies and the DenseGen runtime, drive the generator, and optionally compile and load
/// the result.
/// </summary>
internal static class GeneratorHarness
{
    public static readonly MetadataReference RuntimeReference =
        MetadataReference.CreateFromFile(typeof(DenseAttribute).Assembly.Location);

    public static readonly ImmutableArray<MetadataReference> References =
        [.. Basic.Reference.Assemblies.Net100.References.All, RuntimeReference];

    public static CSharpParseOptions ParseOptions(
        LanguageVersion version = LanguageVersion.Latest, DocumentationMode documentation = DocumentationMode.Parse) =>
        CSharpParseOptions.Default.WithLanguageVersion(version).WithDocumentationMode(documentation);

    public static CSharpCompilation CreateCompilation(
        IEnumerable<string> sources, LanguageVersion version = LanguageVersion.Latest, IEnumerable<MetadataReference>? references = null,
        DocumentationMode documentation = DocumentationMode.Parse)
    {
        CSharpParseOptions options = ParseOptions(version, documentation);
        SyntaxTree[] trees = sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, options, path: $"Layer{i}.cs")).ToArray();
        return CSharpCompilation.Create(
            "DenseGenTestAssembly",
            trees,
            references ?? References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable)
                // The SDK suppresses these two by default (binding DenseGen's net8.0 references to net10.0 ones is intended).
                .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));
    }

    public static CSharpCompilation CreateCompilation(string source, LanguageVersion version = LanguageVersion.Latest) =>
        CreateCompilation([source], version);

    public static GeneratorDriver CreateDriver(bool trackSteps = false, CSharpParseOptions? parseOptions = null, BuildProperties? buildProperties = null) =>
        CSharpGeneratorDriver.Create(
            [new DenseGenerator().AsSourceGenerator()],
            parseOptions: parseOptions ?? ParseOptions(),
            optionsProvider: buildProperties,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator once; returns its result and the compilation with the generated sources added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CreateDriver(parseOptions: (CSharpParseOptions)compilation.SyntaxTrees.First().Options)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>Generates, compiles and loads <paramref name="source"/> into a collectible context; fails on any error.</summary>
    public static Assembly CompileAndLoad(string source)
    {
        (GeneratorRunResult result, Compilation output) = Run(CreateCompilation(source));
        if (result.Exception is not null)
            throw new InvalidOperationException("The generator threw.", result.Exception);
        // Warnings are fine here (a large random struct layer draws DG0007); errors mean nothing was generated.
        if (result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            throw new InvalidOperationException("The generator reported: " + string.Join("\n", result.Diagnostics));

        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException(
                "The generated code does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }
        image.Position = 0;
        // Collectible, so the many assemblies of the property tests can be unloaded; DenseGen.dll resolves
        // from the default context, so IDenseLayer<T> is the same type in the tests and in the loaded code.
        return new AssemblyLoadContext("DenseGenTest", isCollectible: true).LoadFromStream(image);
    }

    /// <summary>
    /// The diagnostics of the generator and of compiling its output, errors of the user's own code included, after the
    /// suppressor DenseGen ships with the generator (as the compiler applies it in a user's build).
    /// </summary>
    public static ImmutableArray<Diagnostic> AllDiagnostics(GeneratorRunResult result, Compilation output)
    {
        ImmutableArray<Diagnostic> compiled = output
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DenseGen.Generator.Networks.StructNetworkFieldOrderSuppressor()))
            .GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        return [.. result.Diagnostics, .. compiled.Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)];
    }
}
