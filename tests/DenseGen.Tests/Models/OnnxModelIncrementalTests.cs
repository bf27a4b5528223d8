using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DenseGen.Generator;
using DenseGen.Tests.Import;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Models;

/// <summary>
/// The model pipeline's caches: an edit elsewhere, or in the class's own file that leaves the class alone, neither reads
/// nor hashes the model again and leaves the output cached; its models hold plain values only; and its output is the
/// same bytes in every run and culture.
/// </summary>
public class OnnxModelIncrementalTests
{
    private static readonly byte[] Policy = new OnnxBuilder()
        .Input("obs", "batch", 4L)
        .Initializer("w", [3, 4], Enumerable.Range(0, 12).Select(i => i / 16f).ToArray())
        .Initializer("mean", [4], [0.5f, 0.25f, 0f, -0.5f])
        .Initializer("std", [4], [1f, 2f, 0.5f, 4f])
        .Node("Sub", "sub", ["obs", "mean"], ["c"])
        .Node("Div", "div", ["c", "std"], ["n"])
        .Node("Gemm", "dense", ["n", "w"], ["z"], ("transB", 1L))
        .Node("Softmax", "softmax", ["z"], ["output"], ("axis", -1L))
        .Output("output", "batch", 3L).Build();

    private static GeneratorDriver Driver() => GeneratorHarness.CreateDriver(trackSteps: true)
        .AddAdditionalTexts([new BakedWeightsTests.WeightsAdditionalText("/project/obj/densegen/model.onnx.densegen-weights", ModelHarness.ModelName, Policy)]);

    [Fact]
    public void AnUnrelatedEditReadsAndHashesNoModel()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([ModelHarness.Declaration() + "\npublic class Neighbour { }"]);
        int hashes = Generator.Networks.WeightBytes.HashesOnThisThread;
        GeneratorDriver driver = Driver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Empty(first.Diagnostics);
        // The file hashed once when decoded, the plan's weights once when compiled.
        Assert.Equal(2, Generator.Networks.WeightBytes.HashesOnThisThread - hashes);

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { }", GeneratorHarness.ParseOptions()));
        SyntaxTree own = edited.SyntaxTrees.First();
        edited = edited.ReplaceSyntaxTree(own, own.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            ModelHarness.Declaration() + "\npublic class Neighbour { public int Count; }")));
        hashes = Generator.Networks.WeightBytes.HashesOnThisThread;
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(0, Generator.Networks.WeightBytes.HashesOnThisThread - hashes);
        foreach (string step in new[] { DenseGenerator.TrackingNames.WeightFiles, DenseGenerator.TrackingNames.ModelSpecs, DenseGenerator.TrackingNames.FoundModels, DenseGenerator.TrackingNames.PlannedModels })
        {
            (object, IncrementalStepRunReason)[] outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToArray();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, output => Assert.True(output.Item2 is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Item2}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(s => s.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void PipelineModelsHoldNoCompilerObjects()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([ModelHarness.Declaration()]);
        GeneratorRunResult result = Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        int inspected = 0;
        foreach (string name in new[] { DenseGenerator.TrackingNames.ParseModel, DenseGenerator.TrackingNames.ModelSpecs, DenseGenerator.TrackingNames.FoundModels, DenseGenerator.TrackingNames.PlannedModels })
        {
            foreach ((object value, _) in result.TrackedSteps[name].SelectMany(step => step.Outputs))
            {
                IncrementalTests.AssertPlainValues(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                inspected++;
            }
        }
        Assert.Equal(4, inspected);
    }

    [Fact]
    public void OutputIsByteIdenticalAcrossRunsAndCultures()
    {
        string Generate()
        {
            (GeneratorRunResult result, _) = ModelHarness.Generate(Policy, ModelHarness.Declaration());
            return ModelHarness.Source(result);
        }
        string first = Generate();
        CultureInfo original = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal(first, Generate());
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
        Assert.Equal(first, Generate());
    }
}
