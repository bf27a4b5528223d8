using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace DenseGen.Benchmarks;

/// <summary>
/// The floor under a single-sample 784→128 forward pass: just reading its 392 KiB of weights once, with
/// nothing else to do, as fast as the widest vectors allow (four independent sums, no dependence on any
/// input). Whatever a forward pass adds on top of this is the kernel's own cost. Read from a 64-byte aligned
/// start and from one 8 bytes off (as a layer's storage may be), since a misaligned Vector512 load spans
/// two cache lines.
/// </summary>
public class MemoryFloorBenchmarks
{
    private const int Count = 784 * 128;
    private float[] _buffer = [];
    private int _start;

    /// <summary>Bytes from a 64-byte boundary to the first weight.</summary>
    [Params(0, 8)]
    public int OffsetBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Pinned, so the address (and its alignment) stays put while the benchmark runs.
        _buffer = GC.AllocateArray<float>(Count + 32, pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0).ToInt64();
        int toBoundary = (int)((64 - address % 64) % 64);
        _start = (toBoundary + OffsetBytes) / sizeof(float);
        var random = new Random(1);
        for (int i = 0; i < Count; i++)
            _buffer[_start + i] = random.NextSingle();
    }

    [Benchmark]
    public float ReadWeightsOnce()
    {
        ref float start = ref _buffer[_start];
        Vector512<float> a = default, b = default, c = default, d = default;
        for (nuint i = 0; i < Count; i += 64)
        {
            a += Vector512.LoadUnsafe(ref start, i);
            b += Vector512.LoadUnsafe(ref start, i + 16);
            c += Vector512.LoadUnsafe(ref start, i + 32);
            d += Vector512.LoadUnsafe(ref start, i + 48);
        }
        return Vector512.Sum(a + b + c + d);
    }
}
