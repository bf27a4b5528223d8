using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using DenseGen.Generator;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace DenseGen.Tests.Import;

/// <summary>
/// <c>[Sequential(Weights = ...)]</c>: the generator reads the weight file's text form at compile time (as the
/// package's build files hand it over), checks it against the layers with the runtime's readers, and compiles the
/// weights in; a missing, corrupt or mismatched file is one specific error at the attribute.
/// </summary>
public class BakedWeightsTests
{
    private const string Network = """
        using DenseGen;

        [Dense(In = 5, Out = 7, Activation = Activation.ReLU)] public partial class L0;
        [Dense(In = 7, Out = 4, Activation = Activation.Tanh)] public partial class L2;
        [Dense(In = 4, Out = 3)] public partial class L4;

        [Sequential(MaxBatch = 4, Weights = "WEIGHTS")]
        public partial class Baked
        {
            [TensorName("0")] public readonly L0 First = new();
            [TensorName("2")] public readonly L2 Second = new();
            [TensorName("4")] public readonly L4 Third = new();
        }
        """;

    /// <summary>The text form the package's build files write: a line naming the file, then base64.</summary>
    internal sealed class WeightsAdditionalText(string path, string name, byte[] bytes) : AdditionalText
    {
        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) =>
            SourceText.From("densegen-weights " + name + "\n" + Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\n");
    }

    private static (GeneratorRunResult Result, Compilation Output) Run(string weights, params AdditionalText[] files) =>
        RunSource(Network.Replace("WEIGHTS", weights), files);

    private static (GeneratorRunResult Result, Compilation Output) RunSource(string source, AdditionalText[] files)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().AddAdditionalTexts([.. files])
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    private static WeightsAdditionalText Fixture(string name, string asNamed) =>
        new("/project/obj/densegen/" + name + ".densegen-weights", asNamed, File.ReadAllBytes(OnnxImportTests.Fixture(name)));

    [Theory]
    [InlineData("mlp.safetensors")]
    [InlineData("mlp.opset17.onnx")]
    [InlineData("mlp.helper.onnx")]
    public void TheNetworkStartsWithTheFilesWeights(string file)
    {
        (GeneratorRunResult result, Compilation output) = Run("models/" + file, Fixture(file, "models/" + file));
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        object network = Activator.CreateInstance(Load(output).GetType("Baked", throwOnError: true)!)!;

        var expected = new TorchMlp();
        expected.Load(OnnxImportTests.Fixture("mlp.safetensors"));
        var trainable = (ITrainable<float>)network;
        for (int i = 0; i < trainable.ParameterTensorCount; i++)
            Assert.True(((ITrainable<float>)expected).ParameterTensor(i).SequenceEqual(trainable.ParameterTensor(i)), trainable.ParameterTensorName(i) + " differs");

        // LoadBakedWeights puts them back after training or loading changed them.
        trainable.ParameterTensor(0).Fill(0);
        network.GetType().GetMethod("LoadBakedWeights")!.Invoke(network, null);
        Assert.True(((ITrainable<float>)expected).ParameterTensor(0).SequenceEqual(trainable.ParameterTensor(0)));
    }

