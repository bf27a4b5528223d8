using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Runtime.Loader;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Standardize;

/// <summary>
/// The portable output of <c>[Standardize]</c> (C# 9, as Unity compiles: arrays, <c>Vector&lt;T&gt;</c> loops, and
/// element-by-element code for deterministic layers), compiled in memory and run in this process, against the same
/// references as the full output; its deterministic layers must give the full output's committed digest.
/// <see cref="PortableConsumerTests"/> runs the same checks on the packed library, with and without vectors.
/// </summary>
public class StandardizePortableTests
{
    /// <summary>The test layers' shapes, as class layers (the portable output has no struct layers), implementing the tests' interface.</summary>
    private const string Source = """
        using DenseGen;
        using DenseGen.Tests.Standardize;

        namespace PortableStandardize
        {
            [Standardize(Size = 1)] public partial class StdF1 : IStandardizeUnderTest<float> { }
            [Standardize(Size = 3, Clip = 5)] public partial class StdF3Clip : IStandardizeUnderTest<float> { }
            [Standardize(Size = 16)] public partial class StdF16 : IStandardizeUnderTest<float> { }
            [Standardize(Size = 17, Clip = 2.5)] public partial class StdF17Clip : IStandardizeUnderTest<float> { }
            [Standardize(Size = 300, Clip = 1.5)] public partial class StdF300Clip : IStandardizeUnderTest<float> { }
            [Standardize(Size = 5, Clip = 3, ElementType = typeof(double))] public partial class StdD5Clip : IStandardizeUnderTest<double> { }
            [Standardize(Size = 130, ElementType = typeof(double))] public partial class StdD130 : IStandardizeUnderTest<double> { }
            [Standardize(Size = 47, Clip = 5, Deterministic = true)] public partial class DetStdF47Clip : IStandardizeUnderTest<float> { }
            [Standardize(Size = 150, Clip = 2, Deterministic = true)] public partial class SDetStdF150Clip : IStandardizeUnderTest<float> { }
            [Standardize(Size = 21, ElementType = typeof(double), Deterministic = true)] public partial class DetStdD21 : IStandardizeUnderTest<double> { }
            [Standardize(Size = 11, Clip = 1, ElementType = typeof(double), Deterministic = true)] public partial class DetStdD11Clip : IStandardizeUnderTest<double> { }
        }
        """;

    private static readonly Lazy<Assembly> Library = new(Compile);

    [Fact]
    public void EveryPortableLayerMatchesTheReferences()
    {
        Assert.Equal(11 * (StandardizeChecks.BatchSizes.Length + 1), CheckEveryLayer(Library.Value));
    }

    [Fact]
    public void ThePortableDeterministicLayersGiveTheFullOutputsDigest() =>
        Assert.Equal(StandardizeChecks.ExpectedDigest, StandardizeChecks.Digest(LayersOf(Library.Value)));

