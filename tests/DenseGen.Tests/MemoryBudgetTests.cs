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
