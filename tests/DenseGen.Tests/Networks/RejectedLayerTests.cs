using System;
using System.Collections.Immutable;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Networks;

/// <summary>
/// A network reads each layer field with the layer kind's own reader, so a layer its pipeline rejects, for any reason,
/// is only that layer's diagnostic: the network is not generated either, and nothing in generated code calls members
/// the layer lacks (before, a layer rejected for a reason the network did not re-check, such as a missing
/// <c>partial</c>, left the network calling it and the build full of CS1061).
/// </summary>
public class RejectedLayerTests
{
    /// <summary>Each reason the dense pipeline rejects a layer: the layer's declaration, the network's field of it, and the diagnostic.</summary>
    public static TheoryData<string, string, string, string> Reasons() => new()
    {
        { "InvalidSize", "[Dense(In = 0, Out = 4)] public partial class L;", "L", "DG0003" },
        { "LayerTooLarge", "[Dense(In = 1000000000, Out = 4)] public partial class L;", "L", "DG0004" },
        { "UnsupportedElementType", "[Dense(In = 2, Out = 4, ElementType = typeof(int))] public partial class L;", "L", "DG0005" },
        { "Record", "[Dense(In = 2, Out = 4)] public partial record L;", "L", "DG0006" },
        { "ReadOnlyStruct", "[Dense(In = 2, Out = 4)] public readonly partial struct L;", "L", "DG0006" },
        { "Generic", "[Dense(In = 2, Out = 4)] public partial class L<T>;", "L<int>", "DG0006" },
        { "NotPartial", "[Dense(In = 2, Out = 4)] public class L { }", "L", "DG0001" },
        { "ContainerNotPartial", "public static class Outer { [Dense(In = 2, Out = 4)] public partial class L; }", "Outer.L", "DG0002" },
        { "StructTooLarge", "[Dense(In = 1100000, Out = 4)] public partial struct L;", "L", "DG0008" },
        { "UnknownUnrollMode", "[Dense(In = 2, Out = 4, Unroll = (UnrollMode)7)] public partial class L;", "L", "DG0012" },
        { "UnknownActivation", "[Dense(In = 2, Out = 4, Activation = (Activation)42)] public partial class L;", "L", "DG0013" },
        { "MemberCollision", "[Dense(In = 2, Out = 4)] public partial class L { public const int InputSize = 2; }", "L", "DG0033" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void ALayerRejectedForAnyReasonIsOnlyItsOwnDiagnostic(string reason, string layer, string fieldType, string expected)
    {
        bool isStruct = layer.Contains("struct", StringComparison.Ordinal);
        string field = isStruct ? $"public {fieldType} First;" : $"public readonly {fieldType} First = new();";
        string network = $$"""
            using DenseGen;
            [Dense(In = 4, Out = 3)] public partial {{(isStruct ? "struct" : "class")}} Tail;
            [Sequential(MaxBatch = 2)]
            public partial {{(isStruct ? "struct" : "class")}} Net
            {
                {{field}}
                public {{(isStruct ? "Tail Second;" : "readonly Tail Second = new();")}}
            }
            """;
        AssertOnlyTheLayersDiagnostic(reason, "using DenseGen;\n" + layer, network, expected, LanguageVersion.Latest);
    }

    /// <summary>A struct layer in the portable output is DG0015 at the layer; a class network holding it is not generated either.</summary>
    [Fact]
    public void AStructLayerInThePortableOutputIsOnlyItsOwnDiagnostic() =>
        AssertOnlyTheLayersDiagnostic(
            "StructLayerNeedsFullTarget",
            "using DenseGen;\n[Dense(In = 2, Out = 4)] public partial struct L { }",
            """
            using DenseGen;
            [Dense(In = 4, Out = 3)] public partial class Tail { }
            [Sequential(MaxBatch = 2)]
            public partial class Net
            {
                public L First;
                public readonly Tail Second = new Tail();
            }
            """,
            "DG0015",
            LanguageVersion.CSharp9);

    /// <summary>An activation on a layer too wide for the backward's stack buffer is DG0014; the next layer takes its 10,000 outputs.</summary>
    [Fact]
    public void ALayerTooWideForItsActivationIsOnlyItsOwnDiagnostic() =>
        AssertOnlyTheLayersDiagnostic(
            "ActivationLayerTooWide",
            "using DenseGen;\n[Dense(In = 2, Out = 10000, Activation = Activation.ReLU)] public partial class L;",
            """
            using DenseGen;
            [Dense(In = 10000, Out = 3)] public partial class Tail;
            [Sequential(MaxBatch = 2)]
            public partial class Net
            {
                public readonly L First = new();
                public readonly Tail Second = new();
            }
            """,
            "DG0014",
            LanguageVersion.Latest);

    private static void AssertOnlyTheLayersDiagnostic(string reason, string layer, string network, string expected, LanguageVersion version)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([layer, network], version);
        (GeneratorRunResult result, Compilation output) = GeneratorHarness.Run(compilation);
        Assert.Null(result.Exception);
        // Every diagnostic of the build, the compiler's too: the layer's own, in the layer's file (Layer0.cs), and nothing else.
        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.AllDiagnostics(result, output)
            .Where(d => d.Severity == DiagnosticSeverity.Error || d.Id.StartsWith("DG", StringComparison.Ordinal))
            .ToImmutableArray();
        string all = reason + ":\n" + string.Join("\n", diagnostics);
        Assert.True(diagnostics.Length == 1 && diagnostics[0].Id == expected, all);
        Assert.Equal("Layer0.cs", diagnostics[0].Location.GetLineSpan().Path);
        Assert.DoesNotContain(result.GeneratedSources, source => source.HintName.EndsWith(".Sequential.g.cs", StringComparison.Ordinal));
    }
}
