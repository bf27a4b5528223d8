using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using DenseGen.CompilerServices;
using TorchSharp;

namespace DenseGen.Benchmarks;

/// <summary>
/// One streamed time step of one stream through a guitar-amp model, a recurrent layer and a dense Hidden → 1 head, at
/// RTNeural's benchmark sizes: DenseGen's generated layers (the baseline), the read floor, TorchSharp and ONNX Runtime,
/// all with the same weights (<see cref="RecurrentWeights"/>) and fed the same signal, each carrying its own state from
/// call to call. Before anything is timed, each peer's output and hidden state over the first steps from zero state must
/// match DenseGen's, or the setup throws: a peer with its gates wired wrong differs by tenths, not by rounding.
/// </summary>
/// <remarks>
/// <see cref="Floor_WeightsRead"/> is the least a step can cost: one read of every weight and bias of both layers, with
/// <see cref="Roofline.Read"/> as the other floors here, from a 64-byte aligned copy, from whichever cache level the
/// weights fit in as the benchmark repeats it. <see cref="DenseGen_StepOnly"/> and <see cref="DenseGen_HeadOnly"/> split
/// DenseGen's step into its two layers. Shorter iterations than the project's default (the counts are the job's) keep
/// 84 benchmarks to about six minutes; a step costs at most microseconds, so an iteration still holds thousands of them.
/// </remarks>
[GenericTypeArguments(typeof(LstmIn1Hidden8), typeof(AmpHead8))]
[GenericTypeArguments(typeof(LstmIn1Hidden16), typeof(AmpHead16))]
[GenericTypeArguments(typeof(LstmIn1Hidden40), typeof(AmpHead40))]
[GenericTypeArguments(typeof(LstmIn3Hidden40), typeof(AmpHead40))]
[GenericTypeArguments(typeof(LstmIn1Hidden64), typeof(AmpHead64))]
[GenericTypeArguments(typeof(LstmIn1Hidden80), typeof(AmpHead80))]
[GenericTypeArguments(typeof(GruIn1Hidden8), typeof(AmpHead8))]
[GenericTypeArguments(typeof(GruIn1Hidden16), typeof(AmpHead16))]
[GenericTypeArguments(typeof(GruIn1Hidden40), typeof(AmpHead40))]
[GenericTypeArguments(typeof(GruIn3Hidden40), typeof(AmpHead40))]
[GenericTypeArguments(typeof(GruIn1Hidden64), typeof(AmpHead64))]
[GenericTypeArguments(typeof(GruIn1Hidden80), typeof(AmpHead80))]
[IterationTime(125)]
public class RecurrentStepBenchmarks<TCell, THead> : IDisposable
    where TCell : struct, IRecurrentCell
    where THead : struct, IFrozenDenseLayer<float>
{
    /// <summary>Steps of input signal, cycled through: a power of two.</summary>
    private const int SignalSteps = 1024;

    /// <summary>Steps from zero state over which the peers must match DenseGen.</summary>
    private const int ParitySteps = 16;

    /// <summary>
    /// How far a peer may be from DenseGen, relative to the larger of 1 and the value: float sums of up to 81 products of
    /// values within ±1 differ by a few 1e-6 between summation orders and sigmoid/tanh implementations, and differences
    /// stay that small over the parity steps; a gate block in the wrong place moves the output by 1e-1.
    /// </summary>
    private const float Tolerance = 1e-4f;

    // Each layer in pinned memory from a 64-byte boundary, as a class layer's tensors are: where the weights fall against
    // cache lines moves a short call by 10–20% between allocations.
    private AlignedArray<byte> _cellBlock, _headBlock;
    private AlignedArray<float> _hidden, _y, _floorWeights;
    private float[] _signal = [];
    private int _inputs, _t;
    private TorchRecurrent _torch = null!, _torchCell = null!;
    private OrtRecurrent _ort = null!;

    private ref TCell Cell => ref Unsafe.As<byte, TCell>(ref MemoryMarshal.GetReference(_cellBlock.Span));

    private ref THead Head => ref Unsafe.As<byte, THead>(ref MemoryMarshal.GetReference(_headBlock.Span));

    [GlobalSetup]
    public void Setup()
    {
        _cellBlock = new AlignedArray<byte>(Unsafe.SizeOf<TCell>());
        _headBlock = new AlignedArray<byte>(Unsafe.SizeOf<THead>());
        Cell = default;
        Head = default;
        ref TCell cell = ref Cell;
        ref THead head = ref Head;
        int hidden = cell.HiddenState.Length;
        int gates = cell.WeightHhL0.Length / (hidden * hidden);
        _inputs = cell.WeightIhL0.Length / (gates * hidden);
        if (gates is not (3 or 4) || head.InputSize != hidden || head.OutputSize != 1)
            throw new InvalidOperationException($"{typeof(TCell).Name} with {typeof(THead).Name}: {gates} gates, head {head.InputSize} → {head.OutputSize}, hidden {hidden}.");

        RecurrentWeights weights = RecurrentWeights.Random(gates == 4, _inputs, hidden, seed: (ulong)(1000 * _inputs + hidden));
        weights.WeightIh.CopyTo(cell.WeightIhL0);
        weights.WeightHh.CopyTo(cell.WeightHhL0);
        weights.BiasIh.CopyTo(cell.BiasIhL0);
        weights.BiasHh.CopyTo(cell.BiasHhL0);
        weights.HeadWeight.CopyTo(head.Weights);
        weights.HeadBias.CopyTo(head.Bias);
        _floorWeights = new AlignedArray<float>(weights.Count);
        weights.CopyTo(_floorWeights.Span);

        // An audio-like input: every sample in ±1, so no step repeats the last one's work on the same values.
        var random = new SeededRandom(3);
        _signal = new float[SignalSteps * _inputs];
        for (int i = 0; i < _signal.Length; i++)
            _signal[i] = (float)(2 * random.NextDouble() - 1);
        _hidden = new AlignedArray<float>(hidden);
        _y = new AlignedArray<float>(1);

        _torch = new TorchRecurrent(weights, _signal);
        _torchCell = new TorchRecurrent(weights, _signal, cell: true);
        _ort = new OrtRecurrent(weights);
        CheckParity();
    }

    /// <summary>Every implementation from zero state over the same first steps: the head's output and the hidden state.</summary>
    private void CheckParity()
    {
        _largestDifference.Clear();
        Cell.ResetState();
        for (int t = 0; t < ParitySteps; t++)
        {
            float denseGen = StepDenseGen(t);
            Check("ONNX Runtime", t, denseGen, _ort.Step(Input(t)), _ort.HiddenState);
            foreach ((string peer, TorchRecurrent model) in new[] { ("TorchSharp", _torch), ("TorchSharp's cell", _torchCell) })
            {
                using torch.Tensor y = model.Step(t);
                Check(peer, t, denseGen, y.item<float>(), model.HiddenState);
            }
        }
        _t = ParitySteps;
        foreach ((string peer, float difference) in _largestDifference)
            Console.WriteLine($"// {typeof(TCell).Name}: {peer} within {difference:G3} of DenseGen over {ParitySteps} steps (output and hidden state, relative to max(1, |value|)).");
    }

    private readonly Dictionary<string, float> _largestDifference = [];

    private void Check(string peer, int step, float denseGen, float output, float[] hidden)
    {
        Check(peer, step, "output", denseGen, output);
        ReadOnlySpan<float> h = _hidden.Span;
        for (int j = 0; j < h.Length; j++)
            Check(peer, step, $"h[{j}]", h[j], hidden[j]);
    }

    private void Check(string peer, int step, string what, float denseGen, float other)
    {
        float difference = Math.Abs(denseGen - other) / Math.Max(1, Math.Abs(denseGen));
        _largestDifference[peer] = Math.Max(_largestDifference.GetValueOrDefault(peer), difference);
        if (!(difference <= Tolerance))
            throw new InvalidOperationException($"{typeof(TCell).Name}: {peer} differs from DenseGen at step {step}, {what}: {other} against {denseGen}.");
    }

    private ReadOnlySpan<float> Input(int t) => _signal.AsSpan(t * _inputs, _inputs);

    private int NextStep()
    {
        int t = _t;
        _t = (t + 1) & (SignalSteps - 1);
        return t;
    }

    private float StepDenseGen(int t)
    {
        Span<float> hidden = _hidden.Span, y = _y.Span;
        Cell.Step(Input(t), hidden);
        Head.Forward(hidden, y);
        return y[0];
    }

    /// <summary>The recurrent layer's step, then the head on its output.</summary>
    [Benchmark(Baseline = true)]
    public float DenseGen() => StepDenseGen(NextStep());

    /// <summary>The recurrent layer's step alone.</summary>
    [Benchmark]
    public void DenseGen_StepOnly() => Cell.Step(Input(NextStep()), _hidden.Span);

    /// <summary>The head alone, on the last hidden state.</summary>
    [Benchmark]
    public float DenseGen_HeadOnly()
    {
        Span<float> y = _y.Span;
        Head.Forward(_hidden.Span, y);
        return y[0];
    }

    /// <summary>Every weight and bias of both layers read once.</summary>
    [Benchmark]
    public float Floor_WeightsRead() => Roofline.Read(_floorWeights.Span);

    /// <summary><c>nn.LSTM</c> or <c>nn.GRU</c> on a sequence of one step, then <c>nn.Linear</c>.</summary>
    [Benchmark]
    public void TorchSharp() => _torch.Step(NextStep()).Dispose();

    /// <summary><c>nn.LSTMCell</c> or <c>nn.GRUCell</c>, then <c>nn.Linear</c>.</summary>
    [Benchmark]
    public void TorchSharp_Cell() => _torchCell.Step(NextStep()).Dispose();

    [Benchmark]
    public float OnnxRuntime() => _ort.Step(Input(NextStep()));

    [GlobalCleanup]
    public void Dispose()
    {
        _torch?.Dispose();
        _torchCell?.Dispose();
        _ort?.Dispose();
        GC.SuppressFinalize(this);
    }
}
