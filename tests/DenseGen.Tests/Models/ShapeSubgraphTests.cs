using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// Exports that compute shapes (tools/make-torch-fixtures.py shapes): a Godot RL Agents-form policy flattened by
/// <c>obs.view(obs.size(0), -1)</c> (Shape, Gather, Unsqueeze, Concat, Reshape), with stable-baselines3's standard
/// deviation <c>ones_like(mean) * exp(log_std)</c> (Shape, ConstantOfShape, Exp, Mul) and an <c>Expand</c> of a clamped
/// one. The generator evaluates the shapes and the constants at compile time; each output is checked against ONNX Runtime
/// and the double reference's bound, and against PyTorch.
/// </summary>
public class ShapeSubgraphTests(ITestOutputHelper output)
{
    private static readonly string[] Outputs = ["output", "std", "clamped"];

    private const string Runner = """
        namespace Test;

        public static class Runner
        {
            public static object Create() => new Model();

            public static void Run(object model, float[] obs, float[] output, float[] std, float[] clamped) =>
                ((Model)model).Forward(obs, output, std, clamped);
        }
        """;

    [Theory]
    [InlineData(9, 1)]
    [InlineData(9, 64)]
    [InlineData(13, 1)]
    [InlineData(13, 64)]
    [InlineData(17, 1)]
    [InlineData(17, 64)]
    public void TheShapeChainAndTheConstantBranchesMatchOnnxRuntime(int opset, int batch)
    {
        string path = Import.OnnxImportTests.Fixture($"shapes.opset{opset}.onnx");
        byte[] bytes = File.ReadAllBytes(path);
        float[] obs = LayerChecks.RandomValues<float>(new Random(opset * 100 + batch), batch * 12);
        float[][] ours = Run(bytes, obs, batch);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> ort = session.Run(
            [NamedOnnxValue.CreateFromTensor("obs", new DenseTensor<float>(obs, [batch, 3, 4])), NamedOnnxValue.CreateFromTensor("state_ins", new DenseTensor<float>(new float[batch], [batch]))],
            Outputs);
        var reference = new OnnxReference(bytes, new Dictionary<string, float[]> { ["obs"] = obs }, batch);
        for (int i = 0; i < Outputs.Length; i++)
        {
            float[] theirs = ort.Single(v => v.Name == Outputs[i]).AsEnumerable<float>().ToArray();
            output.WriteLine($"opset {opset}, batch {batch}, {Outputs[i]}: "
                + OnnxReference.AssertBothWithin(LayerChecks.Wide(ours[i]), LayerChecks.Wide(theirs), reference[Outputs[i]], Outputs[i]));
        }
    }

