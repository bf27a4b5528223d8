using System;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Import;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// An <c>[OnnxModel]</c> class's <c>LoadOnnx</c>, as a user meets it: a class compiled from one export loads another
/// export of the same network (its float initializers rewritten, as a newer training run's are) and then computes
/// exactly, to the bit, what the class compiled from that other export computes, through each overload; a file of
/// another architecture, a changed value the code holds as a constant, and a standard deviation that is not positive
/// are refused naming what differs, the instance unchanged.
/// </summary>
public sealed class ModelLoadOnnxTests(ITestOutputHelper output)
{
    /// <summary>How a model is run: its inputs and computed outputs (in graph order, with whether each is an int), whether a random output needs a seed, and its action branches.</summary>
    internal sealed record Form(string[] Inputs, (string Name, bool Integer)[] Outputs, bool Random, int[] Branches);

    internal static Form FormOf(string file) => file.Split('.')[0] switch
    {
        "policy" or "policy650k" => new(["obs"], [("output", false)], false, []),
        "matmul" => new(["x"], [("y", false)], false, []),
        "shapes" => new(["obs"], [("output", false), ("std", false), ("clamped", false)], false, []),
        "mlagents_continuous" => new(["obs_0"], [("continuous_actions", false), ("deterministic_continuous_actions", false)], true, []),
        "mlagents_discrete" => new(["obs_0", "obs_1", "action_masks"], [("discrete_actions", true), ("deterministic_discrete_actions", true)], true, [3]),
        "mlagents_hybrid" => new(["obs_0", "obs_1", "action_masks"],
            [("continuous_actions", false), ("discrete_actions", true), ("deterministic_continuous_actions", false), ("deterministic_discrete_actions", true)], true, [3, 2]),
        "built" => new(["obs_0", "obs_1", "action_masks"], [("deterministic_continuous_actions", false), ("discrete_actions", true), ("deterministic_discrete_actions", true)], true, [2]),
        "mlagents_Hallway" => new(["obs_0", "obs_1", "action_masks", "recurrent_in"], [("discrete_actions", true), ("recurrent_out", false)], true, [5]),
        "lstm_in1_h8_l2_s5_t200" => new(["x", "initial_h", "initial_c"], [("output", false), ("h_n", false), ("c_n", false)], false, []),
        "gru_in3_h40_l2_s1_t200" => new(["x", "initial_h"], [("output", false), ("h_n", false)], false, []),
        "lstm_in1_h16_residual1_s3_t100" or "gru_in2_h8_tanh3_s1_t100_fixed" => new(["x"], [("y", false)], false, []),
        _ => throw new ArgumentException("not a model these tests know: " + file),
    };

    /// <summary>Not a file: <see cref="OnnxModelSnapshotTests.Policy"/>, whose clamp divisor and mask constants are scalar initializers.</summary>
    internal const string Built = "built";

    internal static byte[] Bytes(string file) => file == Built ? OnnxModelSnapshotTests.Policy()
        : file.StartsWith("mlagents_Hallway", StringComparison.Ordinal) ? File.ReadAllBytes(ExternalModels.Path(file))
        : file.StartsWith("lstm_", StringComparison.Ordinal) || file.StartsWith("gru_", StringComparison.Ordinal)
            ? File.ReadAllBytes(RecurrentExport(file))
        : File.ReadAllBytes(OnnxImportTests.Fixture(file));

    /// <summary>A recurrent fixture's export for [OnnxModel]: a layer with a head at every step, else a layer alone.</summary>
    private static string RecurrentExport(string file)
    {
        string head = Path.Combine(Recurrent.RecurrentFixture.Folder, "heads", file);
        return File.Exists(head) ? head : Path.Combine(Recurrent.RecurrentFixture.Folder, "onnxmodel", file);
    }

