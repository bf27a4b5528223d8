using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace DenseGen.Benchmarks;

[Dense(In = 784, Out = 128, Activation = Activation.ReLU)] public sealed partial class NetworkHidden;
[Dense(In = 128, Out = 10)] public sealed partial class NetworkOutput;

/// <summary>The MNIST classifier as a generated network.</summary>
[Sequential(MaxBatch = 32)]
public sealed partial class BenchmarkNet
{
    public readonly NetworkHidden Hidden = new();
    public readonly NetworkOutput Output = new();
}

/// <summary>
/// What a [Sequential] network costs over the same two layers called by hand with the caller's buffers (the
/// baseline of each category): the argument checks and the slicing of its buffers. Same weights, same inputs.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class NetworkBenchmarks
{
    private readonly BenchmarkNet _network = new();
    private readonly NetworkHidden _hidden = new();
    private readonly NetworkOutput _output = new();
    private float[] _input = [], _logits = [], _logitGradient = [], _hiddenActivations = [], _hiddenGradient = [];

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network.Initialize(seed: 1);
        _network.Hidden.Weights.CopyTo(_hidden.Weights);
        _network.Hidden.Bias.CopyTo(_hidden.Bias);
        _network.Output.Weights.CopyTo(_output.Weights);
        _network.Output.Bias.CopyTo(_output.Bias);
        var random = new SeededRandom(2);
        _input = new float[Batch * 784];
        for (int i = 0; i < _input.Length; i++)
            _input[i] = (float)random.NextDouble();
        _logits = new float[Batch * 10];
        _logitGradient = new float[Batch * 10];
        for (int i = 0; i < _logitGradient.Length; i++)
            _logitGradient[i] = (float)(random.NextDouble() - 0.5);
        _hiddenActivations = new float[Batch * 128];
        _hiddenGradient = new float[Batch * 128];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Forward")]
    public void LayersByHand_Forward()
    {
        _hidden.Forward(_input, _hiddenActivations);
        _output.Forward(_hiddenActivations, _logits);
    }

    [Benchmark, BenchmarkCategory("Forward")]
    public void Network_Forward() => _network.Forward(_input, _logits);

    [Benchmark(Baseline = true), BenchmarkCategory("ForwardBackward")]
    public void LayersByHand_ForwardBackward()
    {
        _hidden.Forward(_input, _hiddenActivations);
        _output.Forward(_hiddenActivations, _logits);
        _hidden.ZeroGradients();
        _output.ZeroGradients();
        _output.Backward(_hiddenActivations, _logitGradient, _hiddenGradient);
        _hidden.Backward(_input, _hiddenActivations, _hiddenGradient, []);
    }

    [Benchmark, BenchmarkCategory("ForwardBackward")]
    public void Network_ForwardBackward()
    {
        _network.Forward(_input, _logits);
        _network.ZeroGradients();
        _network.Backward(_input, _logitGradient, []);
    }
}
