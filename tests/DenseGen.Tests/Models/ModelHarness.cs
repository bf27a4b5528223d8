using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using DenseGen.Tests.Import;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DenseGen.Tests.Models;

/// <summary>
/// Compiles an <c>[OnnxModel]</c> class in memory, through the generator driver the snapshot tests use, from an ONNX
/// file handed over as the package's build files hand it (its text form, named <c>models/model.onnx</c>); and runs it.
/// </summary>
internal static class ModelHarness
{
    public const string ModelName = "models/model.onnx";

    /// <summary>The declaration: a partial class <c>Test.Model</c> with the attribute and <paramref name="arguments"/> after the path.</summary>
    public static string Declaration(string arguments = "") => $$"""
        using DenseGen;

        namespace Test;

        [OnnxModel("{{ModelName}}"{{arguments}})]
        public partial class Model;
        """;

    /// <summary>The same declaration in C# 9, as Unity compiles it.</summary>
    public static string Csharp9Declaration(string arguments = "") => $$"""
        using DenseGen;

        namespace Test
        {
            [OnnxModel("{{ModelName}}"{{arguments}})]
            public partial class Model { }
        }
        """;

    /// <summary>Runs the generator on the declaration (plus <paramref name="extraSources"/>) and the file's bytes.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Generate(byte[] model, string declaration, params string[] extraSources) =>
        Generate(model, LanguageVersion.Latest, DocumentationMode.Parse, [declaration, .. extraSources]);

    /// <summary>As above, for a language version (C# 9 gets the portable output, as Unity does) and with documentation comments checked or not.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Generate(byte[] model, LanguageVersion version, DocumentationMode documentation, string[] sources,
        System.Collections.Generic.IReadOnlyDictionary<string, string>? projectProperties = null)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(sources, version, documentation: documentation);
        // Deterministic models compute DenseGen's own functions whatever the process's mode; the test process keeps the
        // mode off, so the generated module initializer must not ask for it.
        var all = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("build_property.DenseGenRequireDeterministicMode", "false");
        foreach (System.Collections.Generic.KeyValuePair<string, string> property in projectProperties ?? new System.Collections.Generic.Dictionary<string, string>())
            all = all.SetItem("build_property." + property.Key, property.Value);
        var properties = new BuildProperties(all);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: GeneratorHarness.ParseOptions(version, documentation), buildProperties: properties)
            .AddAdditionalTexts([new BakedWeightsTests.WeightsAdditionalText("/project/obj/densegen/model.onnx.densegen-weights", ModelName, model)])
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>The generated source of the model class (layers included).</summary>
    public static string Source(GeneratorRunResult result) =>
        result.GeneratedSources.Single(s => s.HintName.EndsWith(".OnnxModel.g.cs", StringComparison.Ordinal)).SourceText.ToString();

    /// <summary>Compiles the model with <paramref name="runner"/> (a class <c>Test.Runner</c> that calls it) and loads the assembly; fails on any error.</summary>
    public static Assembly CompileAndLoad(byte[] model, string declaration, string runner)
    {
        (GeneratorRunResult result, Compilation output) = Generate(model, declaration, runner);
        if (result.Exception is not null)
            throw new InvalidOperationException("The generator threw.", result.Exception);
        Diagnostic[] errors = GeneratorHarness.AllDiagnostics(result, output).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (errors.Length > 0)
            throw new InvalidOperationException("The model does not compile:\n" + string.Join("\n", errors.Take(20)));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(image);
        if (!emitted.Success)
            throw new InvalidOperationException("The generated code does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
        image.Position = 0;
        return new AssemblyLoadContext("DenseGenModelTest", isCollectible: true).LoadFromStream(image);
    }
}
