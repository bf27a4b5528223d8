using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using DenseGen.CompilerServices;

namespace DenseGen.Benchmarks;

/// <summary>
/// The kernels against the machine's limits and the peers, in one process and one summary, so every ratio compares
/// figures from the same run: the fused multiply-add peak and the L2 read floors (<see cref="Roofline"/>), the
/// 784→128 layer, the 784→128(ReLU)→10 MLP against ONNX Runtime, 16→16 against TensorPrimitives, and an MNIST
/// training epoch against TorchSharp. <see cref="LimitColumns"/> turns each median into GFLOP/s and a share of the
/// peak, or a multiple of its memory floor; <see cref="TargetTable"/> prints the targets.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LimitBenchmarks
{
    private const int In = 784, Out = 128;

    // The 784→128 layer lives in pinned memory from a 64-byte boundary: where its weights fall against cache lines
    // moves a one-sample call by 10–20% between allocations, which would blur the ratio to the floor.
    private AlignedArray<byte> _layerBlock;
    // The floors' copy of the weights and a gradient of the same size, in one block: the gradient starts 2 KiB past a
    // 4 KiB multiple from the weights. Two arrays allocated apart land at any distance, and when that distance is a
    // multiple of 4 KiB each load of W waits on the store to G whose address matches it in the low 12 bits (4K
    // aliasing); the read-while-updating floor then varied from 7.8 to 12.3 µs between runs.
    private AlignedArray<float> _floorBlock;
    private const int FloorGradientStart = In * Out + 512;

    private Span<float> FloorWeights => _floorBlock.Span.Slice(0, In * Out);

    private Span<float> FloorGradient => _floorBlock.Span.Slice(FloorGradientStart, In * Out);
    private AlignedArray<float> _x1, _y1, _dy1, _dx1;
    private AlignedArray<float> _x64, _y64, _dy64, _dx64;

    private readonly OrtComparisonMlp _mlp = new();
    private readonly Dictionary<int, (float[] Input, float[] Output, OrtMlp Ort)> _mlpRuns = [];

    private LayerBenchmarks<Layer16x16> _small = null!;
    private TrainingEpochBenchmarks _epoch = null!;

    /// <summary>What each row computes: floating-point operations, or which memory floor bounds it.</summary>
    public static readonly IReadOnlyDictionary<string, RowWork> Work = new Dictionary<string, RowWork>
    {
        [nameof(Peak_Fma12)] = new(Roofline.FmaPeak12Flops, Floor.None, IsPeak: true),
        [nameof(Peak_Fma24)] = new(Roofline.FmaPeak24Flops, Floor.None, IsPeak: true),
        [nameof(Floor_Read)] = new(0, Floor.None),
        [nameof(Floor_ReadWhileUpdating)] = new(0, Floor.None),
        [nameof(Layer784x128_Forward_Batch1)] = new(Flops(1, 1), Floor.Read),
        [nameof(Layer784x128_ForwardBackward_Batch1)] = new(Flops(1, 3), Floor.ReadThenReadWhileUpdating),
        [nameof(Layer784x128_Forward_Batch64)] = new(Flops(64, 1), Floor.None),
        [nameof(Layer784x128_ForwardBackward_Batch64)] = new(Flops(64, 3), Floor.None),
        [nameof(Mlp_DenseGen_Batch1)] = new(MlpFlops(1), Floor.None),
        [nameof(Mlp_OnnxRuntime_Batch1)] = new(MlpFlops(1), Floor.None),
        [nameof(Mlp_DenseGen_Batch64)] = new(MlpFlops(64), Floor.None),
        [nameof(Mlp_OnnxRuntime_Batch64)] = new(MlpFlops(64), Floor.None),
        [nameof(Mlp_DenseGen_Batch1024)] = new(MlpFlops(1024), Floor.None),
        [nameof(Mlp_OnnxRuntime_Batch1024)] = new(MlpFlops(1024), Floor.None),
        // An epoch: 8,004 samples through both layers forward, both weight gradients, and the output layer's input
        // gradient (the network skips the first layer's, which nothing needs).
        [nameof(Epoch_DenseGen)] = new(8004L * 2 * (2L * In * Out + 3L * Out * 10), Floor.None),
        [nameof(Epoch_TorchSharp)] = new(8004L * 2 * (2L * In * Out + 3L * Out * 10), Floor.None),
    };

    private static long Flops(int batch, int products) => 2L * In * Out * batch * products;

    private static long MlpFlops(int batch) => 2L * batch * (In * Out + Out * 10);

    private ref Layer784x128 Layer => ref Unsafe.As<byte, Layer784x128>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(_layerBlock.Span));

    [GlobalSetup]
    public void Setup()
    {
        _layerBlock = new AlignedArray<byte>(Unsafe.SizeOf<Layer784x128>());
        Layer = default;
        var random = new SeededRandom(7);
        Fill(random, Layer.Weights, 1 / MathF.Sqrt(In));
        Fill(random, Layer.Bias, 1 / MathF.Sqrt(In));
        (_x1, _y1, _dy1, _dx1) = Buffers(random, 1);
        (_x64, _y64, _dy64, _dx64) = Buffers(random, 64);
        _floorBlock = new AlignedArray<float>(FloorGradientStart + In * Out);
        Layer.Weights.CopyTo(FloorWeights);

        MlpWeights.Fill(_mlp);
        foreach (int batch in new[] { 1, 64, 1024 })
        {
            var ort = new OrtMlp(batch);
            for (int i = 0; i < ort.Input.Length; i++)
                ort.Input[i] = (float)random.NextDouble();
            float[] output = new float[batch * 10];
            _mlp.Forward(ort.Input, output);
            ort.Run();
            MlpReference.Check(_mlp, ort.Input, output, "DenseGen");
            MlpReference.Check(_mlp, ort.Input, ort.Output, "ONNX Runtime");
            _mlpRuns[batch] = (ort.Input, output, ort);
        }

        _small = new LayerBenchmarks<Layer16x16> { Batch = 1 };
        _small.Setup();
        _epoch = new TrainingEpochBenchmarks();
        _epoch.Setup();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var run in _mlpRuns.Values)
            run.Ort.Dispose();
        _small.Cleanup();
        _epoch.Cleanup();
    }

    // ---- The machine ----

    [Benchmark, BenchmarkCategory("1 limits")]
    public float Peak_Fma12() => Roofline.FmaPeak12(0.999f, 0.001f);

    [Benchmark, BenchmarkCategory("1 limits")]
    public float Peak_Fma24() => Roofline.FmaPeak24(0.999f, 0.001f);

    /// <summary>Reads the 784×128 weights once (the layer's own, in place).</summary>
    [Benchmark, BenchmarkCategory("1 limits")]
    public float Floor_Read() => Roofline.Read(FloorWeights);

    /// <summary>Reads the 784×128 weights while read-modify-writing a gradient of the same size.</summary>
    [Benchmark, BenchmarkCategory("1 limits")]
    public void Floor_ReadWhileUpdating() =>
        Roofline.ReadWhileUpdating(FloorWeights, FloorGradient, 1e-30f);

    // ---- One layer ----

    [Benchmark, BenchmarkCategory("2 layer 784→128")]
    public void Layer784x128_Forward_Batch1() => Layer.Forward(_x1.Span, _y1.Span);

    [Benchmark, BenchmarkCategory("2 layer 784→128")]
    public void Layer784x128_ForwardBackward_Batch1()
    {
        ref Layer784x128 layer = ref Layer;
        layer.Forward(_x1.Span, _y1.Span);
        layer.Backward(_x1.Span, _dy1.Span, _dx1.Span);
    }

    [Benchmark, BenchmarkCategory("2 layer 784→128")]
    public void Layer784x128_Forward_Batch64() => Layer.Forward(_x64.Span, _y64.Span);

    [Benchmark, BenchmarkCategory("2 layer 784→128")]
    public void Layer784x128_ForwardBackward_Batch64()
    {
        ref Layer784x128 layer = ref Layer;
        layer.Forward(_x64.Span, _y64.Span);
        layer.Backward(_x64.Span, _dy64.Span, _dx64.Span);
    }

    // ---- The MLP against ONNX Runtime ----

    [Benchmark, BenchmarkCategory("3 MLP batch 1")]
    public void Mlp_DenseGen_Batch1() => RunDenseGen(1);

    [Benchmark, BenchmarkCategory("3 MLP batch 1")]
    public void Mlp_OnnxRuntime_Batch1() => _mlpRuns[1].Ort.Run();

    [Benchmark, BenchmarkCategory("4 MLP batch 64")]
    public void Mlp_DenseGen_Batch64() => RunDenseGen(64);

    [Benchmark, BenchmarkCategory("4 MLP batch 64")]
    public void Mlp_OnnxRuntime_Batch64() => _mlpRuns[64].Ort.Run();

    [Benchmark, BenchmarkCategory("5 MLP batch 1024")]
    public void Mlp_DenseGen_Batch1024() => RunDenseGen(1024);

    [Benchmark, BenchmarkCategory("5 MLP batch 1024")]
    public void Mlp_OnnxRuntime_Batch1024() => _mlpRuns[1024].Ort.Run();

    private void RunDenseGen(int batch)
    {
        var run = _mlpRuns[batch];
        _mlp.Forward(run.Input, run.Output);
    }

    // ---- A small layer against TensorPrimitives ----

    [Benchmark, BenchmarkCategory("6 layer 16→16 batch 1")]
    public void Layer16x16_Forward_DenseGen() => _small.DenseGen_Forward();

    [Benchmark, BenchmarkCategory("6 layer 16→16 batch 1")]
    public void Layer16x16_Forward_TensorPrimitives() => _small.TensorPrimitives_Forward();

    [Benchmark, BenchmarkCategory("6 layer 16→16 batch 1")]
    public void Layer16x16_ForwardBackward_DenseGen() => _small.DenseGen_ForwardBackward();

    [Benchmark, BenchmarkCategory("6 layer 16→16 batch 1")]
    public void Layer16x16_ForwardBackward_TensorPrimitives() => _small.TensorPrimitives_ForwardBackward();

    // ---- Training ----

    [Benchmark, BenchmarkCategory("7 MNIST epoch")]
    public double Epoch_DenseGen() => _epoch.DenseGen_Epoch();

    [Benchmark, BenchmarkCategory("7 MNIST epoch")]
    public void Epoch_TorchSharp() => _epoch.TorchSharp_Epoch();

    private static (AlignedArray<float> X, AlignedArray<float> Y, AlignedArray<float> Dy, AlignedArray<float> Dx) Buffers(SeededRandom random, int batch)
    {
        AlignedArray<float> x = new(batch * In), dy = new(batch * Out);
        Fill(random, x.Span, 1);
        Fill(random, dy.Span, 1);
        return (x, new AlignedArray<float>(batch * Out), dy, new AlignedArray<float>(batch * In));
    }

    private static void Fill(SeededRandom random, Span<float> values, float bound)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)((2 * random.NextDouble() - 1) * bound);
    }
}

/// <summary>Which memory floor bounds a one-sample row.</summary>
public enum Floor
{
    None,
    /// <summary>One read of the weights (<see cref="LimitBenchmarks.Floor_Read"/>).</summary>
    Read,
    /// <summary>One read of the weights, then one read while updating a gradient: a forward and a fused backward.</summary>
    ReadThenReadWhileUpdating,
}

/// <summary>A row's work: its floating-point operations, and the memory floor it is held to, if any.</summary>
public readonly record struct RowWork(long Flops, Floor Floor, bool IsPeak = false);
