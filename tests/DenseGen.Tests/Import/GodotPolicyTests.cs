using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Networks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace DenseGen.Tests.Import;

[Dense(In = 8, Out = 64, Activation = Activation.Tanh)] public partial class FlyByInput8x64Tanh;
[Dense(In = 64, Out = 64, Activation = Activation.Tanh)] public partial class Policy64x64Tanh;
[Dense(In = 64, Out = 2)] public partial class FlyByActions64x2;
[Dense(In = 28, Out = 64, Activation = Activation.Tanh)] public partial class DefendInput28x64Tanh;
[Dense(In = 64, Out = 5)] public partial class DefendActions64x5;

/// <summary>Godot RL Agents' FlyBy policy, as a user declares it: 8 observations, two tanh layers of 64, 2 actions.</summary>
[Sequential(MaxBatch = 64)]
public partial class FlyByPolicy
{
    public readonly FlyByInput8x64Tanh Hidden1 = new();
    public readonly Policy64x64Tanh Hidden2 = new();
    public readonly FlyByActions64x2 Actions = new();
}

/// <summary>Godot RL Agents' DefendTheGoal policy: 28 observations, two tanh layers of 64, 5 action logits.</summary>
[Sequential(MaxBatch = 64)]
public partial class DefendTheGoalPolicy
{
    public readonly DefendInput28x64Tanh Hidden1 = new();
    public readonly Policy64x64Tanh Hidden2 = new();
    public readonly DefendActions64x5 Actions = new();
}

/// <summary>
/// The policies Godot RL Agents exports (from its examples; see shared/external/SOURCES.md) load with <c>LoadOnnx</c>
/// into networks declared with their sizes: their <c>state_ins</c> → Identity → <c>state_outs</c> pass-through is
/// set aside, and FlyBy's one-input Concat passes through. ONNX Runtime runs the file itself, fed both inputs, and
/// DenseGen the loaded network; on random batches of 1 and 64 both lie within the float bound of a double reference
/// of the chain on the file's weights (the bound <see cref="OnnxRuntimeParityTests"/> uses).
/// </summary>
public class GodotPolicyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, int> Policies() => new()
    {
        { "godotrl_FlyBy.onnx", 1 },
        { "godotrl_FlyBy.onnx", 64 },
        { "godotrl_DefendTheGoal.onnx", 1 },
        { "godotrl_DefendTheGoal.onnx", 64 },
    };

    [ExternalModelTheory]
    [MemberData(nameof(Policies))]
    public void AGodotPolicyLoadsAndMatchesOnnxRuntime(string file, int batch)
    {
        string path = ExternalModels.Path(file);
        (ITrainableModule<float> network, ChainReference.LayerValues[] layers) = Load(file, path);
        int inputs = layers[0].In, outputs = layers[^1].Out;
        var random = new Random(batch * 17 + file.Length);
        float[] x = LayerChecks.RandomValues<float>(random, batch * inputs);
        var y = new float[batch * outputs];
        network.Forward(x, y);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        Assert.Equal(["obs", "state_ins"], session.InputMetadata.Keys.Order());
        var state = new float[batch];
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("obs", new DenseTensor<float>(x, [batch, inputs])),
            NamedOnnxValue.CreateFromTensor("state_ins", new DenseTensor<float>(state, [batch])),
        ]);
        float[] reference = results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();

        ChainReference.Chain chain = ChainReference.Compute(ErrorBound.FloatRoundoff, LayerChecks.Wide(x), new double[batch * outputs], layers);
        ChainReference.AssertWithin(LayerChecks.Wide(reference), chain.Output, chain.OutputError, "ONNX Runtime output");
        ChainReference.AssertWithin(LayerChecks.Wide(y), chain.Output, chain.OutputError, "DenseGen output");
        output.WriteLine($"{file}, batch {batch}: " + ChainReference.Parity(LayerChecks.Wide(y), LayerChecks.Wide(reference), chain.Output, chain.OutputError));
    }

    /// <summary>A network of other sizes refuses the policy, naming the node, and keeps its parameters.</summary>
    [ExternalModelFact]
    public void APolicyOfOtherSizesIsRefusedNamingTheNode()
    {
        var network = new FlyByPolicy();
        float[][] before = Parameters(network);
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => network.LoadOnnx(ExternalModels.Path("godotrl_DefendTheGoal.onnx")));
        Assert.Equal(
            "godotrl_DefendTheGoal.onnx: node '/mlp_extractor/policy_net/policy_net.0/Gemm' (Gemm) is a 28→64 layer; the network's layer 0 ('hidden1') is 8→64.",
            exception.Message);
        Assert.Equal(before, Parameters(network));
    }

    private static (ITrainableModule<float> Network, ChainReference.LayerValues[] Layers) Load(string file, string path)
    {
        if (file.Contains("FlyBy", StringComparison.Ordinal))
        {
            var flyBy = new FlyByPolicy();
            flyBy.LoadOnnx(path);
            return (flyBy, [ChainReference.Layer(flyBy.Hidden1), ChainReference.Layer(flyBy.Hidden2), ChainReference.Layer(flyBy.Actions)]);
        }
        var defend = new DefendTheGoalPolicy();
        defend.LoadOnnx(path);
        return (defend, [ChainReference.Layer(defend.Hidden1), ChainReference.Layer(defend.Hidden2), ChainReference.Layer(defend.Actions)]);
    }

    private static float[][] Parameters(ITrainable<float> network) =>
        Enumerable.Range(0, network.ParameterTensorCount).Select(i => network.ParameterTensor(i).ToArray()).ToArray();
}
