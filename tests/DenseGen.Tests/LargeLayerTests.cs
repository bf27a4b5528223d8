using System;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Class layers keep buffers inline up to 16 MiB each and in arrays beyond; both sides of the boundary load
/// and compute correctly.
/// </summary>
public class LargeLayerTests
{
    [Theory]
    [InlineData(2048, 2048, false)] // 16 MiB of weights: the largest inline class layer (two such buffers, 32 MiB in one object).
    [InlineData(2049, 2048, true)]  // 8 KiB more: arrays.
    public void ClassLayerStorageSwitchesToArraysPastTheInlineLimit(int inputs, int outputs, bool expectArrays)
    {
        Assembly assembly = GeneratorHarness.CompileAndLoad($"[DenseGen.Dense(In = {inputs}, Out = {outputs})] public partial class Big;");
        Type type = assembly.GetType("Big")!;
        FieldInfo weights = type.GetField("__denseWeights", BindingFlags.Instance | BindingFlags.NonPublic)!;
        Assert.Equal(expectArrays, weights.FieldType == typeof(float[]));

        var layer = (IDenseLayer<float>)Activator.CreateInstance(type)!;
        Assert.Equal(inputs * outputs, layer.Weights.Length);
        LayerChecks.CheckAgainstReference(layer, samples: 1, seed: 3);
    }
}
