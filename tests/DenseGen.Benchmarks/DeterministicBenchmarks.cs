using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace DenseGen.Benchmarks;

/// <summary>
/// What deterministic mode costs: the 784→128 layer with the default kernels (the baseline of each category) and with
/// the deterministic ones, from the same weights and inputs, in one process. "ForwardBackward" is one Forward and one
/// accumulating Backward.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class DeterministicBenchmarks
{
    private Layer784x128 _default;
    private Layer784x128Deterministic _deterministic;
    private float[] _input = [], _output = [], _outputGradient = [], _inputGradient = [];

    [Params(1, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        float bound = 1 / MathF.Sqrt(784);
        for (int i = 0; i < 784 * 128; i++)
            _default.Weights[i] = _deterministic.Weights[i] = (float)(random.NextDouble() * 2 - 1) * bound;
        for (int o = 0; o < 128; o++)
            _default.Bias[o] = _deterministic.Bias[o] = (float)(random.NextDouble() * 2 - 1) * bound;
        _input = new float[Batch * 784];
        _outputGradient = new float[Batch * 128];
        for (int i = 0; i < _input.Length; i++) _input[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _outputGradient.Length; i++) _outputGradient[i] = (float)(random.NextDouble() * 2 - 1);
        _output = new float[Batch * 128];
        _inputGradient = new float[Batch * 784];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Forward")]
    public void Default_Forward() => _default.Forward(_input, _output);

    [Benchmark, BenchmarkCategory("Forward")]
    public void Deterministic_Forward() => _deterministic.Forward(_input, _output);

    [Benchmark(Baseline = true), BenchmarkCategory("ForwardBackward")]
    public void Default_ForwardBackward()
    {
        _default.Forward(_input, _output);
        _default.Backward(_input, _outputGradient, _inputGradient);
    }

    [Benchmark, BenchmarkCategory("ForwardBackward")]
    public void Deterministic_ForwardBackward()
    {
        _deterministic.Forward(_input, _output);
        _deterministic.Backward(_input, _outputGradient, _inputGradient);
    }
}
