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
/// ML-Agents' memory policy (shared/external/mlagents_Hallway.onnx: two Swish layers, an LSTM of 64 whose state comes in
/// as <c>recurrent_in</c>, sliced into h and c, and goes out as <c>recurrent_out</c>) compiled by <c>[OnnxModel]</c>:
/// over 100 decisions, each call's <c>recurrent_out</c> fed back as the next call's <c>recurrent_in</c> (DenseGen's, fed
/// to all three), DenseGen's and ONNX Runtime's <c>recurrent_out</c> both within the float bound of the double reference
/// (<see cref="OnnxReference"/>, its LSTM step bound) at batch 1 and 64 (64 is four chunks of the default MaxBatch); and
/// the frequencies of <c>discrete_actions</c> over 100,000 draws within 4 standard errors of the reference's masked
/// softmax, as <see cref="SampledOutputTests"/> checks ML-Agents' Basic.
/// </summary>
public class RecurrentModelTests(ITestOutputHelper output)
{
    private const string File = "mlagents_Hallway.onnx";

    private const int Decisions = 100, Memory = 128;

    [ExternalModelTheory]
    [InlineData(1)]
    [InlineData(64)]
    public void MemoryCarriedOverDecisionsMatchesOnnxRuntime(int batch)
    {
        string path = ExternalModels.Path(File);
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        const string runner = """
            namespace Test;

            public static class Runner
            {
                public static void Run(object model, float[][] i, float[] o) => ((Model)model).Forward(i[0], i[1], i[2], o);

                public static object Create() => new Model();
            }
            """;
        Assembly assembly = ModelHarness.CompileAndLoad(bytes, ModelHarness.Declaration(", Outputs = new[] { \"recurrent_out\" }"), runner);
        Type type = assembly.GetType("Test.Runner")!;
        object model = type.GetMethod("Create")!.Invoke(null, null)!;

        var random = new Random(2026 + batch);
        float[] memory = new float[batch * Memory];
        float[] mask = Enumerable.Repeat(1f, batch * 5).ToArray();
        double worst = 0, widest = 0, largest = 0, worstUnit = 0, widestUnit = 0;
        for (int decision = 0; decision < Decisions; decision++)
        {
            float[] obs0 = LayerChecks.RandomValues<float>(random, batch * 105), obs1 = LayerChecks.RandomValues<float>(random, batch * 3);
            var ours = new float[batch * Memory];
            type.GetMethod("Run")!.Invoke(null, [model, new[] { obs0, obs1, memory }, ours]);

            var inputs = new Dictionary<string, float[]> { ["obs_0"] = obs0, ["obs_1"] = obs1, ["action_masks"] = mask, ["recurrent_in"] = memory };
            List<NamedOnnxValue> ortInputs =
            [
                NamedOnnxValue.CreateFromTensor("obs_0", new DenseTensor<float>(obs0, [batch, 105])),
                NamedOnnxValue.CreateFromTensor("obs_1", new DenseTensor<float>(obs1, [batch, 3])),
                NamedOnnxValue.CreateFromTensor("action_masks", new DenseTensor<float>(mask, [batch, 5])),
                NamedOnnxValue.CreateFromTensor("recurrent_in", new DenseTensor<float>(memory, [batch, 1, Memory])),
            ];
            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> ort = session.Run(ortInputs, ["recurrent_out"]);
            double[] theirs = LayerChecks.Wide(ort.Single().AsEnumerable<float>().ToArray());
            OnnxReference.Tensor exact = new OnnxReference(bytes, inputs, batch)["recurrent_out"];
            OnnxReference.AssertBothWithin(LayerChecks.Wide(ours), theirs, exact, $"recurrent_out at decision {decision}");
            worst = Math.Max(worst, ours.Select((v, j) => Math.Abs(v - theirs[j])).Max());
            widest = Math.Max(widest, exact.Errors.Max());
            largest = Math.Max(largest, exact.Values.Max(Math.Abs));
            // The hidden half and small cell values (|v| ≤ 1), whose bound AssertBothWithin caps at 1e-5.
            for (int j = 0; j < ours.Length; j++)
            {
                if (Math.Abs(exact.Values[j]) > 1)
                    continue;
                worstUnit = Math.Max(worstUnit, Math.Abs(ours[j] - theirs[j]));
                widestUnit = Math.Max(widestUnit, exact.Errors[j]);
            }
            memory = ours;
        }
        Assert.Contains(memory, v => Math.Abs(v) > 0.01f); // the memory is used, not stuck at zero
        output.WriteLine($"{File}, batch {batch}, {Decisions} decisions: max |DenseGen − ONNX Runtime| of recurrent_out {worst:E2} (values up to {largest:F1}; the derived bound at most {widest:E2}); "
            + $"where |value| ≤ 1, {worstUnit:E2} (bound at most {Math.Min(widestUnit, 1e-5):E2})");
    }

