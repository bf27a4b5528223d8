using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using DenseGen.CompilerServices;

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
/// What a [Sequential] network costs over its own two layers called by hand with the caller's buffers (the baseline of
/// each category): the argument checks and the slicing of its buffers. The same layer objects on both sides, and the
/// caller's buffers start on a cache line as the network's do: where weights and activations fall against 64-byte lines
/// moves a one-sample call by 10–20% from one allocation to the next, which would swamp what is measured here.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class NetworkBenchmarks
{
    private readonly BenchmarkNet _network = new();
    private float[] _input = [], _logits = [], _logitGradient = [];
    private AlignedArray<float> _hiddenActivations, _hiddenGradient;

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network.Initialize(seed: 1);
        var random = new SeededRandom(2);
        _input = new float[Batch * 784];
        for (int i = 0; i < _input.Length; i++)
            _input[i] = (float)random.NextDouble();
        _logits = new float[Batch * 10];
        _logitGradient = new float[Batch * 10];
        for (int i = 0; i < _logitGradient.Length; i++)
            _logitGradient[i] = (float)(random.NextDouble() - 0.5);
        _hiddenActivations = new AlignedArray<float>(Batch * 128);
        _hiddenGradient = new AlignedArray<float>(Batch * 128);
    }

    // The caller's hidden buffers, from a cache line as the network's own.
    private Span<float> HiddenActivations => _hiddenActivations.Span;

    private Span<float> HiddenGradient => _hiddenGradient.Span;

    [Benchmark(Baseline = true), BenchmarkCategory("Forward")]
    public void LayersByHand_Forward()
    {
        Span<float> hidden = HiddenActivations;
        _network.Hidden.Forward(_input, hidden);
        _network.Output.Forward(hidden, _logits);
    }

    [Benchmark, BenchmarkCategory("Forward")]
    public void Network_Forward() => _network.Forward(_input, _logits);

    [Benchmark(Baseline = true), BenchmarkCategory("ForwardBackward")]
    public void LayersByHand_ForwardBackward()
    {
        Span<float> hidden = HiddenActivations;
        _network.Hidden.Forward(_input, hidden);
        _network.Output.Forward(hidden, _logits);
        _network.Hidden.ZeroGradients();
        _network.Output.ZeroGradients();
        Span<float> hiddenGradient = HiddenGradient;
        _network.Output.Backward(hidden, _logitGradient, hiddenGradient);
        _network.Hidden.Backward(_input, hidden, hiddenGradient, []);
    }

    [Benchmark, BenchmarkCategory("ForwardBackward")]
    public void Network_ForwardBackward()
    {
        _network.Forward(_input, _logits);
        _network.ZeroGradients();
        _network.Backward(_input, _logitGradient, []);
    }
}