    /// <summary>How the test calls LoadOnnx: 0 bytes, 1 a path, 2 a stream.</summary>
    public static TheoryData<string, int> Files() => new()
    {
        { "policy.opset9.onnx", 0 },
        { "policy.opset17.onnx", 1 },
        { "matmul.opset9.onnx", 2 },
        { "shapes.opset9.onnx", 2 },
        { "shapes.opset13.onnx", 0 },
        { "shapes.opset17.onnx", 1 },
        { "mlagents_continuous.opset9.onnx", 1 },
        { "mlagents_discrete.opset13.onnx", 2 },
        { "mlagents_hybrid.opset17.onnx", 0 },
        { "policy650k.opset17.onnx", 0 },
        { Built, 2 },
        // PyTorch's exports of whole sequences (200 steps, stacked; see RecurrentSequenceModelTests): W, R and B reordered.
        { "lstm_in1_h8_l2_s5_t200.onnx", 1 },
        { "gru_in3_h40_l2_s1_t200.onnx", 0 },
        // A layer with a Linear at every step (MatMul of [batch, steps, H]), as amp models export; one with the batch fixed at 1.
        { "lstm_in1_h16_residual1_s3_t100.onnx", 2 },
        { "gru_in2_h8_tanh3_s1_t100_fixed.onnx", 1 },
    };

    /// <summary>ML-Agents' memory policy: its LSTM's W, R and B, reordered into the nested layer's PyTorch order, reloaded from a retrained file.</summary>
    [ExternalModelFact]
    public void LoadingAnotherMemoryPolicyComputesWhatCompilingItComputes() => LoadingAnotherExportComputesWhatCompilingItComputes("mlagents_Hallway.onnx", 0);

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadingAnotherExportComputesWhatCompilingItComputes(string file, int how)
    {
        byte[] first = Bytes(file);
        // Every float initializer a newer training run would change, each value scaled by a factor in [0.75, 1.25] (so a
        // standard deviation stays positive); the constant outputs keep their values, as ML-Agents' version number and
        // sizes do (which it writes as initializers behind Identity nodes: version_number.1, *_vector).
        var random = new Random(file.Length * 7 + how);
        byte[] second = OnnxInitializers.Rewrite(first, initializer =>
            initializer.IsOutput || initializer.Name.StartsWith("version_number", StringComparison.Ordinal) || initializer.Name.EndsWith("_vector", StringComparison.Ordinal) ? null
            : initializer.Values.Select(v => v * (float)(0.75 + 0.5 * random.NextDouble())).ToArray());
        Form form = FormOf(file);
        Type compiledFromFirst = Compile(first, form), compiledFromSecond = Compile(second, form);
        object model = Create(compiledFromFirst), reference = Create(compiledFromSecond);

        (float[][] inputs, int samples) = Inputs(compiledFromFirst, form, new Random(5), samples: 64);
        object[] before = Run(compiledFromFirst, model, form, inputs);
        // One sample runs other kernels than a batch: the layers' one-sample kernels read a copy of Wᵀ, which the load and
        // LoadBakedWeights must rewrite along with the weights.
        float[][] oneInput = FirstSample(compiledFromFirst, inputs);
        object[] beforeOne = Run(compiledFromFirst, model, form, oneInput);
        string path = Path.Combine(Path.GetTempPath(), $"densegen-load-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, second);
            Load(compiledFromFirst, model, second, path, how);
        }
        finally
        {
            File.Delete(path);
        }
        object[] loaded = Run(compiledFromFirst, model, form, inputs), expected = Run(compiledFromSecond, reference, form, inputs);

        object[] loadedOne = Run(compiledFromFirst, model, form, oneInput), expectedOne = Run(compiledFromSecond, reference, form, oneInput);

        for (int k = 0; k < form.Outputs.Length; k++)
        {
            Assert.True(Bits(loaded[k]).SequenceEqual(Bits(expected[k])), $"{form.Outputs[k].Name}: after LoadOnnx it differs from the class compiled from the second export");
            Assert.True(Bits(loadedOne[k]).SequenceEqual(Bits(expectedOne[k])), $"{form.Outputs[k].Name}, one sample: after LoadOnnx it differs from the class compiled from the second export");
        }
        // The second export must have changed what the model computes, or the comparison above shows nothing.
        int changed = Enumerable.Range(0, form.Outputs.Length).Count(k => !Bits(before[k]).SequenceEqual(Bits(loaded[k])));
        Assert.True(changed > 0, "the rewritten initializers changed no output");
        // LoadBakedWeights takes the model back to the compiled export, every constant the load rewrote included.
        compiledFromFirst.GetMethod("Reset")!.Invoke(null, [model]);
        Assert.True(Run(compiledFromFirst, model, form, inputs).Zip(before).All(p => Bits(p.First).SequenceEqual(Bits(p.Second))), "LoadBakedWeights after LoadOnnx does not give the compiled model back");
        Assert.True(Run(compiledFromFirst, model, form, oneInput).Zip(beforeOne).All(p => Bits(p.First).SequenceEqual(Bits(p.Second))), "LoadBakedWeights after LoadOnnx does not give the compiled model back for one sample");
        output.WriteLine($"{file}: {samples} samples, every output bit-identical to the class compiled from the second export; {changed} of {form.Outputs.Length} outputs changed by the load");
    }

