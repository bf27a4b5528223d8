using System;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using DenseGen.Generator;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Every bad declaration gets its own diagnostic, pointing at what to change, and nothing else: no generated
/// code to fail in, so the user sees one error, not a cascade. Each case snapshots every diagnostic of the
/// build (the generator's and the compiler's) with its location and message.
/// </summary>
public class DiagnosticTests
{
    [Fact]
    public void TypeNotPartial()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public class Hidden;
            """, ["DG0001"]);
    }

    [Fact]
    public void ContainingTypeNotPartial()
    {
        Verify("""
            using DenseGen;
            public class Network
            {
                [Dense(In = 3, Out = 2)]
                public partial class Hidden;
            }
            """, ["DG0002"]);
    }

    [Fact]
    public void InMissing()
    {
        Verify("""
            using DenseGen;
            [Dense(Out = 2)]
            public partial class Hidden;
            """, ["DG0003"]);
    }

    [Fact]
    public void OutZero()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 0)]
            public partial class Hidden;
            """, ["DG0003"]);
    }

    [Fact]
    public void BothSizesNegative()
    {
        Verify("""
            using DenseGen;
            [Dense(In = -3, Out = -1)]
            public partial class Hidden;
            """, ["DG0003", "DG0003"]);
    }

    [Fact]
    public void TooManyWeightsToIndex()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 65536, Out = 65536)]
            public partial class Huge;
            """, ["DG0004"]);
    }

    [Fact]
    public void UnsupportedElementType()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2, ElementType = typeof(int))]
            public partial class Hidden;
            """, ["DG0005"]);
    }

    [Fact]
    public void NullElementType()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2, ElementType = null)]
            public partial class Hidden;
            """, ["DG0005", "CS8625"]); // CS8625: the compiler's nullable warning, as ElementType is non-nullable.
    }

    [Fact]
    public void GenericType()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial class Hidden<T>;
            """, ["DG0006"]);
    }

    [Fact]
    public void NestedInGenericType()
    {
        Verify("""
            using DenseGen;
            public partial class Network<T>
            {
                [Dense(In = 3, Out = 2)]
                public partial class Hidden;
            }
            """, ["DG0006"]);
    }

    [Fact]
    public void StaticClass()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public static partial class Hidden;
            """, ["DG0006"]);
    }

    [Fact]
    public void ReadOnlyStruct()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public readonly partial struct Hidden;
            """, ["DG0006"]);
    }

    [Fact]
    public void RefStruct()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public ref partial struct Hidden;
            """, ["DG0006"]);
    }

    [Fact]
    public void Record()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial record Hidden;
            """, ["DG0006"]);
    }

    [Fact]
    public void LargeStructLayerWarns()
    {
        // 784x128 floats, weights and gradients: 803,840 bytes. Still generated, and it compiles.
        ImmutableArray<Diagnostic> diagnostics = Verify("""
            using DenseGen;
            [Dense(In = 784, Out = 128)]
            public partial struct Hidden;
            """, ["DG0007"]);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostics.Single().Severity);
    }

    [Fact]
    public void ErrorsCannotBeSilencedButWarningsCan()
    {
        // A project that turns DG0001 and DG0007 off (as <NoWarn> or .editorconfig severity = none would): the error
        // still stops the build, since the layer it names is not generated; the warning goes.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public class NotPartial;
            [Dense(In = 784, Out = 128)]
            public partial struct Large;
            """);
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            compilation.Options.SpecificDiagnosticOptions
                .SetItem("DG0001", ReportDiagnostic.Suppress)
                .SetItem("DG0007", ReportDiagnostic.Suppress)));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> reported);
        Assert.Equal(["DG0001"], reported.Select(d => d.Id));
        Assert.Equal(DiagnosticSeverity.Error, reported.Single().Severity);
    }

    [Fact]
    public void TheGeneratorsActivationTableIsTheRuntimesActivationEnum()
    {
        // One table of activations, compiled into both the generator and the runtime (for its ONNX reader), stands for
        // the runtime's enum (the generator cannot reference the runtime): the same names with the same values, in the
        // order of their values, so the parser accepts exactly the runtime's members and a value indexes its row.
        var runtimeEnum = Enum.GetValues<Activation>().Select(a => (a.ToString(), (int)a)).ToArray();
        Assert.Equal(runtimeEnum, DenseGen.Generator.Definitions.ActivationTable.All.Select(a => (a.Name, a.Value)));
        Assert.Equal(runtimeEnum, DenseGen.Definitions.ActivationTable.All.Select(a => (a.Name, a.Value)));
        Assert.Equal(Enumerable.Range(0, runtimeEnum.Length), DenseGen.Generator.Definitions.ActivationTable.All.Select(a => a.Value));

        // And the emitter calls functions that exist: every runtime method a row's forward or backward statement names is
        // a public method of the runtime.
        var rows = DenseGen.Generator.Definitions.ActivationTable.All;
        string[] statements = rows
            .SelectMany(r => new[] { r.Full, r.Portable, r.Deterministic }.Select(f => f.FusedExpression ?? f.AfterProductStatement))
            .Concat(rows.SelectMany(r => new[] { r.Backward.Statement, r.Backward.DeterministicStatement }))
            .OfType<string>()
            .ToArray();
        Assert.NotEmpty(statements);
        foreach (string statement in statements)
        {
            System.Text.RegularExpressions.Match call = System.Text.RegularExpressions.Regex.Match(statement, @"^global::([\w.]+)\.(\w+)[<(]");
            Assert.True(call.Success, statement);
            Type? type = typeof(Activation).Assembly.GetType(call.Groups[1].Value);
            Assert.True(type is not null && type.IsPublic, statement);
            Assert.Contains(type!.GetMethods(), m => m.IsPublic && m.IsStatic && m.Name == call.Groups[2].Value);
        }
    }

    [Fact]
    public void StandardizeSizeMissing() => Verify("""
        using DenseGen;
        [Standardize(Clip = 5)]
        public partial class Observations;
        """, ["DG0003"]);

    [Fact]
    public void StandardizeSizeBeyondAnArray() => Verify("""
        using DenseGen;
        [Standardize(Size = int.MaxValue)]
        public partial class Observations;
        """, ["DG0003"]);

    [Fact]
    public void StandardizeClipNegative() => Verify("""
        using DenseGen;
        [Standardize(Size = 8, Clip = -5)]
        public partial class Observations;
        """, ["DG0034"]);

    [Fact]
    public void StandardizeClipNaNOrInfinite() => Verify("""
        using DenseGen;
        [Standardize(Size = 8, Clip = double.NaN)]
        public partial class Observations;
        [Standardize(Size = 8, Clip = double.PositiveInfinity)]
        public partial class Unbounded;
        """, ["DG0034", "DG0034"]);

    [Fact]
    public void NegativeSlopeNotPositiveOrNotFinite() => Verify("""
        using DenseGen;
        [Dense(In = 4, Out = 3, Activation = Activation.LeakyReLU, NegativeSlope = -0.2)] public partial class Negative;
        [Dense(In = 4, Out = 3, Activation = Activation.LeakyReLU, NegativeSlope = 0)] public partial class Flat;
        [Dense(In = 4, Out = 3, Activation = Activation.LeakyReLU, NegativeSlope = double.NaN)] public partial class Undefined;
        [Dense(In = 4, Out = 3, Activation = Activation.LeakyReLU, NegativeSlope = double.PositiveInfinity)] public partial class Unbounded;
        """, ["DG0035", "DG0035", "DG0035", "DG0035"]);

    [Fact]
    public void NegativeSlopeWithoutLeakyReLU() => Verify("""
        using DenseGen;
        [Dense(In = 4, Out = 3, Activation = Activation.Tanh, NegativeSlope = 0.2)] public partial class Smooth;
        [Dense(In = 4, Out = 3, NegativeSlope = 0.2)] public partial class Linear;
        """, ["DG0035", "DG0035"]);

    [Fact]
    public void NegativeSlopeOnLeakyReLU() => Verify("""
        using DenseGen;
        [Dense(In = 4, Out = 3, Activation = Activation.LeakyReLU, NegativeSlope = 0.2)] public partial class Steep;
        [Dense(In = 4, Out = 3, Activation = Activation.LeakyReLU, NegativeSlope = 0.01)] public partial class Default;
        """, []);

    [Fact]
    public void StandardizeOnAReadOnlyStruct() => Verify("""
        using DenseGen;
        [Standardize(Size = 8)]
        public readonly partial struct Observations;
        """, ["DG0006"]);

    [Fact]
    public void StandardizeMembersThatCollideWithGeneratedOnes() => Verify("""
        using DenseGen;
        [Standardize(Size = 8)]
        public partial class Observations
        {
            public float[] Mean = new float[8];
            public void Forward(System.ReadOnlySpan<float> input, System.Span<float> output) { }
            public void Forward(float[] input, float[] output) { }   // fine: another overload
        }
        """, ["DG0033", "DG0033"]);

    /// <summary>−0 is no clamp, as 0 is: the layer records and generates Clip = 0.</summary>
    [Fact]
    public void StandardizeNegativeZeroClipIsNoClamp()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("""
            using DenseGen;
            [Standardize(Size = 8, Clip = -0.0)]
            public partial class Observations;
            """));
        Assert.Empty(result.Diagnostics);
        string source = result.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public const float Clip = 0f;", source, StringComparison.Ordinal);
        Assert.DoesNotContain("ConditionalSelect", source, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryErrorIsNotConfigurableAndEveryWarningIs()
    {
        DiagnosticDescriptor[] descriptors = typeof(DiagnosticDescriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();
        Assert.Equal(41, descriptors.Length);
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            bool notConfigurable = descriptor.CustomTags.Contains(WellKnownDiagnosticTags.NotConfigurable);
            Assert.True(notConfigurable == (descriptor.DefaultSeverity == DiagnosticSeverity.Error), descriptor.Id);
        }
    }

    [Fact]
    public void SmallStructLayerDoesNotWarn()
    {
        // 127x128 floats with gradients is 131,072 bytes, half the warning threshold.
        Verify("""
            using DenseGen;
            [Dense(In = 127, Out = 128)]
            public partial struct Hidden;
            """, []);
    }

    [Fact]
    public void StructLayerTooLargeForInlineStorage()
    {
        // 2048x2049 floats: 16 MiB + 8 KiB of weights, past the inline limit.
        Verify("""
            using DenseGen;
            [Dense(In = 2049, Out = 2048)]
            public partial struct Hidden;
            """, ["DG0008"]);
    }

    [Fact]
    public void LanguageVersionTooOld()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial class Hidden { }
            """, ["DG0009"], LanguageVersion.CSharp8);
    }

    [Fact]
    public void StructLayerOnPortableTarget()
    {
        // C# 11 takes the portable output, which keeps parameters in arrays: a struct layer cannot own them with
        // value semantics, so it is refused at its declaration.
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial struct Tiny { }
            """, ["DG0015"], LanguageVersion.CSharp11);
    }

    [Fact]
    public void NetStandard20Target()
    {
        // A netstandard2.0 library has no Span<T>; DenseGen.dll itself is referenced so the attribute resolves.
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial class Hidden;
            """, ["DG0009"], references: [.. Basic.Reference.Assemblies.NetStandard20.References.All, GeneratorHarness.RuntimeReference]);
    }

    [Fact]
    public void FullUnrollPastJitLimitsWarns()
    {
        // 64x48 fully unrolled: its Vector128 forward kernel compiles to about 100 KB of IL. Still generated.
        ImmutableArray<Diagnostic> diagnostics = Verify("""
            using DenseGen;
            [Dense(In = 64, Out = 48, Unroll = UnrollMode.Full)]
            public partial class Wide;
            """, ["DG0011"]);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostics.Single().Severity);
    }

    [Fact]
    public void FullUnrollWithinJitLimitsDoesNotWarn()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 16, Out = 16, Unroll = UnrollMode.Full)]
            public partial class Small;
            """, []);
    }

    [Fact]
    public void UnknownUnrollMode()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2, Unroll = (UnrollMode)7)]
            public partial class Hidden;
            """, ["DG0012"]);
    }

    [Fact]
    public void PreviewLanguageVersionIsAccepted()
    {
        // "Preview" is a sentinel, not a version number; with this SDK's compiler it is newer than C# 12.
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial class Hidden;
            """, [], LanguageVersion.Preview);
    }

    [Fact]
    public void UnknownActivation()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 3, Out = 2, Activation = (Activation)9)]
            public partial class Hidden;
            """, ["DG0013"]);
    }

    [Fact]
    public void ActivationOnTooWideLayer()
    {
        // 8,193 float outputs are 32,772 bytes per sample, four past the backward's stack buffer.
        Verify("""
            using DenseGen;
            [Dense(In = 2, Out = 8193, Activation = Activation.ReLU)]
            public partial class Wide;
            """, ["DG0014"]);
    }

    [Fact]
    public void ActivationOnWidestAllowedLayerIsAccepted()
    {
        Verify("""
            using DenseGen;
            [Dense(In = 2, Out = 4096, ElementType = typeof(double), Activation = Activation.Tanh)]
            public partial class Widest;
            """, []);
    }

    [Fact]
    public void InvalidLayerDoesNotCascade()
    {
        // Using a layer whose declaration is wrong gives the generator's error and one compiler error per
        // use of a missing member, never errors inside generated code.
        ImmutableArray<Diagnostic> diagnostics = Verify("""
            using DenseGen;
            [Dense(In = 0, Out = 2)]
            public partial class Hidden;

            public static class Use
            {
                public static void Run() => new Hidden().Forward(new float[3], new float[2]);
            }
            """, ["DG0003", "CS1061"]);
        Assert.DoesNotContain(diagnostics, d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void MalformedAttributeLeavesTheErrorToTheCompiler()
    {
        Verify("""
            using DenseGen;
            [Dense(In = "three", Out = 2)]
            public partial class Hidden;
            """, ["CS0029"]);
    }

    [Fact]
    public void ParserFailureBecomesDiagnostic()
    {
        var generator = new DenseGenerator((_, _) => throw new InvalidOperationException("parser exploded"), DenseEmitter.Emit);
        AssertInternalError(generator, expectedLocationInSource: true);
    }

    [Fact]
    public void EmitterFailureBecomesDiagnostic()
    {
        var generator = new DenseGenerator(DenseParser.Parse, (_, _) => throw new InvalidOperationException("emitter exploded"));
        AssertInternalError(generator, expectedLocationInSource: false);
    }

    private static void AssertInternalError(DenseGenerator generator, bool expectedLocationInSource)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation("""
            [DenseGen.Dense(In = 3, Out = 2)]
            public partial class Hidden;
            """);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(generator).RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0010", error.Id);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("'Hidden'", error.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("exploded", error.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(expectedLocationInSource ? "Layer0.cs" : "", error.Location.GetLineSpan().Path ?? "");
    }

    /// <summary>
    /// A member of the user's that the generated part would declare again is DG0033 at the user's member, naming both,
    /// and the layer is not generated (no CS0102 or CS0111 in a generated file). An overload with other parameters is legal
    /// C# and stays allowed.
    /// </summary>
    [Fact]
    public void MembersThatCollideWithGeneratedOnes() => Verify("""
        using System;
        [DenseGen.Dense(In = 3, Out = 2, Activation = DenseGen.Activation.ReLU)]
        public partial class Hidden
        {
            public int InputSize => 3;
            public float[] Weights = new float[6];
            public void Forward(ReadOnlySpan<float> input, Span<float> output) { }
            public void Forward(float[] input, float[] output) { }
            public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) { }
            public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) { }
            public static int Activation;
            private int __denseScratch = 1;
            public int Scratch => __denseScratch;
        }
        """, ["DG0033", "DG0033", "DG0033", "DG0033", "DG0033", "DG0033"]);

    /// <summary>What collides depends on what is generated: a frozen layer has no gradients and no ZeroGradients.</summary>
    [Fact]
    public void FrozenLayerMayDeclareWhatOnlyTrainableLayersGet() => Verify("""
        [DenseGen.Dense(In = 3, Out = 2, Trainable = false)]
        public partial struct Deployed
        {
            public void ZeroGradients() { }
            public readonly int WeightGradients => 0;
            public readonly int Activation => 0;
        }
        """, []);

    private static ImmutableArray<Diagnostic> Verify(
        string source, string[] expectedIds, LanguageVersion version = LanguageVersion.Latest, MetadataReference[]? references = null,
        [CallerMemberName] string testMethod = "")
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([source], version, references);
        (GeneratorRunResult result, Compilation output) = GeneratorHarness.Run(compilation);
        Assert.Null(result.Exception);

        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.AllDiagnostics(result, output);
        Assert.Equal(expectedIds.Order(), diagnostics.Select(d => d.Id).Order());
        bool hasGeneratorError = result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        if (hasGeneratorError)
            Assert.Empty(result.GeneratedSources);

        Snapshot.VerifyText(Format(diagnostics), nameof(DiagnosticTests), testMethod);
        return diagnostics;
    }

    internal static string Format(ImmutableArray<Diagnostic> diagnostics) =>
        string.Concat(diagnostics
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .Select(d =>
            {
                // The generator's own diagnostics carry file locations rebuilt from plain values (see LocationInfo),
                // the compiler's carry source locations; both have a path and a line span.
                FileLinePositionSpan span = d.Location.GetLineSpan();
                string where = d.Location.Kind == LocationKind.None
                    ? "(no location)"
                    : $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1})";
                return $"{d.Id} {d.Severity} {where}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}\n";
            }));
}
