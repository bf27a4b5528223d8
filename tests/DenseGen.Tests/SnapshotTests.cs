using System;
using System.Linq;
using System.Runtime.CompilerServices;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// The generated source, snapshotted: any change to the emitted text shows up as a failing test and a
/// .received.cs file to review. Each case also proves the output compiles without warnings.
/// </summary>
public class SnapshotTests
{
    [Fact]
    public void ClassLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 3, Out = 2)]
        public partial class Hidden;
        """);

    [Fact]
    public void StructLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 3, Out = 2)]
        public partial struct Tiny;
        """);

    [Fact]
    public void DoubleLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 3, Out = 2, ElementType = typeof(double))]
        internal partial class Precise;
        """);

    [Fact]
    public void ReLULayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 20, Out = 6, Activation = Activation.ReLU)]
        public partial class Rectified;
        """);

    [Fact]
    public void LeakyReLUStructLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 3, Out = 2, Activation = Activation.LeakyReLU)]
        public partial struct Leaky;
        """);

    [Fact]
    public void SigmoidDoubleLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 3, Out = 2, ElementType = typeof(double), Activation = Activation.Sigmoid)]
        public partial class Gate;
        """);

    [Fact]
    public void TanhLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 5, Out = 4, Activation = Activation.Tanh)]
        public partial class Squashed;
        """);

    [Fact]
    public void GlobalNamespaceLayer() => Verify("""
        [DenseGen.Dense(In = 2, Out = 3)]
        partial class TopLevel;
        """);

    [Fact]
    public void NestedLayer() => Verify("""
        using DenseGen;

        namespace MyGame;

        public static partial class Network
        {
            internal partial struct Blocks
            {
                [Dense(In = 4, Out = 2)]
                public partial class Output;
            }
        }
        """);

    [Fact]
    public void OneByOneLayer() => Verify("""
        using DenseGen;

        namespace MyGame;

        [Dense(In = 1, Out = 1)]
        public partial class Scalar;
        """);

    [Fact]
    public void Mnist784x128Layer() => Verify("""
        using DenseGen;

        namespace MyGame;

        [Dense(In = 784, Out = 128)]
        public partial class Hidden;
        """);

    [Fact]
    public void UnsafeProjectLayer() => Verify("""
        using DenseGen;

        namespace MyGame;

        // In a project with AllowUnsafeBlocks the methods also get [SkipLocalsInit].
        [Dense(In = 8, Out = 2)]
        public partial class Quick;
        """, allowUnsafe: true);

    [Fact]
    public void FullyUnrolledLayer() => Verify("""
        using DenseGen;

        namespace MyGame;

        [Dense(In = 16, Out = 5, Unroll = UnrollMode.Full)]
        public partial class Straight;
        """);

    [Fact]
    public void FrozenLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 20, Out = 6, Trainable = false)]
        public partial struct Deployed;
        """);

    [Fact]
    public void SiLULayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 5, Out = 4, Activation = Activation.SiLU)]
        public partial class Swish;
        """);

    [Fact]
    public void LeakyReLUSlopeLayers() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 5, Out = 4, Activation = Activation.LeakyReLU, NegativeSlope = 0.2)]
        public partial class Steep;

        [Dense(In = 3, Out = 2, ElementType = typeof(double), Activation = Activation.LeakyReLU, NegativeSlope = 0.3, Deterministic = true)]
        public partial struct SteepValue;
        """);

    [Fact]
    public void ELUDeterministicLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 20, Out = 6, Activation = Activation.ELU, Deterministic = true)]
        public partial class Smooth;
        """);

    [Fact]
    public void DeterministicSiLULayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 20, Out = 6, Activation = Activation.SiLU, Deterministic = true, Bias = false)]
        public partial class LockstepSwish;
        """);

    [Fact]
    public void FrozenTanhLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 5, Out = 4, Activation = Activation.Tanh, Trainable = false)]
        public partial class Deployed;
        """);

    [Fact]
    public void DeterministicTanhLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 20, Out = 6, Activation = Activation.Tanh, Deterministic = true)]
        public partial class Lockstep;
        """);

    [Fact]
    public void PortableFrozenReLULayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model
        {
            [Dense(In = 20, Out = 6, Activation = Activation.ReLU, Trainable = false)]
            public partial class Deployed { }
        }
        """, version: LanguageVersion.CSharp9);

    [Fact]
    public void NestedAndNamespacedLayersOfOneNameGetDistinctFiles()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("""
            namespace App.Network { [DenseGen.Dense(In = 1, Out = 1)] partial class Hidden; }
            namespace App { partial class Network { [DenseGen.Dense(In = 1, Out = 1)] partial class Hidden; } }
            """));
        Assert.Null(result.Exception);
        Assert.Equal(
            ["App.Network+Hidden.Dense.g.cs", "App.Network.Hidden.Dense.g.cs"],
            result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PortableLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model
        {
            // C# 9, as Unity 6 compiles: the portable output (arrays, Vector<T> loops).
            [Dense(In = 20, Out = 6)]
            public partial class Hidden { }
        }
        """, version: LanguageVersion.CSharp9);

    [Fact]
    public void PortableTanhDoubleLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model
        {
            [Dense(In = 5, Out = 4, ElementType = typeof(double), Activation = Activation.Tanh)]
            public partial class Squashed { }
        }
        """, allowUnsafe: true, version: LanguageVersion.CSharp9);

    [Fact]
    public void BiasFreeLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        // nn.Linear(bias=False): no bias storage, gradient or term in any kernel; Bias and BiasGradients are empty.
        [Dense(In = 20, Out = 6, Bias = false)]
        public partial class Projection;
        """);

    [Fact]
    public void BiasFreeActivatedStructLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 7, Out = 5, Activation = Activation.Tanh, Bias = false)]
        public partial struct Projection;
        """);

    [Fact]
    public void DeterministicBiasFreeLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 20, Out = 6, Deterministic = true, Bias = false)]
        public partial class Projection;
        """);

    [Fact]
    public void PortableBiasFreeLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model
        {
            [Dense(In = 20, Out = 6, Activation = Activation.ReLU, Bias = false)]
            public partial class Projection { }
        }
        """, version: LanguageVersion.CSharp9);

    [Fact]
    public void LstmLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Audio;

        // A guitar-amp model's recurrent layer, as GuitarML's Proteus has it, for inference only.
        [Lstm(In = 1, Hidden = 40, Trainable = false)]
        public partial class AmpLstm;
        """);

    [Fact]
    public void GruStructDoubleLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Audio;

        [Gru(In = 2, Hidden = 6, Layers = 2, MaxBatch = 3, MaxSteps = 4, TrainInitialState = true, ElementType = typeof(double))]
        public partial struct Stacked;
        """);

    [Fact]
    public void PortableDeterministicGruLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Audio
        {
            [Gru(In = 1, Hidden = 8, Deterministic = true)]
            public partial class AmpGru { }
        }
        """, version: LanguageVersion.CSharp9);

    [Fact]
    public void TrainableLstmLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Audio;

        [Lstm(In = 1, Hidden = 12, MaxSteps = 256)]
        public partial class LearnedAmp;
        """);

    [Fact]
    public void StandardizeLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        // ML-Agents' observation normalizer: (x − mean) / std, clamped to ±5.
        [Standardize(Size = 19, Clip = 5)]
        public partial class Observations;
        """);

    [Fact]
    public void StandardizeStructDoubleLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Standardize(Size = 6, ElementType = typeof(double))]
        public partial struct Centred;
        """);

    [Fact]
    public void PortableStandardizeLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model
        {
            [Standardize(Size = 19, Clip = 5)]
            public partial class Observations { }
        }
        """, version: LanguageVersion.CSharp9);

    [Fact]
    public void DeterministicStandardizeLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model;

        [Standardize(Size = 10, Clip = 2.5, Deterministic = true)]
        public partial class Lockstep;
        """);

    [Fact]
    public void PortableDeterministicStandardizeLayer() => Verify("""
        using DenseGen;

        namespace MyGame.Model
        {
            [Standardize(Size = 10, Clip = 2.5, Deterministic = true)]
            public partial class Lockstep { }
        }
        """, version: LanguageVersion.CSharp9);

    private const string NetworkLayers = """
        using DenseGen;

        namespace MyGame.Model;

        [Dense(In = 6, Out = 5, Activation = Activation.ReLU)] public partial class Hidden;
        [Dense(In = 5, Out = 3, Activation = Activation.Tanh)] public partial class Middle;
        [Dense(In = 3, Out = 2)] public partial class Output;
        [Dense(In = 6, Out = 5, Activation = Activation.LeakyReLU, NegativeSlope = 0.2)] public partial class SteepHidden;
        [Dense(In = 6, Out = 5, Activation = Activation.ReLU)] public partial struct HiddenValue;
        [Dense(In = 5, Out = 2, Activation = Activation.Sigmoid)] public partial struct OutputValue;
        [Dense(In = 6, Out = 5, ElementType = typeof(double), Activation = Activation.LeakyReLU)] public partial class PreciseHidden;
        [Dense(In = 5, Out = 2, ElementType = typeof(double))] public partial class PreciseOutput;
        [Dense(In = 6, Out = 5, Activation = Activation.ReLU, Trainable = false)] public partial class FrozenHidden;
        [Dense(In = 5, Out = 2, Trainable = false)] public partial class FrozenOutput;
        [Standardize(Size = 6, Clip = 5)] public partial class Observations;
        [Lstm(In = 5, Hidden = 4, MaxBatch = 2, MaxSteps = 32)] public partial class Memory;
        [Dense(In = 4, Out = 2)] public partial class Head;
        [Gru(In = 5, Hidden = 4, MaxBatch = 2, Trainable = false)] public partial class FrozenMemory;
        [Dense(In = 4, Out = 2, Trainable = false)] public partial class FrozenHead;
        """;

    /// <summary>A network of sequences: dense layers at every time step around a trainable LSTM, whose streams and steps it takes.</summary>
    [Fact]
    public void SequenceNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            [DenseGen.TensorName("rec")] public readonly Memory Memory = new();
            public readonly Head Head = new();
        }
        """);

    /// <summary>A frozen network of sequences runs a sequence longer than MaxSteps in chunks of it.</summary>
    [Fact]
    public void FrozenSequenceNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential(MaxSteps = 16)]
        public partial class Net
        {
            public readonly FrozenHidden Hidden = new();
            public readonly FrozenMemory Memory = new();
            public readonly FrozenHead Head = new();
        }
        """);

    [Fact]
    public void ClassNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential(MaxBatch = 4)]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            [DenseGen.TensorName("2")] public readonly Middle Middle = new();
            public readonly Output Output = new();
        }
        """);

    /// <summary>A leaky ReLU of slope 0.2 records it in the architecture and describes itself with it.</summary>
    [Fact]
    public void LeakyNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential]
        public partial class Net
        {
            public readonly SteepHidden Hidden = new();
            public readonly Middle Middle = new();
            public readonly Output Output = new();
        }
        """);

    [Fact]
    public void StructNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential(MaxBatch = 3)]
        public partial struct Net
        {
            public HiddenValue Hidden;
            public OutputValue Output;
        }
        """);

    [Fact]
    public void DoubleNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential]
        internal partial class Net
        {
            public readonly PreciseHidden Hidden = new();
            public readonly PreciseOutput Output = new();
        }
        """);

    [Fact]
    public void FrozenNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential(MaxBatch = 16)]
        public partial class Net
        {
            public readonly FrozenHidden Hidden = new();
            public readonly FrozenOutput Output = new();
        }
        """);

    [Fact]
    public void FineTuneNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential(MaxBatch = 2)]
        public partial class Net
        {
            public readonly FrozenHidden Hidden = new();
            public readonly Middle Middle = new();
            public readonly Output Output = new();
        }
        """);

    [Fact]
    public void NestedNetwork() => VerifyNetwork("""
        namespace MyGame.Model.Agents;

        public static partial class Brains
        {
            [DenseGen.Sequential(MaxBatch = 1)]
            public partial class Policy
            {
                public readonly MyGame.Model.Hidden Hidden = new();
                public readonly MyGame.Model.Middle Middle = new();
            }
        }
        """);

    [Fact]
    public void StandardizedNetwork() => VerifyNetwork("""
        namespace MyGame.Model;

        [DenseGen.Sequential(MaxBatch = 4)]
        public partial class Net
        {
            public readonly Observations Normalize = new();
            public readonly Hidden Hidden = new();
            public readonly Middle Middle = new();
        }
        """);

    [Fact]
    public void PortableNetwork() => VerifyNetwork("""
        namespace MyGame.Model
        {
            [DenseGen.Sequential(MaxBatch = 4)]
            public partial class Net
            {
                public readonly Hidden Hidden = new Hidden();
                public readonly Output Output = new Output();
            }
        }
        """, LanguageVersion.CSharp9);

    /// <summary>Snapshots the network's source alone (its layers have snapshots of their own); everything must compile cleanly.</summary>
    private static void VerifyNetwork(string source, LanguageVersion version = LanguageVersion.Latest, [CallerMemberName] string testMethod = "")
    {
        string layers = version >= LanguageVersion.CSharp10 ? NetworkLayers : PortableLayers;
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([layers, source], version, documentation: DocumentationMode.Diagnose);
        (GeneratorRunResult result, Compilation output) = GeneratorHarness.Run(compilation);
        Assert.Null(result.Exception);
        Assert.Empty(GeneratorHarness.AllDiagnostics(result, output).Where(d => d.Id != "CS1591" || d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
        GeneratedSourceResult generated = Assert.Single(result.GeneratedSources, s => s.HintName.EndsWith(".Sequential.g.cs", StringComparison.Ordinal));
        Snapshot.VerifySource(generated.SourceText.ToString(), generated.HintName, nameof(SnapshotTests), testMethod);
    }

    private const string PortableLayers = """
        using DenseGen;

        namespace MyGame.Model
        {
            [Dense(In = 6, Out = 5, Activation = Activation.ReLU)] public partial class Hidden { }
            [Dense(In = 5, Out = 2)] public partial class Output { }
        }
        """;

    private static void Verify(
        string source, bool allowUnsafe = false, LanguageVersion version = LanguageVersion.Latest, [CallerMemberName] string testMethod = "")
    {
        // Documentation comments are checked too, as in a user project with GenerateDocumentationFile.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([source], version, documentation: DocumentationMode.Diagnose);
        compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(allowUnsafe));
        (GeneratorRunResult result, Compilation output) = GeneratorHarness.Run(compilation);
        Assert.Null(result.Exception);
        // The user's own undocumented types may draw CS1591; nothing may come from the generated files.
        Assert.Empty(GeneratorHarness.AllDiagnostics(result, output).Where(d => d.Id != "CS1591" || d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
        // One snapshot per generated file, as Verify writes them: a deterministic layer adds its assembly's module initializer.
        Assert.NotEmpty(result.GeneratedSources);
        foreach (GeneratedSourceResult generated in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
            Snapshot.VerifySource(generated.SourceText.ToString(), generated.HintName, nameof(SnapshotTests), testMethod);
    }
}