    [Fact]
    public void TheSameNetworkUnderOtherNamesLoads()
    {
        byte[] first = Bytes("policy.opset9.onnx");
        // Initializer and node names changed (the file's lengths kept), weights scaled: still the compiled architecture.
        byte[] renamed = OnnxInitializers.Rewrite(OnnxInitializers.Rename(OnnxInitializers.Rename(first, "weight", "WEIGHT"), "policy_net", "network_xx"),
            initializer => initializer.Values.Select(v => v * 0.5f).ToArray());
        Assert.False(renamed.AsSpan().IndexOf("policy_net"u8) >= 0);
        Form form = FormOf("policy.opset9.onnx");
        Type type = Compile(first, form), compiledFromRenamed = Compile(renamed, form);
        object model = Create(type);
        (float[][] inputs, _) = Inputs(type, form, new Random(3));
        object[] before = Run(type, model, form, inputs);
        Load(type, model, renamed, "", 0);
        float[] halved = (float[])Run(type, model, form, inputs)[0];
        Assert.False(Bits(before[0]).SequenceEqual(Bits(halved)));
        Assert.True(Bits(halved).SequenceEqual(Bits(Run(compiledFromRenamed, Create(compiledFromRenamed), form, inputs)[0])), "the renamed export computes otherwise than the class compiled from it");
    }

    /// <summary>A dense layer clamped by bounds stored as initializers (as an exporter's constant folding writes them).</summary>
    internal static byte[] ClampedByInitializers(float high, float scale) => new OnnxBuilder()
        .Input("x", "batch", 3L)
        .Initializer("w", [2, 3], [0.5f * scale, -1f * scale, 0.25f * scale, 2f * scale, 1.5f * scale, -0.75f * scale])
        .Initializer("b", [2], [0.125f, -0.5f])
        .Initializer("low", [], [-1f])
        .Initializer("high", [], [high])
        .Node("Gemm", "dense", ["x", "w", "b"], ["z"], ("transB", 1L))
        .Node("Clip", "clamp", ["z", "low", "high"], ["y"])
        .Output("y", "batch", 2L)
        .Build();

