using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using DenseGen.Formats;
using DenseGen.Tests.Import;
using DenseGen.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// The project's own game policies (tools/make-torch-fixtures.py: groups policy, mlagents and policy650k), made by
/// PyTorch 1.13 in both exporters' forms at opsets 9, 13 and 17, compiled by <c>[OnnxModel]</c> in memory. Every
/// deterministic output is compared on PyTorch's recorded batch with PyTorch's outputs, and on random batches of 1 and 64
/// with ONNX Runtime running the file, each pair within the float bound of the double evaluation of the graph
/// (<see cref="OnnxReference"/>), capped at 1e-5 for outputs of magnitude ≤ 1; ArgMax outputs equal wherever the top two
/// scores are further apart than their bounds. The sampled outputs repeat for a seed and never draw a masked action, and
/// for the hybrid policy follow the distributions the graph describes within 4 standard errors.
/// </summary>
public class OwnFixtureTests(ITestOutputHelper output)
{
    /// <summary>One of the script's models: its inputs, deterministic and sampled outputs (name and whether it is an int), action branches, normalizers.</summary>
    private sealed record Form(
        string[] Inputs, (string Name, bool Integer)[] Deterministic, (string Name, bool Integer)[] All, int[] Branches, int Normalizers);

    private static readonly (string, bool) ContinuousDraws = ("continuous_actions", false), DiscreteDraws = ("discrete_actions", true),
        Continuous = ("deterministic_continuous_actions", false), Discrete = ("deterministic_discrete_actions", true);

    private static Form FormOf(string file) => file.Split('.')[0] switch
    {
        "policy" or "policy650k" => new([ "obs" ], [("output", false)], [("output", false)], [], 0),
        "mlagents_continuous" => new([ "obs_0" ], [Continuous], [ContinuousDraws, Continuous], [], 1),
        "mlagents_discrete" => new([ "obs_0", "obs_1", "action_masks" ], [Discrete], [DiscreteDraws, Discrete], [3], 0),
        "mlagents_hybrid" => new([ "obs_0", "obs_1", "action_masks" ], [Continuous, Discrete],
            [ContinuousDraws, DiscreteDraws, Continuous, Discrete], [3, 2], 2),
        _ => throw new ArgumentException("not one of the script's models: " + file),
    };

    private static readonly string[] MlAgents = ["mlagents_continuous", "mlagents_discrete", "mlagents_hybrid"];

    public static TheoryData<string> MlAgentsFiles() => [.. MlAgents.SelectMany(n => new[] { 9, 13, 17 }.Select(o => $"{n}.opset{o}.onnx"))];

