using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Models;

/// <summary>
/// Each way an <c>[OnnxModel]</c> is refused, as a snapshot of its diagnostics: one error at the attribute's path (or the
/// declaration) that names what is wrong, and nothing generated.
/// </summary>
public class OnnxModelDiagnosticTests
{
    /// <summary>obs [batch, 4] → Gemm 4→3 → Relu → output; <paramref name="extra"/> adds to it.</summary>
    private static OnnxBuilder Policy(long opset = 13) => new OnnxBuilder(opset)
        .Input("obs", "batch", 4L)
        .Initializer("w", [3, 4], Enumerable.Range(0, 12).Select(i => i / 10f).ToArray())
        .Initializer("b", [3], [0.1f, 0.2f, 0.3f])
        .Node("Gemm", "dense", ["obs", "w", "b"], ["z"], ("transB", 1L))
        .Node("Relu", "relu", ["z"], ["output"])
        .Output("output", "batch", 3L);

    [Fact]
    public void AnUnsupportedOperatorIsNamed() =>
        Verify(new OnnxBuilder().Input("obs", "batch", 4L).Node("Cos", "cosine", ["obs"], ["output"]).Output("output", "batch", 4L).Build(), "", ["DG0038"]);

    [Fact]
    public void AShapeThatNeedsTheBatchIsNamed() =>
        Verify(new OnnxBuilder().Input("obs", "batch", 4L).Node("Flatten", "flat", ["obs"], ["output"], ("axis", 0L)).Output("output", 1L, "n").Build(), "", ["DG0038"]);

    [Fact]
    public void AShapeSubgraphThatMovesTheBatchIsNamed() =>
        // obs.view(4, obs.size(0)): the batch taken from Shape and put second.
        Verify(new OnnxBuilder(13)
            .Input("obs", "batch", 4L)
            .Int64Initializer("zero", [], [0]).Int64Initializer("axes", [1], [0]).Int64Initializer("four", [1], [4])
            .Node("Shape", "shape", ["obs"], ["dims"])
            .Node("Gather", "batch_size", ["dims", "zero"], ["n"])
            .Node("Unsqueeze", "unsqueeze", ["n", "axes"], ["n1"])
            .Node("Concat", "target", ["four", "n1"], ["shape4n"], ("axis", 0L))
            .Node("Reshape", "swap", ["obs", "shape4n"], ["output"])
            .Output("output", 4L, "batch").Build(), "", ["DG0038"]);

    [Fact]
    public void AnExpandOfAValueAcrossANewDimensionIsNamed() =>
        Verify(new OnnxBuilder(13)
            .Input("obs", "batch", 1L)
            .Int64Initializer("shape", [2], [1, 4])
            .Node("Expand", "widen", ["obs", "shape"], ["output"])
            .Output("output", "batch", 4L).Build(), "", ["DG0038"]);

    [Fact]
    public void ATransposeThatReordersASamplesValuesIsNamed() =>
        Verify(new OnnxBuilder(13)
            .Input("obs", "batch", 2L, 3L)
            .Node("Transpose", "swap", ["obs"], ["t"], ("perm", new long[] { 0, 2, 1 }))
            .Node("Flatten", "flat", ["t"], ["output"])
            .Output("output", "batch", 6L).Build(), "", ["DG0038"]);

    /// <summary>A recurrent node whose X has the batch first rather than second (batch-first, which ONNX reads as a sequence over the batch) is refused by name.</summary>
    [Fact]
    public void ARecurrentNodeIsNamed() =>
        Verify(new OnnxBuilder(14)
            .Input("obs", "batch", 1L, 2L)
            .Initializer("W", [1, 12, 2], new float[24])
            .Initializer("R", [1, 12, 3], new float[36])
            .Node("GRU", "memory", ["obs", "W", "R"], ["y"], ("hidden_size", 3L), ("linear_before_reset", 1L))
            .Output("y", "batch", 1L, 1L, 3L).Build(), "", ["DG0038"]);

    /// <summary>A recurrent node with an attribute PyTorch's cells do not compute is refused naming the node and the attribute, as LoadOnnx refuses it.</summary>
    [Fact]
    public void ARecurrentNodeWithAnUnsupportedAttributeIsNamed() =>
        Verify(new OnnxBuilder(14)
            .Input("obs", "batch", 1L, 2L)
            .Initializer("W", [1, 9, 2], new float[18])
            .Initializer("R", [1, 9, 3], new float[27])
            .Int64Initializer("axis1", [1], [1])
            .Node("Transpose", "time_major", ["obs"], ["x"], ("perm", new long[] { 1, 0, 2 }))
            .Node("GRU", "memory", ["x", "W", "R"], ["y"], ("hidden_size", 3L), ("linear_before_reset", 0L))
            .Node("Squeeze", "squeeze", ["y", "axis1"], ["s"])
            .Node("Transpose", "batch_major", ["s"], ["output"], ("perm", new long[] { 1, 0, 2 }))
            .Output("output", "batch", 1L, 3L).Build(), "", ["DG0038"]);