    [Fact]
    public void AClampBoundTheCodeHoldsMustStayAndTheWeightsBesideItLoad()
    {
        Form form = new(["x"], [("y", false)], false, []);
        Type type = Compile(ClampedByInitializers(1f, 1f), form), rescaled = Compile(ClampedByInitializers(1f, 0.5f), form);
        object model = Create(type);
        (float[][] inputs, _) = Inputs(type, form, new Random(8));
        object[] before = Run(type, model, form, inputs);
        string message = Refused(type, model, ClampedByInitializers(2f, 1f));
        Assert.Contains("the upper bound of node 'clamp' (Clip) is 2, but the compiled class holds 1 there", message);
        output.WriteLine(message);
        Assert.True(Bits(Run(type, model, form, inputs)[0]).SequenceEqual(Bits(before[0])), "a refused load changed the model");
        Load(type, model, ClampedByInitializers(1f, 0.5f), "", 0);
        Assert.True(Bits(Run(type, model, form, inputs)[0]).SequenceEqual(Bits(Run(rescaled, Create(rescaled), form, inputs)[0])), "the weights beside the bound did not load");
    }

    [Fact]
    public void AnotherArchitectureIsRefusedNamingTheFirstDifferenceAndChangesNothing()
    {
        Form form = FormOf("policy.opset9.onnx");
        Type type = Compile(Bytes("policy.opset9.onnx"), form);
        object model = Create(type);
        (float[][] inputs, _) = Inputs(type, form, new Random(4));
        object[] before = Run(type, model, form, inputs);

        string opset = Refused(type, model, Bytes("policy.opset13.onnx"));
        Assert.Contains("the compiled model has 'opset 9' where it has 'opset 13'", opset);
        string layers = Refused(type, model, Bytes("policy650k.opset17.onnx"));
        Assert.Contains("not the architecture this class was compiled from", layers);
        string notModel = Refused(type, model, "{\"not\": \"onnx\"}"u8.ToArray());
        Assert.StartsWith("the ONNX model: ", notModel);
        output.WriteLine(opset + "\n" + layers + "\n" + notModel);
        Assert.True(Run(type, model, form, inputs).Zip(before).All(p => Bits(p.First).SequenceEqual(Bits(p.Second))), "a refused load changed the model");
    }

