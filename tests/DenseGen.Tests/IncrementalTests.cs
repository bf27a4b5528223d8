using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using DenseGen.Generator;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// The generator's pipeline caches: an unchanged compilation, or an edit elsewhere, reuses the layer's spec and
/// source; changing the layer regenerates it. Its models hold only plain values, and its output is deterministic.
/// </summary>
public class IncrementalTests
{
    private const string LayerSource = """
        using DenseGen;
        namespace App;

        [Dense(In = 3, Out = 2)]
        public partial class Hidden;
        """;

    private const string OtherSource = """
        namespace App;
        public static class Helper { public static int Twice(int x) => 2 * x; }
        """;

    private static readonly IncrementalStepRunReason[] Reused = [IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged];

    [Fact]
    public void RerunOnUnchangedCompilationIsCached()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([LayerSource, OtherSource]);
        GeneratorRunResult second = RunTwice(compilation, compilation.Clone());

        AssertReused(second, DenseGenerator.TrackingNames.Parse);
        AssertReused(second, DenseGenerator.TrackingNames.Specs);
        AssertSourceOutputReused(second);
    }

    [Fact]
    public void UnrelatedEditIsCached()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([LayerSource, OtherSource]);
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            other, other.WithChangedText(other.GetText().Replace(0, 0, "// an edit that has nothing to do with the layer\n")));
        GeneratorRunResult second = RunTwice(compilation, edited);

        AssertReused(second, DenseGenerator.TrackingNames.Specs);
        AssertSourceOutputReused(second);
    }

    /// <summary>
    /// A deterministic layer adds the assembly's module initializer (DenseGen.DeterministicMode.g.cs), which depends on
    /// every layer and on the compilation's name: an unrelated edit must leave it, and every other output, cached.
    /// </summary>
    [Fact]
    public void UnrelatedEditLeavesTheDeterministicModuleInitializerCached()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([LayerSource.Replace("Out = 2", "Out = 2, Deterministic = true"), OtherSource]);
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            other, other.WithChangedText(other.GetText().Replace(0, 0, "// an edit that has nothing to do with the layer\n")));
        GeneratorRunResult second = RunTwice(compilation, edited);

        Assert.Contains(second.GeneratedSources, s => s.HintName == "DenseGen.DeterministicMode.g.cs");
        AssertReused(second, DenseGenerator.TrackingNames.Specs);
        AssertSourceOutputReused(second);
    }

    [Fact]
    public void EditAboveTheLayerKeepsTheSourceCached()
    {
        // Moving the declaration changes diagnostic locations, which live apart from the spec.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([LayerSource]);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, "\n\n// moved down\n")));
        GeneratorRunResult second = RunTwice(compilation, edited);

        AssertReused(second, DenseGenerator.TrackingNames.Specs);
        AssertSourceOutputReused(second);
    }

    [Fact]
    public void ChangingOutRegenerates()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([LayerSource, OtherSource]);
        SyntaxTree layer = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            layer, layer.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(LayerSource.Replace("Out = 2", "Out = 4"))));
        GeneratorRunResult second = RunTwice(compilation, edited);

        IncrementalGeneratorRunStep spec = second.TrackedSteps[DenseGenerator.TrackingNames.Specs].Single();
        Assert.Equal(IncrementalStepRunReason.Modified, spec.Outputs.Single().Reason);
        Assert.Contains(
            second.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(step => step.Outputs),
            output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const int OutputSize = 4;", second.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    private const string NetworkLayers = """
        using DenseGen;
        namespace App;

        [Dense(In = 3, Out = 4)]
        public partial class First;

        [Dense(In = 4, Out = 2)]
        public partial class Second;
        """;

    private const string NetworkSource = """
        namespace App;

        [DenseGen.Sequential(MaxBatch = 2)]
        public partial class Net
        {
            public readonly First First = new();
            public readonly Second Second = new();
        }
        """;

    [Fact]
    public void UnrelatedEditLeavesTheNetworkCached()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([NetworkLayers, NetworkSource, OtherSource]);
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, other.WithChangedText(other.GetText().Replace(0, 0, "// unrelated\n")));
        GeneratorRunResult second = RunTwice(compilation, edited);

        AssertReused(second, DenseGenerator.TrackingNames.NetworkSpecs);
        AssertSourceOutputReused(second);
    }

    [Fact]
    public void ChangingALayersOutRegeneratesTheNetworkAndItsCheck()
    {
        // The network sees its layers' sizes through their attributes, in another file: the edit must reach it.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([NetworkLayers, NetworkSource]);
        SyntaxTree layers = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            layers, layers.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(NetworkLayers.Replace("[Dense(In = 4, Out = 2)]", "[Dense(In = 4, Out = 5)]"))));
        GeneratorRunResult second = RunTwice(compilation, edited);
        IncrementalGeneratorRunStep network = second.TrackedSteps[DenseGenerator.TrackingNames.NetworkSpecs].Single();
        Assert.Equal(IncrementalStepRunReason.Modified, network.Outputs.Single().Reason);
        Assert.Contains("public const int OutputSize = 5;",
            second.GeneratedSources.Single(s => s.HintName == "App.Net.Sequential.g.cs").SourceText.ToString(), StringComparison.Ordinal);

        // And a change that breaks the chain is caught on the same incremental run.
        CSharpCompilation broken = compilation.ReplaceSyntaxTree(
            layers, layers.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(NetworkLayers.Replace("[Dense(In = 4, Out = 2)]", "[Dense(In = 6, Out = 2)]"))));
        GeneratorRunResult third = RunTwice(compilation, broken);
        Assert.Contains(third.Diagnostics, d => d.Id == "DG0018");
        Assert.DoesNotContain(third.GeneratedSources, s => s.HintName == "App.Net.Sequential.g.cs");
    }

    private const string StandardizedSource = """
        using DenseGen;
        namespace App;

        [Standardize(Size = 3, Clip = 5)]
        public partial class Norm;

        [Sequential(MaxBatch = 2)]
        public partial class Policy
        {
            public readonly Norm Normalize = new();
            public readonly First First = new();
        }
        """;

    /// <summary>
    /// Every kind of layer runs a pipeline of the same shape under the same step names: with a [Standardize] layer beside
    /// the dense ones, an unrelated edit still reuses every spec and output, and the models hold plain values only.
    /// </summary>
    [Fact]
    public void UnrelatedEditLeavesAStandardizeLayerAndItsNetworkCached()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([NetworkLayers, StandardizedSource, OtherSource]);
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, other.WithChangedText(other.GetText().Replace(0, 0, "// unrelated\n")));
        GeneratorRunResult second = RunTwice(compilation, edited);

        Assert.Contains(second.GeneratedSources, s => s.HintName == "App.Norm.Standardize.g.cs");
        Assert.Contains(second.TrackedSteps[DenseGenerator.TrackingNames.Specs].SelectMany(step => step.Outputs), output => output.Value.GetType().Name == "StandardizeSpec");
        AssertReused(second, DenseGenerator.TrackingNames.Parse);
        AssertReused(second, DenseGenerator.TrackingNames.Specs);
        AssertReused(second, DenseGenerator.TrackingNames.NetworkSpecs);
        AssertSourceOutputReused(second);
        foreach (string name in new[] { DenseGenerator.TrackingNames.Parse, DenseGenerator.TrackingNames.Specs, DenseGenerator.TrackingNames.NetworkSpecs })
        {
            foreach ((object value, _) in second.TrackedSteps[name].SelectMany(step => step.Outputs))
                AssertPlainValues(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
        }
    }

    [Fact]
    public void ChangingAStandardizeLayersClipRegeneratesTheLayerAndItsNetwork()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([NetworkLayers, StandardizedSource]);
        SyntaxTree layer = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            layer, layer.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(StandardizedSource.Replace("Clip = 5", "Clip = 3"))));
        GeneratorRunResult second = RunTwice(compilation, edited);

        Assert.Contains(second.TrackedSteps[DenseGenerator.TrackingNames.NetworkSpecs].SelectMany(step => step.Outputs), output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const float Clip = 3f;",
            second.GeneratedSources.Single(s => s.HintName == "App.Norm.Standardize.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"Standardize(Size = 3, Clip = 3)\"",
            second.GeneratedSources.Single(s => s.HintName == "App.Policy.Sequential.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PipelineModelsHoldNoCompilerObjects()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([LayerSource, """
            using DenseGen;
            [Dense(In = 0, Out = 2)]
            public partial class Broken;
            """]);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        string[] names = [DenseGenerator.TrackingNames.Parse, DenseGenerator.TrackingNames.Specs, DenseGenerator.TrackingNames.Target];
        compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(NetworkLayers.Replace("namespace App;", "namespace App.Networks;") + NetworkSource.Replace("namespace App;", ""), (CSharpParseOptions)compilation.SyntaxTrees.First().Options));
        driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        result = driver.GetRunResult().Results.Single();
        names = [.. names, DenseGenerator.TrackingNames.ParseNetwork, DenseGenerator.TrackingNames.NetworkSpecs];
        int inspected = 0;
        foreach (string name in names)
        {
            foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
            {
                foreach ((object value, _) in step.Outputs)
                {
                    AssertPlainValues(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    inspected++;
                }
            }
        }
        Assert.True(inspected >= 4, $"expected to inspect the models of both layers, saw {inspected}");
    }

    [Fact]
    public void OutputIsByteIdenticalAcrossRunsAndCultures()
    {
        string[] sources = [LayerSource, """
            using DenseGen;
            namespace App;
            [Dense(In = 1234, Out = 5678, ElementType = typeof(double))]
            public partial class Wide;
            """];
        string first = GenerateAll(sources);
        CultureInfo original = CultureInfo.CurrentCulture;
        try
        {
            // A culture with a different digit grouping and decimal separator must not leak into the source.
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal(first, GenerateAll(sources));
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
        Assert.Equal(first, GenerateAll(sources));
        Assert.DoesNotContain("\r", first, StringComparison.Ordinal);
    }

    private static string GenerateAll(string[] sources)
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources));
        return string.Concat(result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.HintName + "\n" + s.SourceText));
    }

    private static GeneratorRunResult RunTwice(Compilation first, Compilation second)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(first);
        Assert.NotEmpty(driver.GetRunResult().Results.Single().GeneratedSources);
        return driver.RunGenerators(second).GetRunResult().Results.Single();
    }

    private static void AssertReused(GeneratorRunResult result, string stepName)
    {
        IncrementalGeneratorRunStep[] steps = result.TrackedSteps[stepName].ToArray();
        Assert.NotEmpty(steps);
        foreach ((object _, IncrementalStepRunReason reason) in steps.SelectMany(step => step.Outputs))
            Assert.Contains(reason, Reused);
    }

    private static void AssertSourceOutputReused(GeneratorRunResult result)
    {
        (object, IncrementalStepRunReason)[] outputs = result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(step => step.Outputs).ToArray();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.Contains(output.Item2, Reused));
    }

    private static readonly Type[] ForbiddenTypes = [typeof(ISymbol), typeof(SyntaxNode), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxTree)];

    internal static void AssertPlainValues(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
            return;
        Type type = value.GetType();
        Assert.False(ForbiddenTypes.Any(t => t.IsAssignableFrom(type)), $"{path} holds a {type.FullName}");
        if (!type.IsValueType && !seen.Add(value))
            return;
        if (value is DiagnosticDescriptor)
            return; // Immutable and value-equatable: the same instance every run.

        if (value is IEnumerable items)
        {
            int index = 0;
            foreach (object? item in items)
                AssertPlainValues(item, $"{path}[{index++}]", seen);
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertPlainValues(field.GetValue(value), $"{path}.{field.Name}", seen);
    }
}
