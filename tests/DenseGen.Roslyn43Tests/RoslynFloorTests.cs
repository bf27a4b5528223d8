using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using DenseGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Roslyn43Tests;

/// <summary>
/// The generator under the oldest Roslyn it supports, 4.3.1 (the first with ForAttributeWithMetadataName): it must
/// load, run its whole pipeline and report through diagnostics, never throw. That Roslyn knows C# 11 at most, one
/// version short of what today's generated code needs ([InlineArray], C# 12), so the expected outcome is the clear
/// DG0009 error rather than generated source; a portable output for such compilers is future work.
/// </summary>
public class RoslynFloorTests
{
    [Fact]
    public void ThisIsRoslyn43()
    {
        Assert.Equal(new Version(4, 3, 0, 0), typeof(CSharpCompilation).Assembly.GetName().Version);
    }

    [Theory]
    [InlineData(LanguageVersion.Latest, "compiles as C# 10)")]
    [InlineData(LanguageVersion.Preview, "compiles as the preview of C# 11,")]
    public void GeneratorRunsAndExplainsWhatTheCompilerLacks(LanguageVersion version, string explanation)
    {
        GeneratorRunResult result = Run("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial class Hidden;
            """, version);

        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0009", diagnostic.Id);
        Assert.Contains("C# 12 or later", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains(explanation, diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratorIgnoresCodeWithoutLayers()
    {
        GeneratorRunResult result = Run("public class Plain { }", LanguageVersion.Latest);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Assert.Empty(result.Diagnostics);
    }

    private static GeneratorRunResult Run(string source, LanguageVersion version)
    {
        // The running .NET's own assemblies as references, and the DenseGen runtime for [Dense].
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = platform.Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(DenseAttribute).Assembly.Location))
            .ToArray();
        var parseOptions = new CSharpParseOptions(version);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Consumer",
            [CSharpSyntaxTree.ParseText(source, parseOptions)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new DenseGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        return driver.RunGenerators(compilation).GetRunResult().Results.Single();
    }
}
