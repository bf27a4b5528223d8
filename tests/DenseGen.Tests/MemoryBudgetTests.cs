using System.Linq;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Layers;
using Microsoft.CodeAnalysis;
using Xunit;

namespace DenseGen.Tests;

/// <summary>The generated size constants, and the compile-time budget check their documentation suggests.</summary>
public class MemoryBudgetTests
{
    [Fact]
    public void ConstantsMatchTheLayersStorage()
    {
        Assert.Equal(784L * 128 + 128, F784x128.ParameterCount);
        Assert.Equal((784L * 128 + 128) * 4, F784x128.ParameterBytes);
        Assert.Equal(2 * (784L * 128 + 128) * 4, F784x128.StorageBytes);
        Assert.Equal(2 * (3L * 2 + 2) * 8, SD3x2.StorageBytes);
        // A struct layer is exactly its storage: the four buffers and nothing else.
        Assert.Equal(SD3x2.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<SD3x2>());
        Assert.Equal(SF17x33.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<SF17x33>());
        var layer = new F784x128();
        Assert.Equal(F784x128.ParameterCount, layer.Weights.Length + layer.Bias.Length);
    }

    /// <summary>
    /// A struct network of struct layers is exactly its StorageBytes, as a struct layer is: float and double (whose
    /// padding after the network's int differs), trainable and frozen (which has no such int), with and without buffers.
    /// </summary>
    [Fact]
    public void AStructNetworkIsExactlyItsStorage()
    {
        Assert.Equal(Networks.StructNet.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<Networks.StructNet>());
        Assert.Equal(BudgetDoubleNet.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<BudgetDoubleNet>());
        Assert.Equal(BudgetFrozenNet.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<BudgetFrozenNet>());
        Assert.Equal(BudgetOneLayerNet.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<BudgetOneLayerNet>());
        Assert.Equal(BudgetD5x2.StorageBytes + 8, BudgetOneLayerNet.StorageBytes);
    }

    /// <summary>What docs/api.md and the README say the default MaxBatch costs 784→128(ReLU)→10: 24 KiB of buffers.</summary>
    [Fact]
    public void TheDefaultMaxBatchCostsTheDocumentedBuffers()
    {
        Assert.Equal(SequentialAttribute.DefaultMaxBatch, BudgetDefaultNet.MaxBatch);
        Assert.Equal(24 * 1024, BudgetDefaultNet.StorageBytes - 2 * BudgetDefaultNet.ParameterBytes - sizeof(int));
    }

    [Theory]
    [InlineData(800_000, false)]
    [InlineData(803_840, true)]
    public void BudgetCheckFailsToCompileWhenTheLayerIsLarger(int budget, bool fits)
    {
        string source = $$"""
            using DenseGen;
            [Dense(In = 784, Out = 128)]
            public partial class Hidden;
            public static class Budget
            {
                public const ulong Bytes = {{budget}};
                public const ulong Fits = Bytes - (ulong)Hidden.StorageBytes;
            }
            """;
        (_, Compilation output) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        string[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToArray();
        Assert.Equal(fits ? [] : ["CS0220"], errors);
    }
}

[Dense(In = 3, Out = 5, ElementType = typeof(double), Activation = Activation.ReLU)] public partial struct BudgetD3x5;
[Dense(In = 5, Out = 2, ElementType = typeof(double))] public partial struct BudgetD5x2;
[Dense(In = 3, Out = 5, Trainable = false)] public partial struct BudgetFrozen3x5;
[Dense(In = 5, Out = 2, Trainable = false)] public partial struct BudgetFrozen5x2;

[Sequential(MaxBatch = 3)]
public partial struct BudgetDoubleNet
{
    public BudgetD3x5 Hidden;
    public BudgetD5x2 Output;
}

[Sequential(MaxBatch = 3)]
public partial struct BudgetFrozenNet
{
    public BudgetFrozen3x5 Hidden;
    public BudgetFrozen5x2 Output;
}

[Sequential]
public partial struct BudgetOneLayerNet
{
    public BudgetD5x2 Only;
}

[Dense(In = 784, Out = 128, Activation = Activation.ReLU)] public partial class BudgetHidden;
[Dense(In = 128, Out = 10)] public partial class BudgetOutput;

[Sequential]
public partial class BudgetDefaultNet
{
    public readonly BudgetHidden Hidden = new();
    public readonly BudgetOutput Output = new();
}