    /// <summary>The layers of a portable library: its default ones loop over Vector&lt;T&gt;, its deterministic ones do not.</summary>
    [Fact]
    public void TheDefaultLayersUseVectorsAndTheDeterministicOnesDoNot()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(CompilationOf());
        string Generated(string type) => result.GeneratedSources.Single(s => s.HintName == "PortableStandardize." + type + ".Standardize.g.cs").SourceText.ToString();
        Assert.Contains("global::System.Numerics.Vector<float>", Generated("StdF17Clip"), StringComparison.Ordinal);
        Assert.DoesNotContain("global::System.Numerics.Vector", Generated("DetStdF47Clip"), StringComparison.Ordinal);
        Assert.DoesNotContain("global::System.Runtime.Intrinsics", Generated("StdF17Clip"), StringComparison.Ordinal);
    }

    /// <summary>Runs every check on every [Standardize] layer of <paramref name="library"/>; returns how many ran.</summary>
    internal static int CheckEveryLayer(Assembly library)
    {
        int checks = 0;
        foreach (Type type in StandardizeTypes(library))
        {
            if (IsDouble(type))
                checks += Run<double>(type);
            else
                checks += Run<float>(type);
        }
        return checks;
    }

    /// <summary>The deterministic layers of <paramref name="library"/> by name, for <see cref="StandardizeChecks.Digest"/>.</summary>
    internal static IReadOnlyDictionary<string, Func<object>> LayersOf(Assembly library) =>
        StandardizeTypes(library).ToDictionary(type => type.Name, type => (Func<object>)(() => Wrap(type)));

    private static IEnumerable<Type> StandardizeTypes(Assembly library) =>
        library.GetExportedTypes().Where(t => t.GetCustomAttributes(inherit: false).Any(a => a.GetType().Name == "StandardizeAttribute"));

    private static bool IsDouble(Type type) => typeof(IParameterTensors<double>).IsAssignableFrom(type);

    private static int Run<T>(Type type) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T clip = StandardizeChecks.ClipOf<T>(type);
        int checks = 0;
        foreach (int batch in StandardizeChecks.BatchSizes)
        {
            StandardizeChecks.CheckAgainstReference((IStandardizeUnderTest<T>)Wrap(type), clip, batch, seed: 17 * batch + type.Name.Length);
            checks++;
        }
        StandardizeChecks.CheckSpecialValues((IStandardizeUnderTest<T>)Wrap(type), clip);
        return checks + 1;
    }

    /// <summary>A new layer of <paramref name="type"/>, as the tests' interface: itself where it implements it, else through reflection.</summary>
    private static object Wrap(Type type)
    {
        object layer = Activator.CreateInstance(type)!;
        return layer switch
        {
            IStandardizeUnderTest<float> or IStandardizeUnderTest<double> => layer,
            IParameterTensors<double> => new Reflected<double>(layer),
            _ => new Reflected<float>(layer),
        };
    }

    /// <summary>A layer from a library that cannot implement the tests' interface (one built against the package), called through reflection.</summary>
    private sealed class Reflected<T> : IStandardizeUnderTest<T> where T : unmanaged
    {
        private delegate void BackwardCall(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);

        private readonly IForwardModule<T> _module;
        private readonly IParameterTensors<T> _tensors;
        private readonly BackwardCall _backward;

        public Reflected(object layer)
        {
            _module = (IForwardModule<T>)layer;
            _tensors = (IParameterTensors<T>)layer;
            _backward = layer.GetType().GetMethod("Backward")!.CreateDelegate<BackwardCall>(layer);
        }

        public int InputSize => _module.InputSize;

        public int OutputSize => _module.OutputSize;

        public Span<T> Mean => _tensors.ParameterTensor(0);

        public Span<T> Std => _tensors.ParameterTensor(1);

        public void Forward(ReadOnlySpan<T> input, Span<T> output) => _module.Forward(input, output);

        public void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) => _backward(input, outputGradient, inputGradient);

        public int ParameterTensorCount => _tensors.ParameterTensorCount;

        public string ParameterTensorName(int index) => _tensors.ParameterTensorName(index);

        public TensorDescription DescribeParameterTensor(int index) => _tensors.DescribeParameterTensor(index);

        public Span<T> ParameterTensor(int index) => _tensors.ParameterTensor(index);

        public override string ToString() => _module.GetType().Name;
    }

    private static CSharpCompilation CompilationOf() =>
        GeneratorHarness.CreateCompilation(
            [Source], LanguageVersion.CSharp9,
            [.. GeneratorHarness.References, MetadataReference.CreateFromFile(typeof(StandardizePortableTests).Assembly.Location)]);

    private static Assembly Compile()
    {
        // As this test project does, the library's deterministic layers leave the process's deterministic mode alone:
        // the other tests compare both modes in this process.
        CSharpCompilation compilation = CompilationOf();
        var properties = new BuildProperties(ImmutableDictionary<string, string>.Empty.Add("build_property.DenseGenRequireDeterministicMode", "false"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: (CSharpParseOptions)compilation.SyntaxTrees.First().Options, buildProperties: properties)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.DoesNotContain("DeterministicMode.Require", string.Concat(result.GeneratedSources.Select(s => s.SourceText.ToString())), StringComparison.Ordinal);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        return new AssemblyLoadContext("DenseGenPortableStandardize", isCollectible: true).LoadFromStream(image);
    }
}
