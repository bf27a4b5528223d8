using System;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests;

/// <summary>Forward and Backward allocate nothing on the heap, measured per thread over 1,000 calls.</summary>
public class AllocationTests
{
    private const int Calls = 1000;

    [Fact]
    public void ClassLayerAllocatesNothing() => AssertNoAllocation(new F784x128(), samples: 2);

    [Fact]
    public void SmallClassLayerAllocatesNothing() => AssertNoAllocation(new F3x5(), samples: 7);

    [Fact]
    public void DoubleLayerAllocatesNothing() => AssertNoAllocation(new D64x32(), samples: 3);

    [Fact]
    public void StructLayerCalledDirectlyAllocatesNothing()
    {
        SF17x33 layer = default;
        float[] input = new float[2 * SF17x33.InputSize], output = new float[2 * SF17x33.OutputSize];
        float[] outputGradient = new float[2 * SF17x33.OutputSize], inputGradient = new float[2 * SF17x33.InputSize];
        input.AsSpan().Fill(0.5f);
        outputGradient.AsSpan().Fill(0.25f);
        for (int i = 0; i < 10; i++)
        {
            layer.Forward(input, output);
            layer.Backward(input, outputGradient, inputGradient);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            layer.Forward(input, output);
            layer.Backward(input, outputGradient, inputGradient);
            layer.ZeroGradients();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void AssertNoAllocation<T>(IDenseLayer<T> layer, int samples) where T : unmanaged
    {
        var input = new T[samples * layer.InputSize];
        var output = new T[samples * layer.OutputSize];
        var outputGradient = new T[samples * layer.OutputSize];
        var inputGradient = new T[samples * layer.InputSize];
        for (int i = 0; i < 10; i++)
        {
            layer.Forward(input, output);
            layer.Backward(input, outputGradient, inputGradient);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            layer.Forward(input, output);
            layer.Backward(input, outputGradient, inputGradient);
            layer.Backward(input, outputGradient, Span<T>.Empty);
            layer.ZeroGradients();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