    public static TheoryData<string> AllFiles() =>
        ["policy.opset9.onnx", "policy.opset13.onnx", "policy.opset17.onnx", "policy650k.opset17.onnx",
         .. MlAgents.SelectMany(n => new[] { 9, 13, 17 }.Select(o => $"{n}.opset{o}.onnx"))];

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void DeterministicOutputsMatchPyTorchOnnxRuntimeAndTheReference(string file)
    {
        Form form = FormOf(file);
        byte[] bytes = File.ReadAllBytes(OnnxImportTests.Fixture(file));
        string arguments = file.StartsWith("policy", StringComparison.Ordinal) ? ""
            : $", Outputs = new[] {{ {string.Join(", ", form.Deterministic.Select(o => "\"" + o.Name + "\""))} }}";
        Assembly assembly = ModelHarness.CompileAndLoad(bytes, ModelHarness.Declaration(arguments), Runner(form.Inputs.Length, form.Deterministic, random: false));
        Type runner = assembly.GetType("Test.Runner")!;
        object model = runner.GetMethod("Create")!.Invoke(null, null)!;
        OnnxGraph graph = OnnxGraph.Build(OnnxModel.Parse(bytes, "model", ""), "model");

        // PyTorch's batch and its deterministic outputs (ArgMax classes recorded as floats).
        SafeTensorsFile expected = SafeTensorsFile.Read(OnnxImportTests.Fixture(file.Split('.')[0] + ".expected.safetensors"));
        int batch = (int)expected.Tensors[form.Inputs[0]].Shape[0];
        var inputs = form.Inputs.ToDictionary(n => n, n => OnnxImportTests.Tensor(expected, n));
        var torch = form.Deterministic.ToDictionary(o => o.Name, o => LayerChecks.Wide(OnnxImportTests.Tensor(expected, o.Name)));
        Compare("PyTorch", batch, inputs, torch);

        // ONNX Runtime on random batches: observations in [-1, 1), masks of 0s and 1s with each branch's first action allowed.
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(bytes, options);
        foreach (int size in new[] { 1, 64 })
        {
            var random = new Random(size * 31 + file.Length);
            var values = new Dictionary<string, float[]>();
            var ortInputs = new List<NamedOnnxValue>();
            foreach ((string name, NodeMetadata meta) in session.InputMetadata) // Godot's state_ins too, which ONNX Runtime wants
            {
                int[] dims = [size, .. meta.Dimensions.Skip(1)];
                values[name] = name == "action_masks" ? Masks(random, size, form.Branches) : LayerChecks.RandomValues<float>(random, dims.Aggregate(1, (p, d) => p * d));
                ortInputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values[name], dims)));
            }
            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> ort = session.Run(ortInputs, form.Deterministic.Select(o => o.Name).ToArray());
            var theirs = ort.ToDictionary(v => v.Name, v => v.ElementType == TensorElementType.Int64
                ? v.AsEnumerable<long>().Select(l => (double)l).ToArray() : LayerChecks.Wide(v.AsEnumerable<float>().ToArray()));
            Compare("ONNX Runtime", size, values, theirs);
        }

        void Compare(string peer, int size, Dictionary<string, float[]> values, Dictionary<string, double[]> theirs)
        {
            object[] outputs = form.Deterministic.Select(o => o.Integer ? new int[theirs[o.Name].Length] : (object)new float[theirs[o.Name].Length]).ToArray();
            runner.GetMethod("Run")!.Invoke(null, [model, form.Inputs.Select(n => values[n]).ToArray(), outputs, 0UL]);
            var reference = new OnnxReference(bytes, values, size);
            for (int k = 0; k < outputs.Length; k++)
            {
                string name = form.Deterministic[k].Name;
                if (outputs[k] is float[] ours)
                {
                    OnnxReference.Tensor exact = reference[name];
                    output.WriteLine($"{file}, {peer}, batch {size}, {name}: " + OnnxReference.AssertBothWithin(LayerChecks.Wide(ours), theirs[name], exact, name, peer)
                        + $"; the derived bound is at most {exact.Errors.Max():E2}");
                    continue;
                }
                // One ArgMax per branch, joined by a Concat: each column is decided by its branch's scores.
                int[] classes = (int[])outputs[k];
                OnnxNode[] argMaxes = Branches(graph, name);
                int decided = 0;
                for (int b = 0; b < argMaxes.Length; b++)
                {
                    bool[] clear = OnnxReference.ArgMaxDecided(reference[argMaxes[b].Inputs[0]]);
                    double[] best = reference[argMaxes[b].Outputs[0]].Values;
                    for (int s = 0; s < size; s++)
                    {
                        if (!clear[s])
                            continue;
                        decided++;
                        Assert.True(best[s] == classes[s * argMaxes.Length + b], $"{name}[{s}, {b}]: DenseGen chose {classes[s * argMaxes.Length + b]}, the reference {best[s]}");
                        Assert.True(best[s] == theirs[name][s * argMaxes.Length + b], $"{name}[{s}, {b}]: {peer} chose {theirs[name][s * argMaxes.Length + b]}, the reference {best[s]}");
                    }
                }
                output.WriteLine($"{file}, {peer}, batch {size}, {name}: equal to {peer}'s and the reference's on {decided} decided choices of {size * argMaxes.Length}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(MlAgentsFiles))]
    public void SampledOutputsRepeatForASeedAndNeverTakeAMaskedAction(string file)
    {
        Form form = FormOf(file);
        byte[] bytes = File.ReadAllBytes(OnnxImportTests.Fixture(file));
        Assembly assembly = ModelHarness.CompileAndLoad(bytes, ModelHarness.Declaration(), Runner(form.Inputs.Length, form.All, random: true));
        Type runner = assembly.GetType("Test.Runner")!;
        object model = runner.GetMethod("Create")!.Invoke(null, null)!;
        SafeTensorsFile expected = SafeTensorsFile.Read(OnnxImportTests.Fixture(file.Split('.')[0] + ".expected.safetensors"));
        int batch = (int)expected.Tensors[form.Inputs[0]].Shape[0];
        float[][] inputs = form.Inputs.Select(n => OnnxImportTests.Tensor(expected, n)).ToArray();
        int Width(string name) => name.Contains("discrete", StringComparison.Ordinal) ? form.Branches.Length : 2;
        object[] Run(ulong seed)
        {
            object[] outputs = form.All.Select(o => o.Integer ? new int[batch * Width(o.Name)] : (object)new float[batch * Width(o.Name)]).ToArray();
            runner.GetMethod("Run")!.Invoke(null, [model, inputs, outputs, seed]);
            return outputs;
        }

        object[] first = Run(42), again = Run(42), other = Run(43);
        for (int k = 0; k < first.Length; k++)
            Assert.Equal((Array)first[k], (Array)again[k]);
        if (form.All.Contains(ContinuousDraws))
            Assert.NotEqual((float[])first[0], (float[])other[0]);
        if (form.All.Contains(DiscreteDraws))
        {
            float[] masks = inputs[^1];
            int[] drawn = (int[])first[Array.IndexOf(form.All, DiscreteDraws)];
            for (int s = 0; s < batch; s++)
            {
                int start = 0;
                for (int b = 0; b < form.Branches.Length; b++)
                {
                    int action = drawn[s * form.Branches.Length + b];
                    Assert.InRange(action, 0, form.Branches[b] - 1);
                    Assert.True(masks[s * form.Branches.Sum() + start + action] == 1, $"sample {s}, branch {b}: drew masked action {action}");
                    start += form.Branches[b];
                }
            }
        }
    }

    /// <summary>
    /// mlagents_hybrid at opset 17, 100,000 draws for one observation: each continuous action's mean and variance match
    /// clip(μ + σZ, −3, 3) / 3 and each branch's frequencies its masked softmax, within 4 standard errors (μ, σ and the
    /// probabilities from the double reference).
    /// </summary>
    [Fact]
    public void TheHybridPolicysDrawsFollowTheDistributionsOfItsGraph()
    {
        const int draws = SampledOutputTests.Draws;
        byte[] file = File.ReadAllBytes(OnnxImportTests.Fixture("mlagents_hybrid.opset17.onnx"));
        OnnxGraph graph = OnnxGraph.Build(OnnxModel.Parse(file, "model", ""), "model");
        OnnxNode noise = graph.Nodes.Single(n => n.OpType == "RandomNormalLike");
        string mu = noise.Inputs[0], sigma = graph.Nodes.Single(n => n.OpType == "Exp").Outputs[0];
        OnnxNode[] branches = Branches(graph, Discrete.Item1);
        float[] obs0 = LayerChecks.RandomValues<float>(new Random(17), 5), obs1 = LayerChecks.RandomValues<float>(new Random(19), 3);
        foreach (float[] mask in new[] { new[] { 1f, 1f, 1f, 1f, 1f }, new[] { 1f, 0f, 1f, 0f, 1f } })
        {
            var continuous = new float[draws * 2];
            var discrete = new int[draws * 2];
            SampledOutputTests.Invoke(file, "", "m.Forward(i[0], i[1], i[2], (float[])o[0], (int[])o[1], (float[])o[2], (int[])o[3], new global::DenseGen.SeededRandom(seed))",
                [SampledOutputTests.Repeat(obs0, draws), SampledOutputTests.Repeat(obs1, draws), SampledOutputTests.Repeat(mask, draws)],
                [continuous, discrete, new float[draws * 2], new int[draws * 2]], 23);

            var reference = new OnnxReference(file, new Dictionary<string, float[]> { ["obs_0"] = obs0, ["obs_1"] = obs1, ["action_masks"] = mask }, 1);
            for (int a = 0; a < 2; a++)
            {
                (double mean, double variance, double fourth) = SampledOutputTests.ClippedNormalMoments(reference[mu].Values[a], reference[sigma].Values[a]);
                double[] values = Enumerable.Range(0, draws).Select(s => (double)continuous[s * 2 + a]).ToArray();
                double sampleMean = values.Average(), sampleVariance = values.Sum(v => (v - sampleMean) * (v - sampleMean)) / (draws - 1);
                double meanError = Math.Sqrt(variance / draws), varianceError = Math.Sqrt((fourth - variance * variance) / draws);
                output.WriteLine($"mask [{string.Join(", ", mask)}], continuous action {a}: mean {sampleMean:F5} (expected {mean:F5} ± {meanError:E1}), variance {sampleVariance:F5} (expected {variance:F5} ± {varianceError:E1})");
                Assert.True(Math.Abs(sampleMean - mean) <= 4 * meanError, $"action {a}: mean {sampleMean} is more than 4 standard errors from {mean}");
                Assert.True(Math.Abs(sampleVariance - variance) <= 4 * varianceError, $"action {a}: variance {sampleVariance} is more than 4 standard errors from {variance}");
            }
            for (int b = 0, start = 0; b < branches.Length; start += FormOf("mlagents_hybrid").Branches[b], b++)
            {
                double[] p = reference[branches[b].Inputs[0]].Values;
                for (int c = 0; c < p.Length; c++)
                {
                    double frequency = Enumerable.Range(0, draws).Count(s => discrete[s * 2 + b] == c) / (double)draws, error = Math.Sqrt(p[c] * (1 - p[c]) / draws);
                    output.WriteLine($"mask [{string.Join(", ", mask)}], branch {b}, action {c}: frequency {frequency:F5}, probability {p[c]:F5} ± {error:E1}");
                    Assert.True(Math.Abs(frequency - p[c]) <= 4 * error, $"branch {b}, action {c}: frequency {frequency} is more than 4 standard errors from {p[c]}");
                    if (mask[start + c] == 0)
                        Assert.Equal(0, frequency);
                }
            }
        }
    }

    /// <summary>The normalizer is compiled where the export has one (a [Standardize] layer per standardized input), and not otherwise.</summary>
    [Theory]
    [MemberData(nameof(MlAgentsFiles))]
    public void TheNormalizerIsCompiledWhereTheExportHasOne(string file)
    {
        Form form = FormOf(file);
        (Microsoft.CodeAnalysis.GeneratorRunResult result, _) = ModelHarness.Generate(File.ReadAllBytes(OnnxImportTests.Fixture(file)),
            ModelHarness.Declaration($", Outputs = new[] {{ {string.Join(", ", form.Deterministic.Select(o => "\"" + o.Name + "\""))} }}"));
        Assert.Null(result.Exception);
        string source = ModelHarness.Source(result);
        Assert.Equal(form.Normalizers, Regex.Matches(source, @"partial class (__DenseStandardize\d+)\b").Select(m => m.Groups[1].Value).Distinct().Count());
    }

    /// <summary>The ArgMax of each branch behind a discrete output (ML-Agents joins them with a Concat).</summary>
    private static OnnxNode[] Branches(OnnxGraph graph, string output)
    {
        OnnxNode node = graph.Producer(output)!;
        OnnxNode[] argMaxes = node.OpType == "Concat" ? node.Inputs.Select(i => graph.Producer(i)!).ToArray() : [node];
        Assert.All(argMaxes, n => Assert.Equal("ArgMax", n.OpType));
        return argMaxes;
    }

    /// <summary>Masks of 0s and 1s, each branch's first action always allowed.</summary>
    private static float[] Masks(Random random, int batch, int[] branches)
    {
        int width = branches.Sum();
        var masks = new float[batch * width];
        for (int s = 0; s < batch; s++)
        {
            for (int b = 0, start = 0; b < branches.Length; start += branches[b], b++)
            {
                for (int c = 0; c < branches[b]; c++)
                    masks[s * width + start + c] = c == 0 || random.Next(2) == 1 ? 1f : 0f;
            }
        }
        return masks;
    }

    /// <summary>The class that calls the generated Forward from arrays, as the test cannot pass spans through reflection.</summary>
    private static string Runner(int inputs, (string Name, bool Integer)[] outputs, bool random) => $$"""
        namespace Test;

        public static class Runner
        {
            public static object Create() => new Model();

            public static void Run(object model, float[][] i, object[] o, ulong seed)
            {
                var m = (Model)model;
                m.Forward({{string.Join(", ", Enumerable.Range(0, inputs).Select(k => $"i[{k}]")
                    .Concat(outputs.Select((x, k) => $"({(x.Integer ? "int" : "float")}[])o[{k}]"))
                    .Concat(random ? ["new global::DenseGen.SeededRandom(seed)"] : []))}});
            }
        }
        """;
}
