using System;
using BenchmarkDotNet.Attributes;

namespace DenseGen.Benchmarks;

/// <summary>
/// Batched training through time at the size: an LSTM of In = 64, Hidden = 64 on 32 streams × 64 steps,
/// Forward then Backward (every weight's gradient, the input's skipped), against the core's fused multiply-add peak in
/// the same run. The work counted is the issue's, 3 × 2·4·H·(In + H) flops per stream-step (the gate products forward,
/// and the two products of the backward pass), so flops per second ÷ the peak's is the fraction of peak.
/// </summary>
[IterationTime(250)]
public class RecurrentTrainingBenchmarks
{
    private const int Streams = TrainingLstm.MaxBatch, Steps = TrainingLstm.MaxSteps;

    /// <summary>The counted work of one Forward + Backward.</summary>
    public const long Flops = 3L * 2 * 4 * TrainingLstm.HiddenSize * (TrainingLstm.InputSize + TrainingLstm.HiddenSize) * Streams * Steps;

    private readonly TrainingLstm _lstm = new();
    private float[] _input = [], _output = [], _outputGradient = [];

    [GlobalSetup]
    public void Setup()
    {
        Initializer.Initialize(_lstm, Initialization.PyTorchDefault, seed: 1);
        var random = new Random(2);
        _input = new float[Streams * Steps * TrainingLstm.InputSize];
        _output = new float[Streams * Steps * TrainingLstm.HiddenSize];
        _outputGradient = new float[_output.Length];
        for (int i = 0; i < _input.Length; i++)
            _input[i] = (float)(2 * random.NextDouble() - 1);
        for (int i = 0; i < _outputGradient.Length; i++)
            _outputGradient[i] = (float)(2 * random.NextDouble() - 1) * 1e-3f;
    }

    /// <summary>One batch: the layer from its streams' initial state, forward through 64 steps and back.</summary>
    [Benchmark(Baseline = true)]
    public float LstmForwardBackward()
    {
        _lstm.ResetState();
        _lstm.Forward(_input, _output, Steps);
        _lstm.Backward(_input, _outputGradient, default);
        return _output[0];
    }

    /// <summary>Forward alone, to split the batch's time.</summary>
    [Benchmark]
    public float LstmForward()
    {
        _lstm.ResetState();
        _lstm.Forward(_input, _output, Steps);
        return _output[0];
    }

    /// <summary>The fused multiply-add peak: <see cref="Roofline.FmaPeak12Flops"/> flops per call.</summary>
    [Benchmark]
    public float FmaPeak() => Roofline.FmaPeak12(0.5f, 1f);
}

[Lstm(In = 64, Hidden = 64, MaxBatch = 32, MaxSteps = 64)]
public sealed partial class TrainingLstm;
