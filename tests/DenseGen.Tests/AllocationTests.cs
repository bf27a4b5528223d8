using System;
using System.Runtime.CompilerServices;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests;

/// <summary>Forward and Backward allocate nothing on the heap, measured per thread over 1,000 calls.</summary>
/// <remarks>
/// The measured loops are compiled fully optimized at once, and every call they make is warmed up first, so that
/// first calls and on-stack replacement fall outside the measurement: the runtime may allocate on the calling thread
/// for those, and that is not the layer's doing. A promotion to optimized code is timed by the runtime, so it is
/// left to <see cref="RequireAWindowWithoutAllocation"/>.
/// </remarks>
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
    public void LayerAlongTheOutputsAllocatesNothing()
    {
        // 130 samples take the forward kernel along the outputs (from 8, or 128 for rows of whole vectors), whose copy
        // of Wᵀ is on the stack.
        AssertNoAllocation(new F10x64(), samples: 130);
        AssertNoAllocation(new F16x32(), samples: 130);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void DeterministicLayersAllocateNothing(int samples)
    {
        // 784 inputs fill the 16 lanes exactly; 100 leave a remainder, summed through the stack's lane buffer.
        AssertNoAllocation(new DetF784x128(), samples);
        AssertNoAllocation(new DetF100x67(), samples);
    }

    [Fact]
    public void ActivatedLayerAllocatesNothing()
    {
        // Batch 100 takes two chunks of the backward's stack buffer (64 samples each for 128 float outputs).
        var layer = new F784x128ReLU();
        const int samples = 100;
        float[] input = new float[samples * F784x128ReLU.InputSize], output = new float[samples * F784x128ReLU.OutputSize];
        float[] outputGradient = new float[output.Length], inputGradient = new float[input.Length];
        input.AsSpan().Fill(0.5f);
        outputGradient.AsSpan().Fill(0.25f);
        CallActivated(layer, input, output, outputGradient, inputGradient, 3);

        long before = GC.GetAllocatedBytesForCurrentThread();
        CallActivated(layer, input, output, outputGradient, inputGradient, 20);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CallActivated(F784x128ReLU layer, float[] input, float[] output, float[] outputGradient, float[] inputGradient, int calls)
    {
        for (int i = 0; i < calls; i++)
        {
            layer.Forward(input, output);
            layer.Backward(input, output, outputGradient, inputGradient);
            layer.Backward(input, output, outputGradient, Span<float>.Empty);
            layer.ZeroGradients();
        }
    }

    [Fact]
    public void StructLayerCalledDirectlyAllocatesNothing()
    {
        SF17x33 layer = default;
        float[] input = new float[2 * SF17x33.InputSize], output = new float[2 * SF17x33.OutputSize];
        float[] outputGradient = new float[2 * SF17x33.OutputSize], inputGradient = new float[2 * SF17x33.InputSize];
        input.AsSpan().Fill(0.5f);
        outputGradient.AsSpan().Fill(0.25f);
        CallStruct(ref layer, input, output, outputGradient, inputGradient, 10);

        long before = GC.GetAllocatedBytesForCurrentThread();
        CallStruct(ref layer, input, output, outputGradient, inputGradient, Calls);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CallStruct(ref SF17x33 layer, float[] input, float[] output, float[] outputGradient, float[] inputGradient, int calls)
    {
        for (int i = 0; i < calls; i++)
        {
            layer.Forward(input, output);
            layer.Backward(input, outputGradient, inputGradient);
            layer.ZeroGradients();
        }
    }

    private static void AssertNoAllocation<T>(IDenseLayer<T> layer, int samples) where T : unmanaged
    {
        var input = new T[samples * layer.InputSize];
        var output = new T[samples * layer.OutputSize];
        var outputGradient = new T[samples * layer.OutputSize];
        var inputGradient = new T[samples * layer.InputSize];
        Call(layer, input, output, outputGradient, inputGradient, 10);
        RequireAWindowWithoutAllocation(() => Call(layer, input, output, outputGradient, inputGradient, Calls));
    }

    /// <summary>
    /// Runs <paramref name="calls"/> up to three times and requires one run that allocates nothing on this thread.
    /// The runtime may allocate on the calling thread once, when a timer promotes a method the calls reach (runtime
    /// methods such as <c>Span&lt;T&gt;.Clear</c> are not compiled fully optimized at once), which can fall inside a
    /// window; whichever test calls that method first meets it. An allocation of the calls themselves shows in every
    /// window.
    /// </summary>
    internal static void RequireAWindowWithoutAllocation(Action calls)
    {
        long allocated = -1;
        for (int window = 0; window < 3 && allocated != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            calls();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(0, allocated);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Call<T>(IDenseLayer<T> layer, T[] input, T[] output, T[] outputGradient, T[] inputGradient, int calls) where T : unmanaged
    {
        for (int i = 0; i < calls; i++)
        {
            layer.Forward(input, output);
            layer.Backward(input, outputGradient, inputGradient);
            layer.Backward(input, outputGradient, Span<T>.Empty);
            layer.ZeroGradients();
        }
    }
}
