using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// The policies ML-Agents and Godot RL Agents export (shared/external; see SOURCES.md there), and the project's own
/// policy in Godot RL Agents' form, compiled by <c>[OnnxModel]</c> in memory and run on random batches of 1 and 64 against ONNX Runtime running the file itself: both
/// within the float bound of a double evaluation of the graph (<see cref="OnnxReference"/>), which for outputs of
/// magnitude ≤ 1 never exceeds 1e-5; ArgMax outputs equal wherever the top two scores are further apart than their bounds.
/// </summary>
public class ExternalModelTests(ITestOutputHelper output)
{
    /// <summary>A model, the outputs to compute (null: the default), and the inputs its Forward takes, in order.</summary>
    public static TheoryData<string, string?, int> Cases()
    {
        var data = new TheoryData<string, string?, int>();
        foreach (int batch in new[] { 1, 64 })
        {
            data.Add("godotrl_FlyBy.onnx", null, batch);
            data.Add("godotrl_DefendTheGoal.onnx", null, batch);
            data.Add("mlagents_3DBall.onnx", "deterministic_continuous_actions", batch);
            data.Add("mlagents_Basic.onnx", "deterministic_discrete_actions", batch);
        }
        return data;
    }

    [ExternalModelTheory]
    [MemberData(nameof(Cases))]
    public void AnExportCompilesAndMatchesOnnxRuntime(string file, string? selected, int batch) =>
        CompileAndCompare(ExternalModels.Path(file), selected, batch);

    /// <summary>The project's own Godot RL Agents-form policy (tools/make-torch-fixtures.py policy), as its exporter writes it (opset 9) and at opset 17.</summary>
    [Theory]
    [InlineData("policy.opset9.onnx", 1)]
    [InlineData("policy.opset9.onnx", 64)]
    [InlineData("policy.opset17.onnx", 1)]
    [InlineData("policy.opset17.onnx", 64)]
    public void TheProjectsGodotFormPolicyCompilesAndMatchesOnnxRuntime(string file, int batch) =>
        CompileAndCompare(Import.OnnxImportTests.Fixture(file), null, batch);

    private void CompileAndCompare(string path, string? selected, int batch)
    {
        string file = Path.GetFileName(path);
        byte[] bytes = File.ReadAllBytes(path);
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);

        // Random observations; a mask of 0s and 1s with at least one 1 per sample (ML-Agents' action_masks).
        var random = new Random(batch * 31 + file.Length);
        var inputs = new Dictionary<string, float[]>();
        var ortInputs = new List<NamedOnnxValue>();
        foreach ((string name, NodeMetadata meta) in session.InputMetadata)
        {
            int[] dims = [batch, .. meta.Dimensions.Skip(1)];
            int length = dims.Aggregate(1, (p, d) => p * d);
            float[] values = name.Contains("mask")
                ? Enumerable.Range(0, length).Select(i => i % dims[^1] == 0 || random.Next(2) == 1 ? 1f : 0f).ToArray()
                : LayerChecks.RandomValues<float>(random, length);
            inputs[name] = values;
            ortInputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values, dims)));
        }

        string[] outputs = selected is null ? ["output"] : [selected];
        string arguments = selected is null ? "" : $", Outputs = new[] {{ \"{selected}\" }}";
        Assembly assembly = ModelHarness.CompileAndLoad(bytes, ModelHarness.Declaration(arguments), Runner(file));
        object model = assembly.GetType("Test.Runner")!.GetMethod("Create")!.Invoke(null, null)!;
        string[] forwardInputs = (string[])assembly.GetType("Test.Runner")!.GetField("Inputs")!.GetValue(null)!;
        bool integer = file.Contains("Basic");
        object result = integer ? new int[batch] : new float[batch * session.OutputMetadata[outputs[0]].Dimensions[^1]];
        assembly.GetType("Test.Runner")!.GetMethod("Run")!.Invoke(null, [model, forwardInputs.Select(n => inputs[n]).ToArray(), result]);

        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> ort = session.Run(ortInputs, outputs);
        var reference = new OnnxReference(bytes, inputs, batch);
        if (integer)
        {
            long[] expected = ort.Single().AsEnumerable<long>().ToArray();
            OnnxReference.Tensor scores = reference["onnx::Log_27"];
            bool[] decided = OnnxReference.ArgMaxDecided(scores);
            OnnxReference.Tensor argMax = reference[outputs[0]];
            int[] actual = (int[])result;
            for (int s = 0; s < batch; s++)
            {
                if (!decided[s])
                    continue;
                Assert.Equal((int)argMax.Values[s], actual[s]);
                Assert.Equal((long)argMax.Values[s], expected[s]);
            }
            output.WriteLine($"{file}, batch {batch}: ArgMax equal to ONNX Runtime's and the reference's on {decided.Count(d => d)} decided samples of {batch}");
            return;
        }
        double[] ours = LayerChecks.Wide((float[])result), theirs = LayerChecks.Wide(ort.Single().AsEnumerable<float>().ToArray());
        OnnxReference.Tensor exact = reference[outputs[0]];
        output.WriteLine($"{file}, batch {batch}: " + OnnxReference.AssertBothWithin(ours, theirs, exact, "output")
            + $"; the derived bound is at most {exact.Errors.Max():E2}");
    }

    /// <summary>The class that calls the generated Forward from arrays, as the test cannot pass spans through reflection.</summary>
    private static string Runner(string file) => file switch
    {
        "mlagents_3DBall.onnx" => RunnerOf(["obs_0"], "m.Forward(i[0], (float[])o)"),
        "mlagents_Basic.onnx" => RunnerOf(["obs_0", "action_masks"], "m.Forward(i[0], i[1], (int[])o)"),
        _ => RunnerOf(["obs"], "m.Forward(i[0], (float[])o)"),
    };

    private static string RunnerOf(string[] inputs, string call) => $$"""
        namespace Test;

        public static class Runner
        {
            public static readonly string[] Inputs = { {{string.Join(", ", inputs.Select(i => "\"" + i + "\""))}} };

            public static object Create() => new Model();

            public static void Run(object model, float[][] i, object o)
            {
                var m = (Model)model;
                {{call}};
            }
        }
        """;
}
