using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// Every operator <c>[OnnxModel]</c> compiles, in small graphs built here, at batches of 1, 5 and 37 (more than
/// <c>MaxBatch</c>, so chunks and a partial last chunk): the generated class and ONNX Runtime both within the derived
/// bound of a double evaluation (<see cref="OnnxReference"/>), capped at 1e-5 for outputs of magnitude ≤ 1; integer
/// outputs equal where decided.
/// </summary>
public class OnnxModelOpTests(ITestOutputHelper output)
{
    private static readonly Random Values = new(7);

    private static float[] Floats(int count, float scale = 0.5f) => Enumerable.Range(0, count).Select(_ => (float)(Values.NextDouble() * 2 - 1) * scale).ToArray();

    /// <summary>A case: the graph, its inputs' names and per-sample sizes, its outputs' names, sizes and whether they are integers, and attribute arguments.</summary>
    public sealed record Case(string Name, byte[] Model, (string Name, int[] Dims)[] Inputs, (string Name, int Size, bool Integer)[] Outputs, string Arguments = "")
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<Case> All()
    {
        yield return new Case("arithmetic with constants of one value and of one per feature, on either side",
            new OnnxBuilder()
                .Input("obs", "batch", 4L)
                .Initializer("mean", [4], [0.1f, -0.2f, 0.3f, 0f])
                .Initializer("two", [], [2f])
                .Initializer("three", [1], [3f])
                .Initializer("scale", [1, 4], [1f, 2f, 0.5f, -1f])
                .Node("Sub", "sub", ["obs", "mean"], ["a"])
                .Node("Mul", "mul", ["two", "a"], ["b"])
                .Node("Div", "div", ["three", "b"], ["c"])
                .Node("Mul", "mulScale", ["obs", "scale"], ["d"])
                .Node("Add", "add", ["c", "d"], ["e"])
                .Node("Sub", "subValues", ["e", "obs"], ["output"])
                .Output("output", "batch", 4L).Build(),
            [("obs", [4])], [("output", 4, false)]);

        yield return new Case("standalone activations, Exp, Log and Clip with input bounds, joined by Concat",
            new OnnxBuilder()
                .Input("x", "batch", 3L)
                .Initializer("low", [], [-0.25f])
                .Initializer("high", [], [0.3f])
                .Node("Relu", "relu", ["x"], ["r"])
                .Node("LeakyRelu", "leaky", ["x"], ["l"], ("alpha", 0.2f))
                .Node("Elu", "elu", ["x"], ["e"], ("alpha", 0.5f))
                .Node("Sigmoid", "sigmoid", ["x"], ["s"])
                .Node("Tanh", "tanh", ["x"], ["t"])
                .Node("Exp", "exp", ["x"], ["x1"])
                .Node("Log", "log", ["x1"], ["x2"])
                .Node("Clip", "clip", ["x", "low", "high"], ["c"])
                .Node("Concat", "concat", ["r", "l", "e", "s", "t", "x2", "c"], ["output"], ("axis", 1L))
                .Output("output", "batch", 21L).Build(),
            [("x", [3])], [("output", 21, false)]);

        yield return new Case("Clip whose lower bound is above its upper one, which ONNX resolves to the upper",
            new OnnxBuilder()
                .Input("x", "batch", 3L)
                .Initializer("low", [], [0.5f])
                .Initializer("high", [], [-0.25f])
                .Node("Clip", "clip", ["x", "low", "high"], ["output"])
                .Output("output", "batch", 3L).Build(),
            [("x", [3])], [("output", 3, false)]);

        yield return new Case("MatMul with and without a bias, its activation fused",
            new OnnxBuilder()
                .Input("obs", "batch", 4L)
                .Initializer("w1", [4, 3], Floats(12))
                .Initializer("b1", [3], Floats(3))
                .Initializer("w2", [3, 2], Floats(6))
                .Node("MatMul", "mm1", ["obs", "w1"], ["z1"])
                .Node("Add", "bias1", ["z1", "b1"], ["z2"])
                .Node("Elu", "elu", ["z2"], ["h"])
                .Node("MatMul", "mm2", ["h", "w2"], ["output"])
                .Output("output", "batch", 2L).Build(),
            [("obs", [4])], [("output", 2, false)]);

        yield return new Case("two inputs joined, a dense layer, a slice, a softmax and an argmax of it",
            new OnnxBuilder()
                .Input("obs_a", "batch", 3L)
                .Input("obs_b", "batch", 2L)
                .Initializer("w", [6, 5], Floats(30, 2))
                .Initializer("b", [6], Floats(6))
                .Int64Initializer("starts", [1], [1])
                .Int64Initializer("ends", [1], [long.MaxValue])
                .Int64Initializer("axes", [1], [1])
                .Node("Concat", "join", ["obs_a", "obs_b"], ["joined"], ("axis", -1L))
                .Node("Gemm", "dense", ["joined", "w", "b"], ["logits"], ("transB", 1L))
                .Node("Slice", "slice", ["logits", "starts", "ends", "axes"], ["kept"])
                .Node("Softmax", "softmax", ["kept"], ["probs"], ("axis", 1L))
                .Node("ArgMax", "argmax", ["probs"], ["best"], ("axis", 1L), ("keepdims", 1L))
                .Output("probs", "batch", 5L)
                .Int64Output("best", "batch", 1L).Build(),
            [("obs_a", [3]), ("obs_b", [2])], [("probs", 5, false), ("best", 1, true)]);

        yield return new Case("reshapes that keep each sample's values in order, from a rank-3 input",
            new OnnxBuilder()
                .Input("grid", "batch", 2L, 3L)
                .Int64Initializer("shape", [2], [-1, 6])
                .Int64Initializer("axes", [1], [1])
                .Initializer("w", [2, 6], Floats(12))
                .Node("Reshape", "reshape", ["grid", "shape"], ["flat"])
                .Node("Unsqueeze", "unsqueeze", ["flat", "axes"], ["wide"])
                .Node("Squeeze", "squeeze", ["wide", "axes"], ["narrow"])
                .Node("Flatten", "flatten", ["narrow"], ["rows"], ("axis", 1L))
                .Node("Gemm", "dense", ["rows", "w"], ["output"], ("transB", 1L))
                .Output("output", "batch", 2L).Build(),
            [("grid", [2, 3])], [("output", 2, false)]);

        yield return new Case("opset 9: Clip and Slice by attributes, Softmax over the flattened sample",
            new OnnxBuilder(opset: 9)
                .Input("grid", "batch", 2L, 3L)
                .Node("Clip", "clip", ["grid"], ["c"], ("min", -0.3f), ("max", 0.4f))
                .Node("Softmax", "softmax", ["c"], ["s"], ("axis", 1L))
                .Node("Flatten", "flatten", ["s"], ["f"], ("axis", 1L))
                .Node("Slice", "slice", ["f"], ["output"], ("starts", new long[] { 2 }), ("ends", new long[] { 5 }), ("axes", new long[] { 1 }))
                .Output("output", "batch", 3L).Build(),
            [("grid", [2, 3])], [("output", 3, false)]);

        yield return new Case("a graph fixed at one sample, run one sample at a time",
            new OnnxBuilder()
                .Input("obs", 1L, 4L)
                .Initializer("w", [3, 4], Floats(12))
                .Node("Gemm", "dense", ["obs", "w"], ["z"], ("transB", 1L))
                .Node("Tanh", "tanh", ["z"], ["output"])
                .Output("output", 1L, 3L).Build(),
            [("obs", [4])], [("output", 3, false)]);
    }