    [Theory]
    [InlineData(9)]
    [InlineData(17)]
    public void TheOutputsAreTorchs(int opset)
    {
        SafeTensorsFile expected = SafeTensorsFile.Read(Import.OnnxImportTests.Fixture("shapes.expected.safetensors"));
        int batch = (int)expected.Tensors["obs"].Shape[0];
        float[] obs = new float[batch * 12];
        expected.CopyTo<float>("obs", obs);
        float[][] ours = Run(File.ReadAllBytes(Import.OnnxImportTests.Fixture($"shapes.opset{opset}.onnx")), obs, batch);
        for (int i = 0; i < Outputs.Length; i++)
        {
            float[] torch = new float[batch * 3];
            expected.CopyTo<float>(Outputs[i], torch);
            // Outputs of magnitude ≤ 1 and about 1: the issue's 1e-5 ceiling, which OnnxReference's derived bound stays under here.
            Assert.All(torch.Zip(ours[i]), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 1e-5 * Math.Max(1, Math.Abs(pair.First)), $"{Outputs[i]}: {pair.Second:R} against PyTorch's {pair.First:R}"));
        }
    }

    [Fact]
    public void ShapesCostNothingPerCall()
    {
        // The chunk runs the two layers and fills the standard deviations; no shape is computed when Forward runs.
        (GeneratorRunResult result, _) = ModelHarness.Generate(File.ReadAllBytes(Import.OnnxImportTests.Fixture("shapes.opset17.onnx")), ModelHarness.Declaration());
        string source = ModelHarness.Source(result);
        Assert.Equal(2, source.Split(".Forward(__v").Length - 1);
        Assert.Contains("AsSpan(__denseConstant3Fill).CopyTo(__v3", source);
        Assert.Contains("AsSpan(__denseConstant4Fill).CopyTo(__v4", source);
    }

    /// <summary>
    /// Smaller forms built by hand: a transpose that moves a dimension of 1, an int32 Cast in a shape chain, a constant
    /// expanded to every sample, and a Flatten of a constant at a negative axis (ONNX's range is [−r, r]: −1 keeps
    /// [2, 3] as it is, which then broadcasts onto each sample).
    /// </summary>
    [Fact]
    public void TransposesCastsExpandsAndConstantFlattensCompile()
    {
        float[] offsets = [0.5f, -1.25f, 2f, 0.125f, -3f, 7f];
        byte[] model = new OnnxBuilder(13)
            .Input("obs", "batch", 1L, 6L)
            .Int64Initializer("zero", [], [0]).Int64Initializer("axes", [1], [0]).Int64Initializer("shape23", [2], [2, 3])
            .Initializer("offsets", [2, 3], offsets)
            .Node("Transpose", "move", ["obs"], ["t"], ("perm", new long[] { 0, 2, 1 }))
            .Node("Shape", "shape", ["t"], ["dims"])
            .Node("Gather", "batch_size", ["dims", "zero"], ["n"])
            .Node("Cast", "to_int32", ["n"], ["n32"], ("to", 6L))
            .Node("Cast", "to_int64", ["n32"], ["n64"], ("to", 7L))
            .Node("Unsqueeze", "unsqueeze", ["n64", "axes"], ["n1"])
            .Node("Concat", "target", ["n1", "shape23"], ["batch23"], ("axis", 0L))
            .Node("Reshape", "split", ["t", "batch23"], ["x"])
            .Node("Flatten", "keep", ["offsets"], ["o"], ("axis", -1L))
            .Node("Expand", "every_sample", ["o", "batch23"], ["e"])
            .Node("Add", "add", ["x", "e"], ["output"])
            .Output("output", "batch", 2L, 3L).Build();
        const string runner = """
            namespace Test;

            public static class Runner
            {
                public static void Run(float[] obs, float[] output) => new Model().Forward(obs, output);
            }
            """;
        Assembly assembly = ModelHarness.CompileAndLoad(model, ModelHarness.Declaration(), runner);
        float[] obs = LayerChecks.RandomValues<float>(new Random(5), 3 * 6), result = new float[3 * 6];
        assembly.GetType("Test.Runner")!.GetMethod("Run")!.Invoke(null, [obs, result]);
        Assert.Equal(obs.Select((v, i) => v + offsets[i % 6]), result);
    }

    /// <summary>Small hand-built files that once made the compile-time evaluation throw, allocate without bound or loop for ages.</summary>
    public static TheoryData<string, byte[]> HostileGraphs()
    {
        OnnxBuilder Start() => new OnnxBuilder(13).Input("obs", "batch", 4L);
        return new TheoryData<string, byte[]>
        {
            { "an Exp of a left-out input", Start().Node("Exp", "e", [""], ["e"]).Node("Add", "add", ["obs", "e"], ["output"]).Output("output", "batch", 4L).Build() },
            { "an Expand without inputs", Start().Node("Expand", "x", [], ["e"]).Node("Add", "add", ["obs", "e"], ["output"]).Output("output", "batch", 4L).Build() },
            { "an Expand to [-1]", Start().Initializer("c", [1], [1f]).Int64Initializer("s", [1], [-1]).Node("Expand", "x", ["c", "s"], ["e"]).Node("Add", "add", ["obs", "e"], ["output"]).Output("output", "batch", 4L).Build() },
            { "an Expand to 3e9 elements", Start().Initializer("c", [1], [1f]).Int64Initializer("s", [1], [3_000_000_000]).Node("Expand", "x", ["c", "s"], ["e"]).Node("Add", "add", ["obs", "e"], ["output"]).Output("output", "batch", 4L).Build() },
            { "a ConstantOfShape whose size wraps", Start().Int64Initializer("s", [2], [4294967297, 4294967295]).Node("ConstantOfShape", "x", ["s"], ["e"]).Node("Add", "add", ["obs", "e"], ["output"]).Output("output", "batch", 4L).Build() },
            { "a Reshape whose size wraps", Start().Initializer("c", [4], [1f, 2f, 3f, 4f]).Int64Initializer("s", [2], [4, 4611686018427387905]).Node("Reshape", "x", ["c", "s"], ["e"]).Node("Add", "add", ["obs", "e"], ["output"]).Output("output", "batch", 4L).Build() },
            { "an int64 division that overflows", Start().Int64Initializer("a", [1], [long.MinValue]).Int64Initializer("b", [1], [-1]).Node("Div", "x", ["a", "b"], ["q"]).Node("Reshape", "r", ["obs", "q"], ["output"]).Output("output", "batch", 4L).Build() },
            { "a broadcast of an empty constant", Start().Initializer("c", [0], []).Initializer("d", [1], [1f]).Node("Add", "x", ["c", "d"], ["e"]).Node("Add", "add", ["obs", "e"], ["output"]).Output("output", "batch", 4L).Build() },
            { "a Gather over an empty tensor of huge claimed size", Start().Int64Initializer("c", [4611686018427387904, 0], []).Int64Initializer("i", [0], []).Node("Gather", "x", ["c", "i"], ["g"], ("axis", 1L)).Node("Reshape", "r", ["obs", "g"], ["output"]).Output("output", "batch", 4L).Build() },
            // [batch, 1, 3] times ConstantOfShape([batch, 3]): ONNX would give [batch, batch, 3].
            { "a per-sample constant whose batch would not lead", new OnnxBuilder(13).Input("obs", "batch", 1L, 3L).Node("Flatten", "f", ["obs"], ["y"]).Node("Shape", "s", ["y"], ["shape"]).Node("ConstantOfShape", "p", ["shape"], ["p"]).Node("Mul", "m", ["obs", "p"], ["output"]).Output("output", "batch", 1L, 3L).Build() },
        };
    }

    [Theory]
    [MemberData(nameof(HostileGraphs))]
    public void HostileShapeGraphsAreOneDiagnostic(string what, byte[] model)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        (GeneratorRunResult result, _) = ModelHarness.Generate(model, ModelHarness.Declaration());
        Assert.Null(result.Exception);
        Assert.True(result.Diagnostics is [{ Id: "DG0038" }], $"{what}: {string.Join("; ", result.Diagnostics)}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{what}: {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    private static float[][] Run(byte[] model, float[] obs, int batch)
    {
        Assembly assembly = ModelHarness.CompileAndLoad(model, ModelHarness.Declaration(), Runner);
        Type runner = assembly.GetType("Test.Runner")!;
        object instance = runner.GetMethod("Create")!.Invoke(null, null)!;
        float[][] outputs = [new float[batch * 3], new float[batch * 3], new float[batch * 3]];
        runner.GetMethod("Run")!.Invoke(null, [instance, obs, .. outputs]);
        return outputs;
    }
}
