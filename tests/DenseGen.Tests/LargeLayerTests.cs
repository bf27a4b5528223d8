using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Class layers keep each buffer in a pinned array from a cache-line boundary, small or large (past the 16 MiB that
/// struct layers may hold inline), and compute correctly from there.
/// </summary>
public class LargeLayerTests
{
    [Theory]
    [InlineData(3, 5)]
    [InlineData(2048, 2048)] // 16 MiB of weights: the most a struct layer may keep inline.
    [InlineData(2049, 2048)] // 8 KiB more.
    public void ClassLayerBuffersStartOnCacheLines(int inputs, int outputs)
    {
        var assembly = GeneratorHarness.CompileAndLoad($"[DenseGen.Dense(In = {inputs}, Out = {outputs})] public partial class Big;");
        for (int instance = 0; instance < 3; instance++)
        {
            var layer = (IDenseLayer<float>)Activator.CreateInstance(assembly.GetType("Big")!)!;
            Assert.Equal(inputs * outputs, layer.Weights.Length);
            Assert.Equal(outputs, layer.Bias.Length);
            Assert.Equal(0, AddressOf(layer.Weights) % 64);
            Assert.Equal(0, AddressOf(layer.Bias) % 64);
            Assert.Equal(0, AddressOf(layer.WeightGradients) % 64);
            Assert.Equal(0, AddressOf(layer.BiasGradients) % 64);
            // The same span, at the same place, on every access: the buffers are pinned.
            Assert.Equal(AddressOf(layer.Weights), AddressOf(layer.Weights));
            if (instance == 0)
                LayerChecks.CheckAgainstReference(layer, samples: 1, seed: 3);
        }
    }

    // The address, as a distance from null: pinned memory, so it holds still between two reads.
    private static long AddressOf(Span<float> span) =>
        (long)Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetReference(span));
}