    [Fact]
    public void AChangedConstantOrAStandardDeviationThatIsNotPositiveIsRefusedAndChangesNothing()
    {
        const string file = "mlagents_hybrid.opset17.onnx";
        Form form = FormOf(file);
        byte[] bytes = Bytes(file);
        Type type = Compile(bytes, form);
        object model = Create(type);
        (float[][] inputs, _) = Inputs(type, form, new Random(6));
        object[] before = Run(type, model, form, inputs);

        string version = Refused(type, model, OnnxInitializers.Rewrite(bytes, i => i.Name == "version_number.1" ? [4f] : null));
        Assert.Contains("element 0 of the constant output 'version_number' is 4, but the compiled class holds 3 there", version);
        foreach (float bad in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
        {
            string std = Refused(type, model, OnnxInitializers.Rewrite(bytes, i => i.Name == "std_1" ? [i.Values[0], bad, i.Values[2]] : null));
            Assert.Contains($"the std of node", std);
            Assert.Contains($"at element 1", std);
            output.WriteLine(std);
        }
        output.WriteLine(version);
        Assert.True(Run(type, model, form, inputs).Zip(before).All(p => Bits(p.First).SequenceEqual(Bits(p.Second))), "a refused load changed the model");
    }

    private string Refused(Type type, object model, byte[] bytes)
    {
        var exception = Assert.Throws<InvalidDataException>(() => Load(type, model, bytes, "", 0));
        Assert.StartsWith("the ONNX model: ", exception.Message);
        return exception.Message;
    }

    // ---- running a compiled model ----

    internal static Type Compile(byte[] bytes, Form form) =>
        ModelHarness.CompileAndLoad(bytes, ModelHarness.Declaration(), Runner(form)).GetType("Test.Runner")!;

    internal static object Create(Type runner) => runner.GetMethod("Create")!.Invoke(null, null)!;

    /// <summary>Random inputs of a few samples: observations in [-1, 1), masks of 0s and 1s with each branch's first action allowed.</summary>
    internal static (float[][] Inputs, int Samples) Inputs(Type runner, Form form, Random random, int samples = 7)
    {
        var sizes = (int[])runner.GetMethod("InputSizes")!.Invoke(null, null)!;
        float[][] inputs = form.Inputs.Select((name, k) => Enumerable.Range(0, samples * sizes[k]).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        int masks = Array.IndexOf(form.Inputs, "action_masks");
        if (masks >= 0)
        {
            for (int s = 0; s < samples; s++)
            {
                int at = s * sizes[masks];
                foreach (int branch in form.Branches)
                {
                    for (int a = 0; a < branch; a++)
                        inputs[masks][at + a] = a == 0 || random.Next(2) == 1 ? 1 : 0;
                    at += branch;
                }
            }
        }
        return (inputs, samples);
    }

    /// <summary>Every output of the samples, drawn from the same seed each time.</summary>
    internal static object[] Run(Type runner, object model, Form form, float[][] inputs)
    {
        var sizes = (int[])runner.GetMethod("OutputSizes")!.Invoke(null, null)!;
        int samples = inputs[0].Length / ((int[])runner.GetMethod("InputSizes")!.Invoke(null, null)!)[0];
        object[] outputs = form.Outputs.Select((o, k) => o.Integer ? new int[samples * sizes[k]] : (object)new float[samples * sizes[k]]).ToArray();
        runner.GetMethod("Run")!.Invoke(null, [model, inputs, outputs, 12345UL]);
        return outputs;
    }

    /// <summary>The first sample of every input.</summary>
    internal static float[][] FirstSample(Type runner, float[][] inputs)
    {
        var sizes = (int[])runner.GetMethod("InputSizes")!.Invoke(null, null)!;
        return inputs.Select((input, k) => input.AsSpan(0, sizes[k]).ToArray()).ToArray();
    }

    internal static void Load(Type runner, object model, byte[] bytes, string path, int how)
    {
        try
        {
            runner.GetMethod("Load")!.Invoke(null, [model, bytes, path, how]);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
        }
    }

    /// <summary>The bits of an output, so that NaNs compare equal to themselves.</summary>
    internal static int[] Bits(object values) =>
        values is int[] ints ? ints : ((float[])values).Select(BitConverter.SingleToInt32Bits).ToArray();

    private static string Pascal(string name) =>
        string.Concat(System.Text.RegularExpressions.Regex.Split(name, "[^A-Za-z0-9]+").Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p.Substring(1)));

    internal static string Runner(Form form) => $$"""
        namespace Test;

        public static class Runner
        {
            public static object Create() => new Model();

            public static int[] InputSizes() => new[] { {{string.Join(", ", form.Inputs.Select(n => "Model." + Pascal(n) + "Size"))}} };

            public static int[] OutputSizes() => new[] { {{string.Join(", ", form.Outputs.Select(o => "Model." + Pascal(o.Name) + "Size"))}} };

            public static void Run(object model, float[][] i, object[] o, ulong seed) =>
                ((Model)model).Forward({{string.Join(", ", form.Inputs.Select((_, k) => $"i[{k}]")
                    .Concat(form.Outputs.Select((x, k) => $"({(x.Integer ? "int" : "float")}[])o[{k}]"))
                    .Concat(form.Random ? ["new global::DenseGen.SeededRandom(seed)"] : []))}});

            public static void Load(object model, byte[] bytes, string path, int how)
            {
                var m = (Model)model;
                if (how == 0)
                    m.LoadOnnx(bytes);
                else if (how == 1)
                    m.LoadOnnx(path);
                else
                    using (var stream = new System.IO.MemoryStream(bytes))
                        m.LoadOnnx(stream);
            }

            public static object Recipe() =>
                typeof(Model).GetMethod("__denseRecipe", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.Invoke(null, null)!;

            public static void Reset(object model) => ((Model)model).LoadBakedWeights();

            public static void SetLoaded(object model, float[][] arrays) =>
                typeof(Model).GetMethod("__denseSetLoaded", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.Invoke(model, new object[] { arrays });
        }
        """;
}