    [Fact]
    public void AnOutputDeclaredWithAnotherShapeIsNamed() =>
        // The Gemm computes 3 outputs; the file declares 4.
        Verify(new OnnxBuilder(13)
            .Input("obs", "batch", 4L)
            .Initializer("w", [3, 4], Enumerable.Range(0, 12).Select(i => i / 10f).ToArray())
            .Node("Gemm", "dense", ["obs", "w"], ["output"], ("transB", 1L))
            .Output("output", "batch", 4L).Build(), "", ["DG0038"]);

    [Fact]
    public void AMissingFileIsReportedAtThePath()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([ModelHarness.Declaration()]);
        (GeneratorRunResult result, Compilation output) = GeneratorHarness.Run(compilation);
        Check(result, output, ["DG0037"]);
    }

    [Fact]
    public void AnUnknownOutputNameIsNamed() => Verify(Policy().Build(), ", Outputs = new[] { \"actions\" }", ["DG0038"]);

    [Fact]
    public void TwoGraphNamesOfOneParameterAreNamed() =>
        Verify(new OnnxBuilder()
            .Input("obs_0", "batch", 2L).Input("obs-0", "batch", 2L)
            .Node("Add", "add", ["obs_0", "obs-0"], ["output"])
            .Output("output", "batch", 2L).Build(), "", ["DG0038"]);

    [Fact]
    public void AGraphNameOfAMemberTheClassDeclaresIsNamed() =>
        Verify(Policy().Build(), "", ["DG0038"], "namespace Test; public partial class Model { public const int OutputSize = 3; }");

    [Fact]
    public void AMalformedFileIsNamed() => Verify([0x08, 0x07, 0x12, 0xFF, 0x01], "", ["DG0038"]);

    [Fact]
    public void AClassThatIsNotPartialIsRefused() =>
        VerifySource(Policy().Build(), """
            using DenseGen;
            namespace Test;
            [OnnxModel("models/model.onnx")]
            public class Model;
            """, ["DG0036"]);

    [Fact]
    public void ALargerMaxBatchForAGraphOfOneSampleIsNamed() =>
        Verify(new OnnxBuilder().Input("obs", 1L, 4L).Node("Relu", "relu", ["obs"], ["output"]).Output("output", 1L, 4L).Build(), ", MaxBatch = 8", ["DG0038"]);

    [Fact]
    public void AnOperatorOfAnotherDomainIsNotFusedButNamed() =>
        // A Relu of another domain after a dense layer is someone else's op: not fused as ONNX's Relu.
        Verify(new OnnxBuilder()
            .Input("obs", "batch", 4L)
            .Initializer("w", [3, 4], Enumerable.Range(0, 12).Select(i => i / 10f).ToArray())
            .Node("Gemm", "dense", ["obs", "w"], ["z"], ("transB", 1L))
            .NodeOfDomain("com.example", "Relu", "custom", ["z"], ["output"])
            .Output("output", "batch", 3L).Build(), "", ["DG0038"]);

    [Fact]
    public void ASampleTooLargeToIndexIsRefused() =>
        Verify(new OnnxBuilder().Input("obs", "batch", 65536L, 65536L).Node("Relu", "relu", ["obs"], ["output"]).Output("output", "batch", 65536L, 65536L).Build(), "", ["DG0038"]);

    [Fact]
    public void ASqueezeNamingAnAxisTwiceIsRefused() =>
        Verify(new OnnxBuilder(opset: 11).Input("obs", "batch", 1L, 4L).Node("Squeeze", "squeeze", ["obs"], ["output"], ("axes", new long[] { 1, -2 })).Output("output", "batch", 4L).Build(), "", ["DG0038"]);

    [Fact]
    public void AConstantThatWouldWidenEachSampleIsRefused() =>
        // A mean [3] against samples [3, 1] broadcasts to [3, 3]: not a normalizer, and not a shape [OnnxModel] keeps.
        Verify(new OnnxBuilder()
            .Input("obs", "batch", 3L, 1L)
            .Initializer("mean", [3], [0.5f, 0.25f, 0f])
            .Initializer("std", [3], [1f, 2f, 4f])
            .Node("Sub", "sub", ["obs", "mean"], ["c"])
            .Node("Div", "div", ["c", "std"], ["output"])
            .Output("output", "batch", 3L, 3L).Build(), "", ["DG0038"]);

    private static void Verify(byte[] model, string arguments, string[] expected, string? extra = null, [CallerMemberName] string testMethod = "")
    {
        (GeneratorRunResult result, Compilation output) = extra is null
            ? ModelHarness.Generate(model, ModelHarness.Declaration(arguments))
            : ModelHarness.Generate(model, ModelHarness.Declaration(arguments), extra);
        Check(result, output, expected, testMethod);
    }

    private static void VerifySource(byte[] model, string source, string[] expected, [CallerMemberName] string testMethod = "")
    {
        (GeneratorRunResult result, Compilation output) = ModelHarness.Generate(model, source);
        Check(result, output, expected, testMethod);
    }

    private static void Check(GeneratorRunResult result, Compilation output, string[] expected, [CallerMemberName] string testMethod = "")
    {
        Assert.Null(result.Exception);
        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.AllDiagnostics(result, output);
        Assert.Equal(expected, diagnostics.Select(d => d.Id).Order());
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.EndsWith(".OnnxModel.g.cs", System.StringComparison.Ordinal));
        Snapshot.VerifyText(DiagnosticTests.Format(diagnostics), nameof(OnnxModelDiagnosticTests), testMethod);
    }
}
