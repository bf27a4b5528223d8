using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Models;

/// <summary>
/// Deterministic mode for <c>[OnnxModel]</c> classes, both ways docs/import.md promises: the attribute's
/// <c>Deterministic = true</c>, and the project's <c>&lt;DenseGenDeterministic&gt;</c> (as the package's build files hand
/// it to the generator). The property must give the class the attribute gives, to the byte, and its results the same
/// bits; without either, the class is not deterministic.
/// </summary>
public class ModelDeterminismTests
{
    private static readonly Dictionary<string, string> ProjectProperty = new() { ["DenseGenDeterministic"] = "true" };

    private const string Runner = """
        namespace Test;

        public static class Runner
        {
            public static void Run(float[] obs, float[] output) => new Model().Forward(obs, output);
        }
        """;

    [Theory]
    [InlineData("policy.opset17.onnx")]
    [InlineData("shapes.opset13.onnx")]
    public void TheProjectPropertyGivesTheClassTheAttributeGives(string fixture)
    {
        byte[] model = File.ReadAllBytes(Import.OnnxImportTests.Fixture(fixture));
        string byAttribute = Source(model, ModelHarness.Declaration(", Deterministic = true"), null);
        string byProperty = Source(model, ModelHarness.Declaration(), ProjectProperty);
        string neither = Source(model, ModelHarness.Declaration(), null);
        Assert.Equal(byAttribute, byProperty);
        Assert.NotEqual(neither, byProperty);
        Assert.Contains("Deterministic", byProperty);
        Assert.DoesNotContain("Deterministic", neither.Replace("DeterministicMode", ""));
    }

    [Fact]
    public void TheProjectPropertysResultsAreTheAttributes()
    {
        byte[] model = File.ReadAllBytes(Import.OnnxImportTests.Fixture("policy.opset17.onnx"));
        float[] obs = LayerChecks.RandomValues<float>(new Random(7), 37 * 10);
        float[] Run(string arguments, IReadOnlyDictionary<string, string>? properties)
        {
            (GeneratorRunResult result, Compilation output) = ModelHarness.Generate(model, LanguageVersion.Latest, DocumentationMode.Parse,
                [ModelHarness.Declaration(arguments), Runner], properties);
            Assert.Empty(result.Diagnostics);
            using var image = new MemoryStream();
            Assert.True(output.Emit(image).Success);
            Assembly assembly = new System.Runtime.Loader.AssemblyLoadContext("DenseGenModelDeterminism", isCollectible: true).LoadFromStream(new MemoryStream(image.ToArray()));
            var actions = new float[37 * 3];
            assembly.GetType("Test.Runner")!.GetMethod("Run")!.Invoke(null, [obs, actions]);
            return actions;
        }

        float[] byAttribute = Run(", Deterministic = true", null), byProperty = Run("", ProjectProperty);
        Assert.Equal(byAttribute.Select(BitConverter.SingleToInt32Bits), byProperty.Select(BitConverter.SingleToInt32Bits));
    }

    private static string Source(byte[] model, string declaration, IReadOnlyDictionary<string, string>? properties)
    {
        (GeneratorRunResult result, _) = ModelHarness.Generate(model, LanguageVersion.Latest, DocumentationMode.Parse, [declaration], properties);
        Assert.Empty(result.Diagnostics);
        return string.Concat(result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.SourceText.ToString()));
    }
}
