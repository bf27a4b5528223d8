using System;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Every bad network declaration gets its own diagnostic at the field (or attribute) to change, and no network is
/// generated to fail in; valid layers are still generated. Each case snapshots every diagnostic of the build.
/// </summary>
public class NetworkDiagnosticTests
{
    private const string Layers = """
        using DenseGen;
        [Dense(In = 784, Out = 128, Activation = Activation.ReLU)] public partial class Hidden;
        [Dense(In = 128, Out = 10)] public partial class Output;
        [Dense(In = 64, Out = 10)] public partial class Narrow;
        [Dense(In = 128, Out = 10, ElementType = typeof(double))] public partial class PreciseOutput;
        [Dense(In = 784, Out = 128)] public partial struct HiddenValue;
        [Dense(In = 128, Out = 10)] public partial struct OutputValue;
        [Dense(In = 0, Out = 10)] public partial class Broken;
        """;

    [Fact]
    public void SizesDoNotChain() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Narrow Output = new();
        }
        """, ["DG0018"]);

    [Fact]
    public void FieldIsNotALayer() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public int Epoch;
            public readonly Output Output = new();
        }
        """, ["DG0019"]);

    /// <summary>Static members, and properties and events with no field of their own in the network, are not layers.</summary>
    [Fact]
    public void StaticMembersAndPropertiesWithoutAFieldAreNotLayers() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public static int Created;
            public static int Epochs { get; set; }
            public static event System.Action? Trained;
            private static System.Action? stepped;
            public int Twice => 2 * Created;
            public int Epoch { get => Epochs; set => Epochs = value; }
            public event System.Action? Stepped { add => stepped += value; remove => stepped -= value; }
            public static void Train() { Trained?.Invoke(); stepped?.Invoke(); }
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
        }
        """, []);

    /// <summary>An auto-property's hidden field is an instance field of the network just as 'public int Epoch;' is.</summary>
    [Fact]
    public void AutoPropertyIsNotALayer() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public int Steps { get; set; }
            public readonly Output Output = new();
        }
        """, ["DG0019"]);

    [Fact]
    public void FieldLikeEventIsNotALayer() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
            public event System.Action? Stepped;
            public void Step() => Stepped?.Invoke();
        }
        """, ["DG0019"]);

    /// <summary>A layer in an auto-property is not run; the message says to make it a field.</summary>
    [Fact]
    public void LayerInAnAutoProperty() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public Output Output { get; } = new();
        }
        """, ["DG0019"]);

    /// <summary>
    /// A struct network reports them the same way, and generates nothing, so no CS0282 about the order of its fields
    /// arises (the suppressor would hide only that one anyway).
    /// </summary>
    [Fact]
    public void StructNetworkWithAnAutoPropertyAndAnEvent() => Verify("""
        [DenseGen.Sequential]
        public partial struct Net
        {
            public HiddenValue Hidden;
            public OutputValue Output;
            public int Steps { get; set; }
            public event System.Action? Stepped;
            public void Step() => Stepped?.Invoke();
        }
        """, ["DG0019", "DG0019"]);

    [Fact]
    public void ElementTypesDiffer() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly PreciseOutput Output = new();
        }
        """, ["DG0020"]);

    [Fact]
    public void NoLayers() => Verify("""
        [DenseGen.Sequential]
        public partial class Net;
        """, ["DG0021"]);

    [Fact]
    public void ClassLayerFieldWithoutInitializer() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public Output Output;
        }
        """, ["DG0022", "CS8618"]);

    [Fact]
    public void LayerFieldsSplitAcrossParts() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
        }

        public partial class Net
        {
            public readonly Output Output = new();
        }
        """, ["DG0023"]);

    [Fact]
    public void DuplicateTensorNames() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            [DenseGen.TensorName("0")] public readonly Hidden Hidden = new();
            [DenseGen.TensorName("0")] public readonly Output Output = new();
        }
        """, ["DG0024"]);

    [Fact]
    public void EmptyTensorName() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            [DenseGen.TensorName("")] public readonly Hidden Hidden = new();
            public readonly Output Output = new();
        }
        """, ["DG0024"]);

    [Fact]
    public void MaxBatchZero() => Verify("""
        [DenseGen.Sequential(MaxBatch = 0)]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
        }
        """, ["DG0025"]);

    [Fact]
    public void MaxBatchTooLargeForTheBuffers() => Verify("""
        [DenseGen.Sequential(MaxBatch = 100000000)]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
        }
        """, ["DG0025"]);

    [Fact]
    public void NotPartial() => Verify("""
        [DenseGen.Sequential]
        public class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
        }
        """, ["DG0016"]);

    [Fact]
    public void ContainingTypeNotPartial() => Verify("""
        public class Game
        {
            [DenseGen.Sequential]
            public partial class Net
            {
                public readonly Hidden Hidden = new();
                public readonly Output Output = new();
            }
        }
        """, ["DG0016"]);

    [Fact]
    public void RecordNetwork() => Verify("""
        [DenseGen.Sequential]
        public partial record Net
        {
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
        }
        """, ["DG0017"]);

    [Fact]
    public void ReadOnlyStructLayerField() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly HiddenValue Hidden;
            public OutputValue Output;
        }
        """, ["DG0026"]);

    [Fact]
    public void LargeStructNetwork() => Verify("""
        [DenseGen.Sequential(MaxBatch = 4)]
        public partial struct Net
        {
            public HiddenValue Hidden;
            public OutputValue Output;
        }
        """, ["DG0027"]);

    /// <summary>A network's member that the generated part would declare again is DG0033 at it; other overloads are fine.</summary>
    [Fact]
    public void MembersThatCollideWithGeneratedOnes() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
            public const int MaxBatch = 4;
            public void Save(string path) { }
            public void Save(string path, bool overwrite) { }
            public void LoadBakedWeights() { }   // fine: only a network with Weights gets one
            public event System.Action? ZeroGradients { add { } remove { } }
        }
        """, ["DG0033", "DG0033", "DG0033"]);

    /// <summary>
    /// A layer field named like a generated member collides too; and a network that bakes weights also gets
    /// LoadBakedWeights. (No weight file is given, but a network with errors is not baked, so there is no DG0029.)
    /// </summary>
    [Fact]
    public void LayerFieldNamedLikeAGeneratedMember() => Verify("""
        [DenseGen.Sequential(Weights = "net.safetensors")]
        public partial class Net
        {
            public readonly Hidden Initialize = new();
            public readonly Output Output = new();
            public void LoadBakedWeights() { }
        }
        """, ["DG0033", "DG0033"]);

    /// <summary>A layer whose own member collides gets DG0033 at the layer; the network adds nothing and is not generated.</summary>
    [Fact]
    public void LayerWithACollidingMemberDoesNotCascade() => Verify("""
        [DenseGen.Dense(In = 128, Out = 10)]
        public partial class Clashing
        {
            public void ZeroGradients() { }
        }

        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Clashing Output = new();
        }
        """, ["DG0033"]);

    /// <summary>The broken layer's own DG0003 stands at the layer; the network adds nothing about it.</summary>
    [Fact]
    public void InvalidLayerDoesNotCascade() => Verify("""
        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Broken Output = new();
        }
        """, []);

    /// <summary>A [Standardize] layer rejected for any reason is its own diagnostics only: the network adds nothing and is not generated.</summary>
    [Fact]
    public void InvalidStandardizeLayerDoesNotCascade() => Verify("""
        [DenseGen.Standardize(Size = 784, Clip = -5)] public partial class Norm;

        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Norm Normalize = new();
            public readonly Hidden Hidden = new();
        }
        """, ["DG0034"]);

    public static TheoryData<string, string, string> RejectedStandardizeLayers => new()
    {
        { "[DenseGen.Standardize] public partial class Norm;", "Norm", "DG0003" },
        { "[DenseGen.Standardize(Size = -3)] public partial class Norm;", "Norm", "DG0003" },
        { "[DenseGen.Standardize(Size = 784, Clip = -1)] public partial class Norm;", "Norm", "DG0034" },
        { "[DenseGen.Standardize(Size = 784, Clip = double.NaN)] public partial class Norm;", "Norm", "DG0034" },
        { "[DenseGen.Standardize(Size = 784, Clip = double.NegativeInfinity)] public partial class Norm;", "Norm", "DG0034" },
        { "[DenseGen.Standardize(Size = 784, ElementType = typeof(int))] public partial class Norm;", "Norm", "DG0005" },
        { "[DenseGen.Standardize(Size = 784)] public class Norm;", "Norm", "DG0001" },
        { "public class Outer { [DenseGen.Standardize(Size = 784)] public partial class Norm; }", "Outer.Norm", "DG0002" },
        { "[DenseGen.Standardize(Size = 784)] public partial record Norm;", "Norm", "DG0006" },
        { "[DenseGen.Standardize(Size = 784)] public readonly partial struct Norm;", "Norm", "DG0006" },
        { "[DenseGen.Standardize(Size = 784)] public partial class Norm<T>;", "Norm<float>", "DG0006" },
        { "[DenseGen.Standardize(Size = 784)] public partial class Norm { public int Clip => 1; }", "Norm", "DG0033" },
        { "[DenseGen.Standardize(Size = 5000000)] public partial struct Norm;", "Norm", "DG0008" },
    };

    /// <summary>
    /// For each reason the standardizing kind's reader rejects a layer, a network holding the layer reports exactly that
    /// layer's diagnostic, and nothing else: no network diagnostic, no compiler error from code calling members the
    /// layer never got.
    /// </summary>
    [Theory]
    [MemberData(nameof(RejectedStandardizeLayers))]
    public void AStandardizeLayerRejectedForAnyReasonIsOnlyItsOwnDiagnostic(string layer, string type, string id)
    {
        bool isStruct = layer.Contains("struct", StringComparison.Ordinal);
        string source = layer + "\n" + $$"""
            [DenseGen.Sequential]
            public partial class Net
            {
                public {{(isStruct ? "" : "readonly ")}}{{type}} Normalize{{(isStruct ? "" : " = new()")}};
                public readonly Hidden Hidden = new();
            }
            """;
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([Layers, source]);
        (GeneratorRunResult result, Compilation output) = GeneratorHarness.Run(compilation);
        Assert.Null(result.Exception);
        string[] reported = GeneratorHarness.AllDiagnostics(result, output)
            .Where(d => d.Location.GetLineSpan().Path != "Layer0.cs")
            .Select(d => d.Id).ToArray();
        Assert.Equal([id], reported.Distinct());
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.EndsWith(".Sequential.g.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.EndsWith(".Standardize.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void StructNetworkInPortableOutput() => Verify("""
        namespace App
        {
            [DenseGen.Dense(In = 3, Out = 2)] public partial struct Small { }

            [DenseGen.Sequential]
            public partial struct Net
            {
                public Small Small;
            }
        }
        """, ["DG0015", "DG0028"], LanguageVersion.CSharp9, layers: false);

    /// <summary>
    /// A network of sequences runs its recurrent fields' streams and steps: a MaxBatch or MaxSteps it sets that differs from
    /// theirs, fields that differ from each other, MaxSteps below 1 or on a network with no recurrent field are DG0039; a
    /// size per time step chains only with the same size.
    /// </summary>
    [Fact]
    public void StreamsAndStepsMustFitTheRecurrentFields() => Verify("""
        using DenseGen;

        [Lstm(In = 1, Hidden = 8, MaxBatch = 4, MaxSteps = 32)] public sealed partial class Memory;
        [Gru(In = 8, Hidden = 8, MaxBatch = 2, MaxSteps = 32)] public sealed partial class Other;
        [Lstm(In = 1, Hidden = 8, Trainable = false)] public sealed partial class FrozenMemory;
        [Dense(In = 1, Out = 8)] public sealed partial class Feature;
        [Dense(In = 8, Out = 1)] public sealed partial class Head;
        [Dense(In = 5, Out = 1)] public sealed partial class NarrowHead;

        [Sequential(MaxBatch = 8)] public sealed partial class MoreStreams { public readonly Memory Memory = new(); public readonly Head Head = new(); }
        [Sequential(MaxSteps = 16)] public sealed partial class FewerSteps { public readonly Memory Memory = new(); public readonly Head Head = new(); }
        [Sequential] public sealed partial class FieldsDiffer { public readonly Memory Memory = new(); public readonly Other Other = new(); public readonly Head Head = new(); }
        [Sequential(MaxSteps = 0)] public sealed partial class NoSteps { public readonly FrozenMemory Memory = new(); public readonly Head Head = new(); }
        [Sequential(MaxSteps = 4)] public sealed partial class NoRecurrentField { public readonly Feature Feature = new(); public readonly Head Head = new(); }
        [Sequential] public sealed partial class DoesNotChain { public readonly FrozenMemory Memory = new(); public readonly NarrowHead Head = new(); }
        """, ["DG0039", "DG0039", "DG0039", "DG0039", "DG0039", "DG0018"], layers: false);

    /// <summary>A frozen recurrent layer after a trainable one would stop the gradient: DG0041.</summary>
    [Fact]
    public void FrozenRecurrentLayerAfterATrainableOneIsRefused() => Verify("""
        using DenseGen;

        [Dense(In = 1, Out = 8)] public sealed partial class Feature;
        [Lstm(In = 8, Hidden = 8, Trainable = false)] public sealed partial class FrozenMemory;
        [Dense(In = 8, Out = 1)] public sealed partial class Head;

        [Sequential] public sealed partial class Blocked { public readonly Feature Feature = new(); public readonly FrozenMemory Memory = new(); public readonly Head Head = new(); }
        """, ["DG0041"], layers: false);

    [Fact]
    public void RecurrentLayersCheckTheirSizesAndMembers() => Verify("""
        using DenseGen;

        [Gru(In = 0, Hidden = 8)] public sealed partial class NoInputs;
        [Lstm(In = 1, Hidden = 8, Layers = 0)] public sealed partial class NoLayers;
        [Lstm(In = 1, Hidden = 8, MaxBatch = -1)] public sealed partial class NoStreams;

        [Gru(In = 1, Hidden = 4)]
        public sealed partial class Clash
        {
            public void ResetState() { }
        }
        """, ["DG0003", "DG0003", "DG0003", "DG0033"], layers: false);

    /// <summary>
    /// MaxSteps is a size (DG0003 below 1); a frozen layer's MaxSteps and TrainInitialState would be ignored, so each is
    /// DG0040 (TrainInitialState = false asks for nothing and passes); a struct layer whose kept history passes 1 MiB gets the size warning (DG0007), and one
    /// whose history passes what DenseGen stores inline is refused (DG0008).
    /// </summary>
    [Fact]
    public void RecurrentTrainingOptionsAreChecked() => Verify("""
        using DenseGen;

        [Lstm(In = 1, Hidden = 8, MaxSteps = 0)] public sealed partial class NoSteps;
        [Gru(In = 1, Hidden = 8, Trainable = false, MaxSteps = 64, TrainInitialState = true)] public sealed partial class Frozen;
        [Gru(In = 1, Hidden = 8, Trainable = false, TrainInitialState = false)] public sealed partial class FrozenSaysNo;   // no warning: it asks for nothing
        [Lstm(In = 1, Hidden = 64, MaxSteps = 1000)] public partial struct LongHistory;
        [Lstm(In = 1, Hidden = 64, MaxSteps = 1000)] public sealed partial class LongHistoryClass;
        [Lstm(In = 1, Hidden = 64, MaxSteps = 20000)] public partial struct TooLongToInline;
        """, ["DG0003", "DG0040", "DG0040", "DG0007", "DG0008"], layers: false);

    private static void Verify(string source, string[] expectedIds, LanguageVersion version = LanguageVersion.Latest, bool layers = true, [CallerMemberName] string testMethod = "")
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(layers ? [Layers, source] : [source], version);
        (GeneratorRunResult result, Compilation output) = GeneratorHarness.Run(compilation);
        Assert.Null(result.Exception);
        // The shared layers' own diagnostics (the broken layer's DG0003, DG0007 for the large struct layer) stand in their
        // file and are the layer tests' business.
        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.AllDiagnostics(result, output)
            .Where(d => !layers || d.Location.GetLineSpan().Path != "Layer0.cs").ToImmutableArray();
        Assert.Equal(expectedIds.Order(), diagnostics.Select(d => d.Id).Order());
        if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("DG", StringComparison.Ordinal)))
            Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.EndsWith(".Sequential.g.cs", StringComparison.Ordinal));
        Snapshot.VerifyText(DiagnosticTests.Format(diagnostics), nameof(NetworkDiagnosticTests), testMethod);
    }
}