    /// <summary>
    /// The one-step PyTorch fixtures (1 and 5 streams; LSTM of 2 layers, GRU of 1) as ML-Agents-form graphs, each stream a
    /// sample whose state comes in through the graph's inputs: the output and every layer's final state (the LSTM's
    /// cell state too) within (u + 2⁻⁵³)·β of PyTorch's float64 results, β from <see cref="Recurrent.RecurrentErrorBound"/>
    /// as the layers' own fixture tests take it. MaxBatch 2 makes 5 streams three chunks.
    /// </summary>
    [Theory]
    [InlineData("gru_in2_h64_l1_s5_t1")]
    [InlineData("gru_in1_h8_l1_s1_t1")]
    [InlineData("lstm_in3_h40_l2_s5_t1")]
    public void OneStepOfThePyTorchFixturesMatchesPyTorch(string name)
    {
        var fixture = Recurrent.RecurrentFixture.Read(name);
        byte[] file = Import.RecurrentOnnx.BuildStep(fixture);
        int hidden = fixture.Reference.HiddenSize, layers = fixture.Reference.Layers, streams = fixture.Streams;
        string[] states = fixture.Lstm ? ["h", "c"] : ["h"];
        int inputs = 1 + layers * states.Length, outputs = inputs;
        string call = $"m.Forward({string.Join(", ", Enumerable.Range(0, inputs).Select(i => $"i[{i}]").Concat(Enumerable.Range(0, outputs).Select(o => $"(float[])o[{o}]")))})";

        // PyTorch's states are [layers, streams, H]: stream s of layer k is sample s of input h{k}.
        float[] h0 = fixture.Get<float>("h0"), c0 = fixture.Lstm ? fixture.Get<float>("c0") : [];
        float[] Layer(float[] state, int k) => state.Skip(k * streams * hidden).Take(streams * hidden).ToArray();
        var given = new List<float[]> { fixture.Get<float>("x") };
        for (int k = 0; k < layers; k++)
            given.AddRange(states.Select(state => Layer(state == "h" ? h0 : c0, k)));
        object[] results = [.. Enumerable.Range(0, outputs).Select(_ => new float[streams * hidden])];
        SampledOutputTests.Invoke(file, ", MaxBatch = 2", call, [.. given], results, 0);

        Recurrent.RecurrentErrorBound bound = fixture.Bound();
        double allowed = ErrorBound.FloatRoundoff + ErrorBound.DoubleRoundoff;
        double Check(string tensor, float[] actual, double[] expected, double[] coefficient) =>
            Recurrent.RecurrentFixture.AssertWithin(expected, LayerChecks.Wide(actual), coefficient, allowed, tensor, [streams, hidden], "[OnnxModel]", "PyTorch float64");
        double worst = Check("output", (float[])results[0], fixture.Get("f64.output"), bound.Output);
        int o = 1;
        for (int k = 0; k < layers; k++)
        {
            double[] Slice(double[] all) => all.Skip(k * streams * hidden).Take(streams * hidden).ToArray();
            worst = Math.Max(worst, Check($"h_n[{k}]", (float[])results[o++], Slice(fixture.Get("f64.h_n")), Slice(bound.HN)));
            if (fixture.Lstm)
                worst = Math.Max(worst, Check($"c_n[{k}]", (float[])results[o++], Slice(fixture.Get("f64.c_n")), Slice(bound.CN!)));
        }
        output.WriteLine($"{name} under [OnnxModel]: largest |DenseGen − PyTorch float64| is {worst:P2} of its bound");
    }

    [ExternalModelFact]
    public void DiscreteActionsFollowTheMaskedSoftmaxOfTheExport()
    {
        byte[] file = System.IO.File.ReadAllBytes(ExternalModels.Path(File));
        var random = new Random(17);
        float[] obs0 = LayerChecks.RandomValues<float>(random, 105), obs1 = LayerChecks.RandomValues<float>(random, 3);
        float[] memory = LayerChecks.RandomValues<float>(random, Memory).Select(v => v / 2).ToArray();
        float[] mask = [1f, 0f, 1f, 1f, 1f];
        int draws = SampledOutputTests.Draws;
        const string call = "m.Forward(i[0], i[1], i[2], i[3], (int[])o[0], (float[])o[1], new global::DenseGen.SeededRandom(seed))";
        var actions = new int[draws];
        SampledOutputTests.Invoke(file, "", call,
            [SampledOutputTests.Repeat(obs0, draws), SampledOutputTests.Repeat(obs1, draws), SampledOutputTests.Repeat(mask, draws), SampledOutputTests.Repeat(memory, draws)],
            [actions, new float[draws * Memory]], 9);

        var reference = new OnnxReference(file, new Dictionary<string, float[]> { ["obs_0"] = obs0, ["obs_1"] = obs1, ["action_masks"] = mask, ["recurrent_in"] = memory }, 1);
        double[] p = reference["73"].Values; // the Softmax of the masked logits, which Log and Multinomial draw from
        for (int c = 0; c < 5; c++)
        {
            double frequency = actions.Count(a => a == c) / (double)draws, error = Math.Sqrt(p[c] * (1 - p[c]) / draws);
            output.WriteLine($"action {c}: frequency {frequency:F5}, probability {p[c]:F5} ± {error:E1}");
            Assert.True(Math.Abs(frequency - p[c]) <= 4 * error, $"action {c}: frequency {frequency} is more than 4 standard errors from {p[c]}");
            if (mask[c] == 0)
                Assert.Equal(0, frequency);
        }
    }
}
