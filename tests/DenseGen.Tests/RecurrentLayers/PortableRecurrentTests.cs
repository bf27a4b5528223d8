using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// The portable output of <c>[Lstm]</c> and <c>[Gru]</c> (C# 9, as Unity compiles: arrays and loops, no intrinsics),
/// compiled in memory and run in this process through the same checks as the full output's layers: Step against Forward
/// and the streams' independence, Backward's promises, and central differences through 50 steps in double. Its Backward
/// takes every stream of a step at once with its own loops for the products, where the full output calls the dense
/// layers' kernels, so it needs its own run.
/// </summary>
public sealed class PortableRecurrentTests(ITestOutputHelper output)
{
    private const string Source = """
        using DenseGen;

        namespace PortableRecurrent
        {
            [Lstm(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7)] public partial class StreamsLstm { }
            [Gru(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7)] public partial class StreamsGru { }
            [Lstm(In = 2, Hidden = 4, Layers = 2, MaxBatch = 2, MaxSteps = 50, TrainInitialState = true, ElementType = typeof(double))] public partial class FiniteLstm { }
            [Gru(In = 2, Hidden = 4, Layers = 2, MaxBatch = 2, MaxSteps = 50, TrainInitialState = true, ElementType = typeof(double))] public partial class FiniteGru { }
        }
        """;

    private static readonly Lazy<Assembly> Library = new(Compile);

    private static RecurrentUnderTest<T> Create<T>(string name) where T : unmanaged =>
        RecurrentUnderTest<T>.Reflect(Activator.CreateInstance(Library.Value.GetType("PortableRecurrent." + name, throwOnError: true)!)!);

    [Theory]
    [InlineData("StreamsLstm")]
    [InlineData("StreamsGru")]
    public void FloatLayersKeepTheirPromises(string name)
    {
        RecurrentLayerTests.Promises(() => Create<float>(name));
        RecurrentTrainingTests.TrainingPromises(() => Create<float>(name));
    }

    [Theory]
    [InlineData("FiniteLstm")]
    [InlineData("FiniteGru")]
    public void GradientsMatchFiniteDifferences(string name)
    {
        (int values, double worst) = RecurrentTrainingTests.CheckAgainstFiniteDifferences(Create<double>(name));
        output.WriteLine($"portable {name}: {values} values, largest difference {worst:G3} of the gradient's scale");
    }

    /// <summary>The layers above are the portable output's batched Backward: its loops, no intrinsics.</summary>
    [Fact]
    public void TheLayersAreThePortableOutput()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(CompilationOf());
        string lstm = result.GeneratedSources.Single(s => s.HintName == "PortableRecurrent.StreamsLstm.Lstm.g.cs").SourceText.ToString();
        Assert.Contains("__DenseAddWeightGradients(", lstm, StringComparison.Ordinal);
        Assert.DoesNotContain("global::System.Runtime.Intrinsics", lstm, StringComparison.Ordinal);
    }

    private static CSharpCompilation CompilationOf() => GeneratorHarness.CreateCompilation([Source], LanguageVersion.CSharp9, GeneratorHarness.References);

    private static Assembly Compile()
    {
        CSharpCompilation compilation = CompilationOf();
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: (CSharpParseOptions)compilation.SyntaxTrees.First().Options)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation result, out _);
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        Assert.Null(run.Exception);
        Assert.Empty(run.Diagnostics);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = result.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        return new AssemblyLoadContext("DenseGenPortableRecurrent", isCollectible: true).LoadFromStream(image);
    }
}