    public static TheoryData<Case, int> Cases()
    {
        var data = new TheoryData<Case, int>();
        foreach (Case c in All())
        {
            foreach (int batch in new[] { 1, 5, 37 })
                data.Add(c, batch);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachOperatorMatchesOnnxRuntime(Case test, int batch)
    {
        var random = new Random(batch);
        var inputs = test.Inputs.ToDictionary(i => i.Name, i => LayerChecks.RandomValues<float>(random, batch * i.Dims.Aggregate(1, (p, d) => p * d)));
        object[] results = test.Outputs.Select(o => o.Integer ? (object)new int[batch * o.Size] : new float[batch * o.Size]).ToArray();
        Assembly assembly = ModelHarness.CompileAndLoad(test.Model, ModelHarness.Declaration(test.Arguments), Runner(test));
        Type runner = assembly.GetType("Test.Runner")!;
        runner.GetMethod("Run")!.Invoke(null, [test.Inputs.Select(i => inputs[i.Name]).ToArray(), results]);

        // ONNX Runtime takes a graph fixed at one sample one sample at a time, as the generated class does.
        bool fixedAtOne = test.Name.Contains("fixed at one", StringComparison.Ordinal);
        var theirs = test.Outputs.Select(o => new List<double>()).ToArray();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(test.Model, options);
        int step = fixedAtOne ? 1 : batch;
        for (int first = 0; first < batch; first += step)
        {
            var feeds = test.Inputs.Select(i =>
            {
                int width = i.Dims.Aggregate(1, (p, d) => p * d);
                return NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(inputs[i.Name].AsMemory(first * width, step * width), [step, .. i.Dims]));
            }).ToList();
            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> ort = session.Run(feeds, test.Outputs.Select(o => o.Name).ToArray());
            for (int o = 0; o < test.Outputs.Length; o++)
            {
                DisposableNamedOnnxValue value = ort.Single(r => r.Name == test.Outputs[o].Name);
                theirs[o].AddRange(test.Outputs[o].Integer ? value.AsEnumerable<long>().Select(v => (double)v) : value.AsEnumerable<float>().Select(v => (double)v));
            }
        }

        var reference = new OnnxReference(test.Model, inputs, batch);
        for (int o = 0; o < test.Outputs.Length; o++)
        {
            (string name, _, bool integer) = test.Outputs[o];
            OnnxReference.Tensor exact = reference[name];
            if (integer)
            {
                // The argmax of the softmax before it, decided where its top two are further apart than their bounds.
                bool[] decided = OnnxReference.ArgMaxDecided(reference["probs"]);
                int[] ours = (int[])results[o];
                for (int s = 0; s < batch; s++)
                {
                    if (decided[s])
                    {
                        Assert.Equal(exact.Values[s], ours[s]);
                        Assert.Equal(exact.Values[s], theirs[o][s]);
                    }
                }
                output.WriteLine($"{name}: equal on {decided.Count(d => d)} decided samples of {batch}");
                continue;
            }
            double[] actual = LayerChecks.Wide((float[])results[o]);
            output.WriteLine($"{name}: " + OnnxReference.AssertBothWithin(actual, [.. theirs[o]], exact, name));
        }
    }

    [Fact]
    public void ConstantOutputsKeepEveryBitOfTheirType()
    {
        byte[] model = new OnnxBuilder()
            .Input("obs", "batch", 2L)
            .Int64Initializer("largest", [1], [long.MaxValue])
            .Int64Initializer("shape", [2], [long.MinValue, 9_007_199_254_740_993])
            .Initializer("version", [1], [0.1f])
            .Node("Relu", "relu", ["obs"], ["output"])
            .Int64Output("largest", 1L)
            .Int64Output("shape", 2L)
            .Output("version", 1L)
            .Output("output", "batch", 2L).Build();
        const string runner = """
            namespace Test;
            public static class Runner
            {
                public static object[] Constants() => new object[] { Model.Largest, Model.Shape.ToArray(), Model.Version };
            }
            """;
        object[] constants = (object[])ModelHarness.CompileAndLoad(model, ModelHarness.Declaration(), runner).GetType("Test.Runner")!.GetMethod("Constants")!.Invoke(null, null)!;
        Assert.Equal(long.MaxValue, constants[0]);
        Assert.Equal(new[] { long.MinValue, 9_007_199_254_740_993 }, constants[1]);
        Assert.Equal(0.1f, constants[2]);
    }

    /// <summary>A class that calls the generated Forward with the test's arrays.</summary>
    private static string Runner(Case test)
    {
        string arguments = string.Join(", ", test.Inputs.Select((_, i) => $"i[{i}]")
            .Concat(test.Outputs.Select((o, i) => $"({(o.Integer ? "int" : "float")}[])o[{i}]")));
        return $$"""
            namespace Test;

            public static class Runner
            {
                public static void Run(float[][] i, object[] o) => new Model().Forward({{arguments}});
            }
            """;
    }
}