    /// <summary>
    /// A PyTorch module with a GRU (tools/make-sequence-network-fixtures.py) bakes into a network of sequences from its
    /// state dict by its names, without the initial state PyTorch's modules do not have (it starts at zero), and from its
    /// <c>torch.onnx.export</c> (its zero state computed from the input's shape): Forward gives the bits of the network
    /// loaded from the state dict.
    /// </summary>
    [Theory]
    [InlineData("network_gru.safetensors")]
    [InlineData("network_gru.onnx")]
    public void ARecurrentModuleBakesIn(string file)
    {
        string source = $$"""
            using DenseGen;

            [Dense(In = 3, Out = 6, Trainable = false)] public partial class Features;
            [Gru(In = 6, Hidden = 8, MaxBatch = 2, Trainable = false)] public partial class Rec;
            [Dense(In = 8, Out = 2, Trainable = false)] public partial class Head;

            [Sequential(MaxSteps = 20, Weights = "{{file}}")]
            public partial class Baked
            {
                public readonly Features Features = new();
                public readonly Rec Rec = new();
                public readonly Head Head = new();
            }
            """;
        string folder = DenseGen.Tests.RecurrentLayers.SequenceNetworkTests.FixtureFolder;
        (GeneratorRunResult result, Compilation output) = RunSource(source, [new WeightsAdditionalText("/project/obj/densegen/network_gru.densegen-weights", file, File.ReadAllBytes(Path.Combine(folder, file)))]);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Type type = Load(output).GetType("Baked", throwOnError: true)!;
        object baked = Activator.CreateInstance(type)!;
        var loaded = new DenseGen.Tests.RecurrentLayers.TorchGruNetFloat();
        loaded.Load(Path.Combine(folder, "network_gru.safetensors"));
        var x = new float[2 * 20 * 3];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)Math.Sin(i);
        var y = new float[2 * 20 * 2];
        var forward = type.GetMethod("Forward", [typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(int)])!;
        // Reflection cannot pass spans; the delegate takes them.
        var run = (ForwardSteps)Delegate.CreateDelegate(typeof(ForwardSteps), baked, forward);
        run(x, y, 20);
        var expected = new float[y.Length];
        loaded.Forward(x, expected, 20);
        // The same declarations compile to the same code: the same weights give the same bits.
        Assert.Equal(expected, y);
        Assert.Contains(y, value => value != 0);
    }

    private delegate void ForwardSteps(ReadOnlySpan<float> input, Span<float> output, int steps);

    /// <summary>An nn.SiLU() model's Sigmoid-and-Mul export bakes in through the generator's copy of the ONNX mapping.</summary>
    [Fact]
    public void ASiLUModelBakesIn()
    {
        const string source = """
            using DenseGen;

            [Dense(In = 6, Out = 5, Activation = Activation.SiLU)] public partial class S0;
            [Dense(In = 5, Out = 4, Activation = Activation.SiLU)] public partial class S2;
            [Dense(In = 4, Out = 2)] public partial class S4;

            [Sequential(MaxBatch = 4, Weights = "silu.opset17.onnx")]
            public partial class BakedSiLU
            {
                [TensorName("0")] public readonly S0 First = new();
                [TensorName("2")] public readonly S2 Second = new();
                [TensorName("4")] public readonly S4 Third = new();
            }
            """;
        (GeneratorRunResult result, Compilation output) = RunSource(source, [Fixture("silu.opset17.onnx", "silu.opset17.onnx")]);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        var network = (ITrainable<float>)Activator.CreateInstance(Load(output).GetType("BakedSiLU", throwOnError: true)!)!;
        var expected = new TorchSiLU();
        expected.Load(OnnxImportTests.Fixture("silu.safetensors"));
        for (int i = 0; i < network.ParameterTensorCount; i++)
            Assert.True(((ITrainable<float>)expected).ParameterTensor(i).SequenceEqual(network.ParameterTensor(i)), network.ParameterTensorName(i) + " differs");
    }

    /// <summary>An nn.ELU() model's Elu export and state dict bake in through the generator's copy of the readers and the activation table.</summary>
    [Theory]
    [InlineData("elu.safetensors")]
    [InlineData("elu.opset17.onnx")]
    public void AnELUModelBakesIn(string file)
    {
        const string source = """
            using DenseGen;

            [Dense(In = 6, Out = 5, Activation = Activation.ELU)] public partial class E0;
            [Dense(In = 5, Out = 4, Activation = Activation.ELU)] public partial class E2;
            [Dense(In = 4, Out = 2)] public partial class E4;

            [Sequential(MaxBatch = 4, Weights = "WEIGHTS")]
            public partial class BakedElu
            {
                [TensorName("0")] public readonly E0 First = new();
                [TensorName("2")] public readonly E2 Second = new();
                [TensorName("4")] public readonly E4 Third = new();
            }
            """;
        (GeneratorRunResult result, Compilation output) = RunSource(source.Replace("WEIGHTS", file), [Fixture(file, file)]);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        var network = (ITrainable<float>)Activator.CreateInstance(Load(output).GetType("BakedElu", throwOnError: true)!)!;
        var expected = new TorchElu();
        expected.Load(OnnxImportTests.Fixture("elu.safetensors"));
        for (int i = 0; i < network.ParameterTensorCount; i++)
            Assert.True(((ITrainable<float>)expected).ParameterTensor(i).SequenceEqual(network.ParameterTensor(i)), network.ParameterTensorName(i) + " differs");
    }

    /// <summary>
    /// An nn.LeakyReLU(0.2) model bakes into layers of NegativeSlope = 0.2 through the generator's copy of the readers
    /// (the LeakyRelu's alpha checked against the layer's own slope), and the same sizes at the default slope are one
    /// DG0030 naming the alpha.
    /// </summary>
    [Theory]
    [InlineData("leaky02.safetensors", "0.2")]
    [InlineData("leaky02.opset17.onnx", "0.2")]
    [InlineData("leaky02.opset17.onnx", "0.01")]
    public void ALeakyReLUModelBakesIntoLayersOfItsSlope(string file, string slope)
    {
        const string source = """
            using DenseGen;

            [Dense(In = 5, Out = 7, Activation = Activation.LeakyReLU, NegativeSlope = SLOPE)] public partial class L0;
            [Dense(In = 7, Out = 4, Activation = Activation.Tanh)] public partial class L2;
            [Dense(In = 4, Out = 3)] public partial class L4;

            [Sequential(MaxBatch = 4, Weights = "WEIGHTS")]
            public partial class BakedLeaky
            {
                [TensorName("0")] public readonly L0 First = new();
                [TensorName("2")] public readonly L2 Second = new();
                [TensorName("4")] public readonly L4 Third = new();
            }
            """;
        (GeneratorRunResult result, Compilation output) = RunSource(source.Replace("WEIGHTS", file).Replace("SLOPE", slope), [Fixture(file, file)]);
        Assert.Null(result.Exception);
        if (slope == "0.01")
        {
            Diagnostic error = Assert.Single(result.Diagnostics);
            Assert.Equal("DG0030", error.Id);
            Assert.Contains("(LeakyRelu) has alpha 0.2; DenseGen's leaky ReLU has slope 0.01", error.GetMessage(), StringComparison.Ordinal);
            return;
        }
        Assert.Empty(result.Diagnostics);
        var network = (ITrainable<float>)Activator.CreateInstance(Load(output).GetType("BakedLeaky", throwOnError: true)!)!;
        var expected = new TorchLeaky02();
        expected.Load(OnnxImportTests.Fixture("leaky02.safetensors"));
        for (int i = 0; i < network.ParameterTensorCount; i++)
            Assert.True(((ITrainable<float>)expected).ParameterTensor(i).SequenceEqual(network.ParameterTensor(i)), network.ParameterTensorName(i) + " differs");
    }

    [Fact]
    public void TheGeneratedSourceIsTheSameOnEveryRun()
    {
        string Source() => Run("mlp.safetensors", Fixture("mlp.safetensors", "mlp.safetensors")).Result.GeneratedSources
            .Single(s => s.HintName.EndsWith(".Sequential.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Equal(Source(), Source());
    }

    public static TheoryData<string, string, string, string> BadFiles() => new()
    {
        // weights named, file handed over as, bytes from, expected message
        { "missing.safetensors", "mlp.safetensors", "mlp.safetensors", "DG0029: 'Baked' bakes in the weights of 'missing.safetensors', but the compiler was given no file 'missing.safetensors'" },
        { "mlp.safetensors", "mlp.safetensors", "matmul.expected.safetensors", "DG0030: 'Baked' cannot bake in its weights: mlp.safetensors: tensor '0.weight' is missing" },
        { "mlp.onnx", "mlp.onnx", "matmul.opset17.onnx", "DG0030: 'Baked' cannot bake in its weights: mlp.onnx: node '/1/MatMul' (MatMul) is a 6→8 layer; the network's layer 0 ('0') is 5→7" },
        { "mlp.onnx", "mlp.onnx", "leaky02.opset13.onnx", "DG0030: 'Baked' cannot bake in its weights: mlp.onnx: node '/1/LeakyRelu' (LeakyRelu) has alpha 0.2" },
        { "mlp.onnx", "mlp.onnx", "mlp.safetensors", "DG0030: 'Baked' cannot bake in its weights: mlp.onnx: the data is not an ONNX model; it looks like a safetensors file (an 8-byte header length, then a JSON header): a weight file is read as safetensors when its name ends in .safetensors" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadFileIsOneErrorAtTheAttributeAndNothingIsGenerated(string weights, string handedOverAs, string bytesFrom, string message)
    {
        (GeneratorRunResult result, _) = Run(weights, Fixture(bytesFrom, handedOverAs));
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.StartsWith(message, error.Id + ": " + error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        // At the Weights argument of the attribute.
        Assert.StartsWith("Weights = ", Network.Replace("WEIGHTS", weights).Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.Contains("Baked", StringComparison.Ordinal));
    }

    /// <summary>
    /// A network of deterministic layers carries one more value in its spec (that it turns the deterministic mode on),
    /// which the generator clears to find the parsed declaration's Weights argument: the error must still land there.
    /// </summary>
    [Fact]
    public void ADeterministicNetworksMissingFileIsReportedAtItsWeightsArgument()
    {
        string source = Network.Replace("WEIGHTS", "missing.safetensors").Replace(")] public partial class L", ", Deterministic = true)] public partial class L");
        (GeneratorRunResult result, _) = RunSource(source, [Fixture("mlp.safetensors", "mlp.safetensors")]);
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0029", error.Id);
        Assert.StartsWith("Weights = ", source.Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
    }

    public static TheoryData<string, string[], string[]> NamesNotFound() => new()
    {
        // Weights = , files handed over as (all with the bytes of mlp.safetensors), what DG0029's message must say
        { "", ["mlp.safetensors"], ["the name is empty", "set Weights to the path of a .safetensors or .onnx file from the project directory"] },
        { "mlp.pt", ["mlp.safetensors"], ["that is not a .safetensors or .onnx file", "only those are handed to the generator"] },
        { "/home/me/app/models/mlp.safetensors", ["models/mlp.safetensors", "mlp.safetensors"],
            ["that is an absolute path", "Weights takes a path relative to the project directory", "write Weights = \"models/mlp.safetensors\""] },
        { "C:/src/app/models/mlp.safetensors", ["models/mlp.safetensors"], ["absolute path", "write Weights = \"models/mlp.safetensors\""] },
        { "/elsewhere/mlp.onnx", ["mlp.safetensors"], ["absolute path", "put the file in the project's directory tree", "only the project's .safetensors and .onnx files"] },
        // A file name alone does not find the file in a folder: the message gives its path.
        { "mlp.safetensors", ["models/mlp.safetensors"],
            ["the compiler was given no file 'mlp.safetensors'", "only the project's .safetensors and .onnx files", "None, Content and EmbeddedResource items",
             "the project has 'models/mlp.safetensors': write Weights = \"models/mlp.safetensors\""] },
        { "Models/MLP.safetensors", ["models/mlp.safetensors"], ["write Weights = \"models/mlp.safetensors\""] },
        // Two files of that name in other folders: both named, neither taken.
        { "mlp.safetensors", ["a/mlp.safetensors", "b/mlp.safetensors"], ["files of that name at 'a/mlp.safetensors' and 'b/mlp.safetensors'", "write the path of the one you mean"] },
        // Two text forms of one name (two items with one Link, or two Unity files): both named, by their own paths.
        { "mlp.safetensors", ["mlp.safetensors", "mlp.safetensors"], ["2 files named 'mlp.safetensors'", "'/project/obj/densegen/0.densegen-weights' and '/project/obj/densegen/1.densegen-weights'"] },
        { "missing.safetensors", ["mlp.safetensors", "x.onnx"], ["no file 'missing.safetensors'", "it was given 'mlp.safetensors', 'x.onnx'"] },
        { "missing.safetensors", [], ["no file 'missing.safetensors'", "no weight file at all", "DenseGenBakeWeights"] },
    };

    /// <summary>Each way of naming no (single) file says what is wrong and what to write instead, as one DG0029 at the attribute.</summary>
    [Theory]
    [MemberData(nameof(NamesNotFound))]
    public void ANameThatFindsNoSingleFileSaysWhatIsWrongAndWhatToWrite(string weights, string[] handedOverAs, string[] expected)
    {
        byte[] bytes = File.ReadAllBytes(OnnxImportTests.Fixture("mlp.safetensors"));
        AdditionalText[] files = handedOverAs.Select((name, i) => new WeightsAdditionalText($"/project/obj/densegen/{i}.densegen-weights", name, bytes)).ToArray();
        (GeneratorRunResult result, _) = Run(weights, files);
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0029", error.Id);
        string message = error.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string words in expected)
            Assert.Contains(words, message, StringComparison.Ordinal);
        Assert.StartsWith("Weights = ", Network.Replace("WEIGHTS", weights).Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.Contains("Baked", StringComparison.Ordinal));
    }

    /// <summary>Back slashes and a leading "./" name the same file as the build files' forward-slashed path.</summary>
    [Theory]
    [InlineData("./models/mlp.safetensors")]
    [InlineData("models\\\\mlp.safetensors")]
    public void SpellingsOfTheSamePathFindTheFile(string weights)
    {
        (GeneratorRunResult result, _) = Run(weights, Fixture("mlp.safetensors", "models/mlp.safetensors"));
        Assert.Empty(result.Diagnostics);
        Assert.Contains(result.GeneratedSources, s => s.HintName.Contains("Baked", StringComparison.Ordinal));
    }

    /// <summary>
    /// The generator given mutants of both formats (the loaders' fuzzers' mutations): each one bakes, or draws exactly
    /// one DG0030 naming the file, never DG0010 and never an exception into the compiler.
    /// </summary>
    [Fact]
    [Trait("Category", "Integration")]
    public void EveryMutantBakesOrIsOneSpecificError()
    {
        byte[] safetensors = File.ReadAllBytes(OnnxImportTests.Fixture("mlp.safetensors"));
        byte[] onnx = File.ReadAllBytes(OnnxImportTests.Fixture("mlp.opset17.onnx"));
        CSharpCompilation stCompilation = GeneratorHarness.CreateCompilation(Network.Replace("WEIGHTS", "mlp.safetensors"));
        CSharpCompilation onnxCompilation = GeneratorHarness.CreateCompilation(Network.Replace("WEIGHTS", "mlp.onnx"));
        int baked = 0, refused = 0;
        for (int i = 0; i < 300; i++)
        {
            bool isOnnx = i % 2 == 1;
            byte[] mutant = isOnnx ? OnnxMutator.Mutate(onnx, i, 7).Bytes : SafeTensorsMutator.Mutate(safetensors, i, 7).Bytes;
            string name = isOnnx ? "mlp.onnx" : "mlp.safetensors";
            GeneratorRunResult result = GeneratorHarness.CreateDriver()
                .AddAdditionalTexts([new WeightsAdditionalText("/p/" + name + ".densegen-weights", name, mutant)])
                .RunGenerators(isOnnx ? onnxCompilation : stCompilation).GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            if (result.Diagnostics.IsEmpty)
            {
                baked++;
                continue;
            }
            Diagnostic error = Assert.Single(result.Diagnostics);
            Assert.True(error.Id == "DG0030", $"mutant {i}: {error}");
            Assert.Contains(name + ": ", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            refused++;
        }
        Assert.True(baked > 0 && refused > 0, $"{baked} baked, {refused} refused");
    }

    [Fact]
    public void ANetworkThatDeclaresItsOwnParameterlessConstructorIsRefused()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            Network.Replace("WEIGHTS", "mlp.safetensors").Replace("[TensorName(\"0\")]", "public Baked() { } [TensorName(\"0\")]"));
        GeneratorRunResult result = GeneratorHarness.CreateDriver().AddAdditionalTexts([Fixture("mlp.safetensors", "mlp.safetensors")])
            .RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Equal("DG0031", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void ATruncatedFileIsOneSpecificErrorNamingTheProblem()
    {
        byte[] bytes = File.ReadAllBytes(OnnxImportTests.Fixture("mlp.safetensors"));
        (GeneratorRunResult result, _) = Run("mlp.safetensors", new WeightsAdditionalText("/p/mlp.densegen-weights", "mlp.safetensors", bytes[..(bytes.Length - 5)]));
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0030", error.Id);
        Assert.Contains("it is truncated", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ATruncatedOnnxFileIsOneErrorSayingSo()
    {
        byte[] bytes = File.ReadAllBytes(OnnxImportTests.Fixture("mlp.opset17.onnx"));
        (GeneratorRunResult result, _) = Run("mlp.onnx", new WeightsAdditionalText("/p/mlp.densegen-weights", "mlp.onnx", bytes[..(bytes.Length / 2)]));
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0030", error.Id);
        Assert.Contains("the file is truncated or corrupt", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void EditsThatDoNotTouchTheFileOrTheNetworkLeaveTheBakedWeightsCached()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Network.Replace("WEIGHTS", "mlp.safetensors"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).AddAdditionalTexts([Fixture("mlp.safetensors", "mlp.safetensors")]);
        driver = driver.RunGenerators(compilation);
        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { }", GeneratorHarness.ParseOptions()));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in new[] { DenseGenerator.TrackingNames.WeightFiles, DenseGenerator.TrackingNames.BakedNetworks })
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs),
                output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
        }
    }

    private const string LargeNetwork = """
        using DenseGen;

        [Dense(In = 1024, Out = 1024, Activation = Activation.ReLU)] public partial class Wide;
        [Dense(In = 1024, Out = 10)] public partial class Head;

        [Sequential(Weights = "large.safetensors")]
        public partial class Large
        {
            [TensorName("0")] public readonly Wide Hidden = new();
            [TensorName("2")] public readonly Head Output = new();
        }

        public class Neighbour { }
        """;

    /// <summary>A float32 safetensors file for <see cref="LargeNetwork"/>: 1,059,850 weights, about 4.2 MB.</summary>
    private static byte[] LargeWeights()
    {
        (string Name, int[] Shape)[] tensors = [("0.weight", [1024, 1024]), ("0.bias", [1024]), ("2.weight", [10, 1024]), ("2.bias", [10])];
        var header = new System.Text.StringBuilder("{");
        long offset = 0;
        foreach ((string name, int[] shape) in tensors)
        {
            long size = 4L * shape.Aggregate(1, (a, b) => a * b);
            header.Append(header.Length > 1 ? "," : "")
                .Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + size}]}}");
            offset += size;
        }
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.Append('}').ToString());
        byte[] file = new byte[8 + json.Length + offset];
        BitConverter.GetBytes((long)json.Length).CopyTo(file, 0);
        json.CopyTo(file, 8);
        var random = new Random(22);
        for (int at = 8 + json.Length; at < file.Length; at += 4)
            BitConverter.GetBytes((float)(random.NextDouble() - 0.5) / 32).CopyTo(file, at);
        return file;
    }

    private static void AssertSteps(GeneratorRunResult result, string step, params IncrementalStepRunReason[] allowed)
    {
        (object, IncrementalStepRunReason)[] outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToArray();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.True(allowed.Contains(output.Item2), $"{step}: {output.Item2}"));
    }

    [Fact]
    public void AnUnrelatedEditLeavesALargeBakedModelCachedAndHashesNoBytes()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(LargeNetwork);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true)
            .AddAdditionalTexts([new WeightsAdditionalText("/project/obj/densegen/large.densegen-weights", "large.safetensors", LargeWeights())]);
        int hashes = Generator.Networks.WeightBytes.HashesOnThisThread;
        driver = driver.RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Empty(first.Diagnostics);
        Assert.Contains(first.GeneratedSources, source => source.HintName.StartsWith("Large.", StringComparison.Ordinal));
        // The counter sees the generator's work on this thread: the file hashed once when decoded, the weights once when baked.
        Assert.Equal(2, Generator.Networks.WeightBytes.HashesOnThisThread - hashes);

        // One edit in another file, one in the network's own file that leaves the network alone.
        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { }", GeneratorHarness.ParseOptions()));
        SyntaxTree own = edited.SyntaxTrees.First();
        edited = edited.ReplaceSyntaxTree(own, own.WithChangedText(SourceText.From(LargeNetwork.Replace("Neighbour { }", "Neighbour { public int Count; }"))));
        hashes = Generator.Networks.WeightBytes.HashesOnThisThread;
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(0, Generator.Networks.WeightBytes.HashesOnThisThread - hashes);
        foreach (string step in new[] { DenseGenerator.TrackingNames.WeightFiles, DenseGenerator.TrackingNames.FoundWeights, DenseGenerator.TrackingNames.BakedNetworks })
            AssertSteps(result, step, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.All(result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(s => s.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void ChangingAnotherWeightFileFindsALargeModelsFileAgainWithoutBakingOrHashingIt()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(LargeNetwork);
        WeightsAdditionalText other = Fixture("mlp.safetensors", "mlp.safetensors");
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true)
            .AddAdditionalTexts([new WeightsAdditionalText("/project/obj/densegen/large.densegen-weights", "large.safetensors", LargeWeights()), other])
            .RunGenerators(compilation);
        byte[] changed = File.ReadAllBytes(OnnxImportTests.Fixture("mlp.safetensors"));
        changed[^1] ^= 1;
        int hashes = Generator.Networks.WeightBytes.HashesOnThisThread;
        GeneratorRunResult result = driver
            .ReplaceAdditionalText(other, new WeightsAdditionalText(other.Path, "mlp.safetensors", changed))
            .RunGenerators(compilation).GetRunResult().Results.Single();

        // Only the changed file is decoded and hashed; the large network finds its file again, equal by length and hash.
        Assert.Equal(1, Generator.Networks.WeightBytes.HashesOnThisThread - hashes);
        Assert.Contains(result.TrackedSteps[DenseGenerator.TrackingNames.WeightFiles].SelectMany(s => s.Outputs), output => output.Reason == IncrementalStepRunReason.Modified);
        AssertSteps(result, DenseGenerator.TrackingNames.FoundWeights, IncrementalStepRunReason.Unchanged);
        AssertSteps(result, DenseGenerator.TrackingNames.BakedNetworks, IncrementalStepRunReason.Cached);
    }

    /// <summary>
    /// The baked literal holds every 16-bit value and reads back unchanged: each of the 65,536 characters, in order and
    /// then in reverse (so lone surrogates of both halves, pairs in both orders, the characters that end a line, the quote
    /// and the back slash all occur), compiled as a baked property and copied out with CopyBaked. The source goes through
    /// strict UTF-8 and back first, as generated files written to disk do: a raw lone surrogate would not survive it. It
    /// compiles without a diagnostic of any severity, and every character that need not be escaped is written as itself.
    /// </summary>
    [Fact]
    public void TheBakedLiteralRoundTripsEvery16BitValue()
    {
        byte[] data = new byte[4 * 65536];
        for (int c = 0; c < 65536; c++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * c), (ushort)c);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(data.Length - 2 - 2 * c), (ushort)c);
        }
        string literal = Generator.Networks.NetworkEmitter.BakedLiteral(data, 0, data.Length);
        foreach (char mustEscape in "\"\\\n\r\u0085\u2028\u2029\uD800\uDBFF\uDC00\uDFFF")
            Assert.True(Generator.Networks.NetworkEmitter.MustEscape(mustEscape), $"U+{(int)mustEscape:X4} is not escaped");
        int escaped = Enumerable.Range(0, 65536).Count(c => Generator.Networks.NetworkEmitter.MustEscape((char)c));
        Assert.Equal(2 + 2 * (65536 + 5 * escaped), literal.Length);

        string source = $$"""
            public static class Baked
            {
                private static string Data => {{literal}};

                public static byte[] Read()
                {
                    byte[] bytes = new byte[{{data.Length}}];
                    global::DenseGen.CompilerServices.NetworkFile.CopyBaked<byte>(global::System.MemoryExtensions.AsSpan(Data), bytes);
                    return bytes;
                }
            }
            """;
        var utf8 = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        source = utf8.GetString(utf8.GetBytes(source));
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
        Assert.Empty(compilation.GetDiagnostics());
        byte[] read = (byte[])Load(compilation).GetType("Baked", throwOnError: true)!.GetMethod("Read")!.Invoke(null, null)!;
        Assert.Equal(data, read);
    }

    private static Assembly Load(Compilation output)
    {
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return new System.Runtime.Loader.AssemblyLoadContext("Baked", isCollectible: true).LoadFromStream(new MemoryStream(image.ToArray()));
    }
}
