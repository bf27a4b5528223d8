using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Roslyn43Tests;

/// <summary>
/// The generator under the oldest Roslyn it supports, 4.3.1 (the first with ForAttributeWithMetadataName, and the
/// one Unity 6 ships): it must load, run its whole pipeline and never throw. That Roslyn knows C# 10 (11 as preview),
/// short of the C# 12 the full output needs, so it gets the portable output, which must compile there and compute
/// the layer; below C# 9 it gets the clear DG0009 error.
/// </summary>
public class RoslynFloorTests
{
    private const string ClassLayer = """
        using DenseGen;
        [Dense(In = 19, Out = 3)]
        public partial class Hidden { }
        """;

    private const string Network = """
        using DenseGen;

        [Dense(In = 19, Out = 5, Activation = Activation.Tanh)]
        public partial class First { }

        [Dense(In = 5, Out = 3)]
        public partial class Second { }

        [Sequential(MaxBatch = 2)]
        public partial class Net
        {
            public readonly First First = new First();
            public readonly Second Second = new Second();
        }
        """;

    [Theory]
    [InlineData(LanguageVersion.CSharp9)]
    [InlineData(LanguageVersion.Latest)]
    [InlineData(LanguageVersion.Preview)]
    public void PortableNetworkCompilesAndIsItsLayersInOrder(LanguageVersion version)
    {
        (GeneratorRunResult result, Compilation output) = Run(Network, version);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Contains(result.GeneratedSources, s => s.HintName == "Net.Sequential.g.cs");

        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        Type type = Assembly.Load(image.ToArray()).GetType("Net", throwOnError: true)!;
        object network = Activator.CreateInstance(type)!;
        type.GetMethod("Initialize")!.Invoke(network, [11UL, Initialization.PyTorchDefault]);
        var first = (IActivatedDenseLayer<float>)type.GetField("First")!.GetValue(network)!;
        var second = (IDenseLayer<float>)type.GetField("Second")!.GetValue(network)!;

        // Three samples: two chunks of MaxBatch = 2. The network must give exactly what its layers give called in order.
        var random = new Random(12);
        float[] x = new float[3 * 19], y = new float[3 * 3], hidden = new float[3 * 5], expected = new float[3 * 3];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() - 0.5);
        ((ITrainableModule<float>)network).Forward(x, y);
        first.Forward(x, hidden);
        second.Forward(hidden, expected);
        Assert.Equal(expected, y);
    }

    [Fact]
    public void ThisIsRoslyn43()
    {
        Assert.Equal(new Version(4, 3, 0, 0), typeof(CSharpCompilation).Assembly.GetName().Version);
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp9)]
    [InlineData(LanguageVersion.Latest)]
    [InlineData(LanguageVersion.Preview)]
    public void PortableOutputCompilesAndComputesTheLayer(LanguageVersion version)
    {
        (GeneratorRunResult result, Compilation output) = Run(ClassLayer, version);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Contains("__DenseForwardPortable", Assert.Single(result.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);

        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var layer = (IDenseLayer<float>)Activator.CreateInstance(Assembly.Load(image.ToArray()).GetType("Hidden", throwOnError: true)!)!;

        // y = W x + b for one sample, against a double reference within γ(In + 1)·Σ|terms| (Higham 3.5).
        var random = new Random(5);
        float[] x = new float[19], y = new float[3];
        for (int i = 0; i < layer.Weights.Length; i++) layer.Weights[i] = (float)(random.NextDouble() - 0.5);
        for (int i = 0; i < 3; i++) layer.Bias[i] = (float)(random.NextDouble() - 0.5);
        for (int i = 0; i < 19; i++) x[i] = (float)(random.NextDouble() - 0.5);
        layer.Forward(x, y);
        double u = Math.Pow(2, -24), gamma = 20 * u / (1 - 20 * u);
        for (int o = 0; o < 3; o++)
        {
            double sum = layer.Bias[o], magnitude = Math.Abs(layer.Bias[o]);
            for (int i = 0; i < 19; i++)
            {
                double term = (double)layer.Weights[o * 19 + i] * x[i];
                sum += term;
                magnitude += Math.Abs(term);
            }
            Assert.InRange(Math.Abs(y[o] - sum), 0, gamma * magnitude);
        }
    }

    [Fact]
    public void BelowCSharp9TheGeneratorExplainsWhatIsMissing()
    {
        (GeneratorRunResult result, _) = Run(ClassLayer, LanguageVersion.CSharp8);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0009", diagnostic.Id);
        Assert.Contains("C# 9 or later (this project compiles as C# 8)", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void StructLayersAskForAClass()
    {
        (GeneratorRunResult result, _) = Run("""
            using DenseGen;
            [Dense(In = 3, Out = 2)]
            public partial struct Tiny { }
            """, LanguageVersion.Preview);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0015", diagnostic.Id);
        Assert.Contains("C# 12 or later (this project compiles as the preview of C# 11,", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratorIgnoresCodeWithoutLayers()
    {
        (GeneratorRunResult result, _) = Run("public class Plain { }", LanguageVersion.Latest);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Assert.Empty(result.Diagnostics);
    }

    /// <summary>
    /// Baked weights in Unity's setting: Roslyn 4.3, C# 9, portable output, the weight file's text form handed over as
    /// Unity does (<c>{name}.DenseGen.Generator.additionalfile</c>). The readers compiled into the generator run there,
    /// and the network starts with the file's weights.
    /// </summary>
    [Fact]
    public void APortableNetworkBakesItsWeightsUnderRoslyn43()
    {
        const string source = """
            using DenseGen;
            [Dense(In = 5, Out = 7, Activation = Activation.ReLU)] public partial class L0 { }
            [Dense(In = 7, Out = 4, Activation = Activation.Tanh)] public partial class L2 { }
            [Dense(In = 4, Out = 3)] public partial class L4 { }

            [Sequential(MaxBatch = 2, Weights = "mlp.safetensors")]
            public partial class Baked
            {
                [TensorName("0")] public readonly L0 First = new L0();
                [TensorName("2")] public readonly L2 Second = new L2();
                [TensorName("4")] public readonly L4 Third = new L4();
            }
            """;
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DenseGen.sln")))
            root = Path.GetDirectoryName(root)!;
        string file = Path.Combine(root, "tests", "DenseGen.Tests", "Fixtures", "torch", "mlp.safetensors");
        byte[] bytes = File.ReadAllBytes(file);
        var text = new UnityAdditionalText("/Assets/mlp.DenseGen.Generator.additionalfile",
            "densegen-weights mlp.safetensors\n" + Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\n");

        (GeneratorRunResult result, Compilation output) = Run(source, LanguageVersion.CSharp9, text);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        object network = Activator.CreateInstance(Assembly.Load(image.ToArray()).GetType("Baked", throwOnError: true)!)!;
        var trainable = (ITrainable<float>)network;
        SafeTensorsFile expected = SafeTensorsFile.Read(file);
        for (int i = 0; i < trainable.ParameterTensorCount; i++)
        {
            var values = new float[trainable.ParameterTensor(i).Length];
            expected.CopyTo(trainable.ParameterTensorName(i), values.AsSpan());
            Assert.True(values.AsSpan().SequenceEqual(trainable.ParameterTensor(i)), trainable.ParameterTensorName(i));
        }
    }

    private sealed class UnityAdditionalText(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }

    private static (GeneratorRunResult Result, Compilation Output) Run(string source, LanguageVersion version, params AdditionalText[] additionalTexts)
    {
        // The running .NET's own assemblies as references, and the DenseGen runtime for [Dense].
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = platform.Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(DenseAttribute).Assembly.Location))
            .ToArray();
        var parseOptions = new CSharpParseOptions(version);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Consumer",
            [CSharpSyntaxTree.ParseText(source, parseOptions)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new DenseGenerator().AsSourceGenerator()], additionalTexts: additionalTexts, parseOptions: parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }
}
