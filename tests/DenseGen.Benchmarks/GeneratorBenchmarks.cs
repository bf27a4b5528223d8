using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DenseGen.Benchmarks;

/// <summary>
/// The generator's own time on a project of 100 dense layers chained in one [Sequential] network: a cold run (a new
/// driver on a new compilation, as a build runs it) and the rerun after an unrelated edit (as the IDE runs it).
/// </summary>
/// <remarks>
/// The generator is loaded from a DLL, so builds of two commits are measured side by side in one process:
/// <see cref="GeneratorsVariable"/> names them ("before=/a/DenseGen.Generator.dll;after=/b/DenseGen.Generator.dll",
/// as tools/generator-time.sh sets it); unset, the one built with this project runs as "current". The JIT has compiled
/// the generator after the warm-up iterations, so "cold" means no cached pipeline state and no bound symbols, not
/// unjitted code. Both generators share this process's Roslyn, whose code tiered compilation is still recompiling
/// while the first is measured: comparisons run with DOTNET_TieredCompilation=0, as the script sets it.
/// </remarks>
public class GeneratorBenchmarks
{
    public const string GeneratorsVariable = "DENSEGEN_BENCH_GENERATORS";
    private const string GeneratorTypeName = "DenseGen.Generator.DenseGenerator";
    private const int LayerCount = 100;
    private const int EditsPerIteration = 32;

    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    private CSharpCompilation _compilation = null!;
    private ISourceGenerator _generator = null!;
    private GeneratorDriver _ranOnce = null!;
    private SyntaxTree _unrelated = null!;
    private CSharpCompilation _fresh = null!;
    private readonly CSharpCompilation[] _edited = new CSharpCompilation[EditsPerIteration];

    [ParamsSource(nameof(GeneratorNames))]
    public string Generator { get; set; } = "";

    public static IEnumerable<string> GeneratorNames() => GeneratorPaths().Keys;

    [GlobalSetup]
    public void Setup()
    {
        _generator = Load(GeneratorPaths()[Generator]);
        _compilation = CreateCompilation();
        _unrelated = CSharpSyntaxTree.ParseText(
            "namespace App; public static class Helper { public static int Twice(int x) => 2 * x; }", ParseOptions, path: "Helper.cs");

        // A benchmark of a generator that reports errors, or writes nothing, would time the wrong thing.
        _ranOnce = CreateDriver().RunGenerators(_compilation.Clone());
        GeneratorRunResult result = _ranOnce.GetRunResult().Results.Single();
        if (result.Exception is not null)
            throw new InvalidOperationException($"The '{Generator}' generator threw.", result.Exception);
        if (result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            throw new InvalidOperationException($"The '{Generator}' generator reported:\n" + string.Join("\n", result.Diagnostics));
        if (result.GeneratedSources.Length < LayerCount + 1)
            throw new InvalidOperationException($"The '{Generator}' generator wrote {result.GeneratedSources.Length} sources, fewer than the layers and the network.");
    }

    // Every run gets a compilation of its own, made outside the measurement: reusing one would let the later runs find
    // the attributes and symbols that the first bound, and time only part of the generator's work.
    [IterationSetup(Target = nameof(Cold))]
    public void FreshCompilation() => _fresh = _compilation.Clone();

    // A rerun takes a few milliseconds, too short to time alone: each iteration times a batch of them.
    [IterationSetup(Target = nameof(UnrelatedEdit))]
    public void EditedCompilations()
    {
        for (int i = 0; i < _edited.Length; i++)
            _edited[i] = _compilation.AddSyntaxTrees(_unrelated);
    }

    [Benchmark]
    public GeneratorDriver Cold() => CreateDriver().RunGenerators(_fresh);

    /// <summary>Only the second run: the driver that already ran on the project sees it with one more file.</summary>
    [Benchmark(OperationsPerInvoke = EditsPerIteration)]
    public GeneratorDriver UnrelatedEdit()
    {
        GeneratorDriver rerun = _ranOnce;
        foreach (CSharpCompilation edited in _edited)
            rerun = _ranOnce.RunGenerators(edited);
        return rerun;
    }

    private GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create([_generator], parseOptions: ParseOptions);

    /// <summary>Named generator DLLs from <see cref="GeneratorsVariable"/>, or the one copied beside this benchmark.</summary>
    private static Dictionary<string, string> GeneratorPaths()
    {
        string? variable = Environment.GetEnvironmentVariable(GeneratorsVariable);
        if (string.IsNullOrWhiteSpace(variable))
            return new() { ["current"] = Path.Combine(AppContext.BaseDirectory, "generator-under-test", "DenseGen.Generator.dll") };
        var paths = new Dictionary<string, string>();
        foreach (string entry in variable.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = entry.IndexOf('=');
            if (equals <= 0)
                throw new FormatException($"{GeneratorsVariable}: expected name=path, got '{entry}'.");
            paths.Add(entry[..equals], Path.GetFullPath(entry[(equals + 1)..]));
        }
        return paths;
    }

    private static ISourceGenerator Load(string path)
    {
        Assembly assembly = new GeneratorLoadContext(path).LoadFromAssemblyPath(path);
        var generator = (IIncrementalGenerator)Activator.CreateInstance(assembly.GetType(GeneratorTypeName, throwOnError: true)!)!;
        return generator.AsSourceGenerator();
    }

    /// <summary>
    /// One context per generator DLL, since every build has the same assembly name. Roslyn and the framework come
    /// from the default context, so every generator implements this process's IIncrementalGenerator and runs on the
    /// one compiler being measured; anything else the generator ships is loaded from beside it.
    /// </summary>
    private sealed class GeneratorLoadContext(string path) : AssemblyLoadContext($"Generator {path}")
    {
        private readonly string _folder = Path.GetDirectoryName(path)!;

        protected override Assembly? Load(AssemblyName name)
        {
            string simple = name.Name ?? "";
            if (simple.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || simple.StartsWith("System", StringComparison.Ordinal)
                || simple is "netstandard" or "mscorlib")
                return null;
            string candidate = Path.Combine(_folder, simple + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }
    }

    private static CSharpCompilation CreateCompilation()
    {
        SyntaxTree[] trees = [CSharpSyntaxTree.ParseText(Source(), ParseOptions, path: "Layers.cs")];
        return CSharpCompilation.Create(
            "GeneratorBenchmark",
            trees,
            [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(DenseAttribute).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>
    /// 100 float layers of small and medium sizes, each activation in turn, and a network holding them in order
    /// (layer i's Out is layer i + 1's In).
    /// </summary>
    private static string Source()
    {
        int[] widths = [3, 8, 16, 10, 32, 64, 24, 128, 48, 256, 96, 12, 40, 200, 5, 72];
        string[] activations = ["None", "ReLU", "LeakyReLU", "Sigmoid", "Tanh"];
        int Width(int i) => widths[i % widths.Length];

        var source = new StringBuilder("using DenseGen;\nnamespace App;\n\n");
        for (int i = 0; i < LayerCount; i++)
        {
            source.Append($"[Dense(In = {Width(i)}, Out = {Width(i + 1)}, Activation = Activation.{activations[i % activations.Length]})]\n");
            source.Append($"public partial class Layer{i:D3};\n\n");
        }
        source.Append("[Sequential]\npublic partial class Net\n{\n");
        for (int i = 0; i < LayerCount; i++)
            source.Append($"    public readonly Layer{i:D3} L{i:D3} = new();\n");
        source.Append("}\n");
        return source.ToString();
    }
}
