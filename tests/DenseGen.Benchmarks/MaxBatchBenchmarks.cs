using BenchmarkDotNet.Attributes;

namespace DenseGen.Benchmarks;

// docs/import.md's network, 784→128(ReLU)→10 of trainable layers, at several MaxBatch values, and declared with none.
[Sequential(MaxBatch = 1)] public sealed partial class ChunkedBy1 { public readonly NetworkHidden Hidden = new(); public readonly NetworkOutput Output = new(); }
[Sequential(MaxBatch = 4)] public sealed partial class ChunkedBy4 { public readonly NetworkHidden Hidden = new(); public readonly NetworkOutput Output = new(); }
[Sequential(MaxBatch = 8)] public sealed partial class ChunkedBy8 { public readonly NetworkHidden Hidden = new(); public readonly NetworkOutput Output = new(); }
[Sequential(MaxBatch = 16)] public sealed partial class ChunkedBy16 { public readonly NetworkHidden Hidden = new(); public readonly NetworkOutput Output = new(); }
[Sequential(MaxBatch = 32)] public sealed partial class ChunkedBy32 { public readonly NetworkHidden Hidden = new(); public readonly NetworkOutput Output = new(); }
[Sequential(MaxBatch = 64)] public sealed partial class ChunkedBy64 { public readonly NetworkHidden Hidden = new(); public readonly NetworkOutput Output = new(); }
[Sequential] public sealed partial class ChunkedByDefault { public readonly NetworkHidden Hidden = new(); public readonly NetworkOutput Output = new(); }

/// <summary>
/// What MaxBatch costs a large Forward: a network's Forward runs MaxBatch samples at a time through its buffers, and the
/// kernels tile several samples over each row of weights, so a small MaxBatch reads the weights more often. 1,024
/// samples, as docs/import.md's example classifies them; the baseline is MaxBatch = 64, and the default must stay
/// within 1.2× of it.
/// </summary>
public class MaxBatchBenchmarks
{
    private const int Samples = 1024;
    private readonly ChunkedBy1 _by1 = new();
    private readonly ChunkedBy4 _by4 = new();
    private readonly ChunkedBy8 _by8 = new();
    private readonly ChunkedBy16 _by16 = new();
    private readonly ChunkedBy32 _by32 = new();
    private readonly ChunkedBy64 _by64 = new();
    private readonly ChunkedByDefault _byDefault = new();
    private readonly float[] _input = new float[Samples * 784];
    private readonly float[] _output = new float[Samples * 10];

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(5);
        for (int i = 0; i < _input.Length; i++)
            _input[i] = (float)random.NextDouble();
        _by1.Initialize(seed: 1);
        _by4.Initialize(seed: 1);
        _by8.Initialize(seed: 1);
        _by16.Initialize(seed: 1);
        _by32.Initialize(seed: 1);
        _by64.Initialize(seed: 1);
        _byDefault.Initialize(seed: 1);
    }

    [Benchmark]
    public void MaxBatch1() => _by1.Forward(_input, _output);

    [Benchmark]
    public void MaxBatch4() => _by4.Forward(_input, _output);

    [Benchmark]
    public void MaxBatch8() => _by8.Forward(_input, _output);

    [Benchmark]
    public void MaxBatch16() => _by16.Forward(_input, _output);

    [Benchmark]
    public void MaxBatch32() => _by32.Forward(_input, _output);

    [Benchmark(Baseline = true)]
    public void MaxBatch64() => _by64.Forward(_input, _output);

    [Benchmark]
    public void MaxBatchDefault() => _byDefault.Forward(_input, _output);
}
