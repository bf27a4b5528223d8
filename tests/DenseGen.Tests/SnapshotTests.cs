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
        GeneratedSourceResult generated = Assert.Single(result.GeneratedSources);
        Snapshot.VerifySource(generated.SourceText.ToString(), generated.HintName, nameof(SnapshotTests), testMethod);
    }
}
