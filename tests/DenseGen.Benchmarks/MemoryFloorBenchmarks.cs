using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace DenseGen.Benchmarks;

/// <summary>
/// The floor under a single-sample 784→128 forward pass: just reading its 392 KiB of weights once, with
/// nothing else to do, as fast as the widest vectors allow (four independent sums, no dependence on any
/// input). Whatever a forward pass adds on top of this is the kernel's own cost.
/// </summary>
public class MemoryFloorBenchmarks
{
    private readonly float[] _weights = new float[784 * 128];

    [GlobalSetup]
    public void Setup() => new Random(1).NextBytes(MemoryMarshal.AsBytes(_weights.AsSpan()));

    [Benchmark]
    public float ReadWeightsOnce()
    {
        ref float start = ref MemoryMarshal.GetArrayDataReference(_weights);
        Vector512<float> a = default, b = default, c = default, d = default;
        for (nuint i = 0; i < (nuint)_weights.Length; i += 64)
        {
            a += Vector512.LoadUnsafe(ref start, i);
            b += Vector512.LoadUnsafe(ref start, i + 16);
            c += Vector512.LoadUnsafe(ref start, i + 32);
            d += Vector512.LoadUnsafe(ref start, i + 48);
        }
        return Vector512.Sum(a + b + c + d);
    }
}
