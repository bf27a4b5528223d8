using System;
using System.IO;
using System.Linq;
using System.Text;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Networks;
using Xunit;

namespace DenseGen.Tests.Import;

/// <summary>
/// Models made by PyTorch itself (tools/make-torch-fixtures.py; the files are committed): its safetensors state dict
/// and its <c>torch.onnx.export</c> at opsets 9, 13 and 17 (Gemm), a MatMul + Add export behind a Flatten, and the
/// same weights written with onnx.helper in other exporters' forms, loaded into DenseGen networks and run against
/// PyTorch's recorded outputs and input gradients.
/// </summary>
public class OnnxImportTests
{
    internal static string Fixture(string name) => Path.Combine(Repository.Root(), "tests", "DenseGen.Tests", "Fixtures", "torch", name);

    public static TheoryData<string> MlpModels() => ["mlp.opset9.onnx", "mlp.opset13.onnx", "mlp.opset17.onnx", "mlp.helper.onnx"];

    [Theory]
    [MemberData(nameof(MlpModels))]
    public void EveryExportOfTheModelLoadsTheWeightsOfItsStateDict(string model)
    {
        var fromStateDict = new TorchMlp();
        fromStateDict.Load(Fixture("mlp.safetensors"));
        var fromOnnx = new TorchMlp();
        fromOnnx.LoadOnnx(Fixture(model));
        // The same float32 values, whichever way the file stores them (Gemm transB 1 or 0, raw or float data).
        AssertSameParameters(fromStateDict, fromOnnx);

        var fromStream = new TorchMlp();
        using (FileStream stream = File.OpenRead(Fixture(model)))
            fromStream.LoadOnnx(stream);
        AssertSameParameters(fromStateDict, fromStream);
        var fromBytes = new TorchMlp();
        fromBytes.LoadOnnx(File.ReadAllBytes(Fixture(model)));
        AssertSameParameters(fromStateDict, fromBytes);

        // Into double layers the float32 weights load exactly.
        var wide = new TorchMlpDouble();
        wide.LoadOnnx(Fixture(model));
        Assert.Equal(fromStateDict.Second.Weights.ToArray().Select(w => (double)w), wide.Second.Weights.ToArray());
    }

    [Fact]
    public void TheMlpMatchesPyTorchWithinTheFloatBound()
    {
        var network = new TorchMlp();
        network.LoadOnnx(Fixture("mlp.opset17.onnx"));
        AssertMatchesPyTorch(network, "mlp", [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)]);
    }

    [Theory]
    [InlineData("matmul.opset9.onnx")]
    [InlineData("matmul.opset17.onnx")]
    public void TheMatMulExportMatchesPyTorchWithinTheFloatBound(string model)
    {
        var network = new TorchMatMulNet();
        network.LoadOnnx(Fixture(model));
        AssertMatchesPyTorch(network, "matmul", [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)]);
    }

    [Theory]
    [InlineData("nobias.opset9.onnx")]
    [InlineData("nobias.opset17.onnx")]
    public void ABiasFreeModelLoadsIntoBiasFreeLayersAndMatchesPyTorch(string model)
    {
        var fromStateDict = new TorchBiasFree();
        fromStateDict.Load(Fixture("nobias.safetensors"));
        var network = new TorchBiasFree();
        network.LoadOnnx(Fixture(model));
        AssertSameParameters(fromStateDict, network);
        Assert.Equal(2, ((ITrainable<float>)network).ParameterTensorCount);
        AssertMatchesPyTorch(network, "nobias", [ChainReference.Layer(network.First), ChainReference.Layer(network.Second)]);

        // Into biased layers of the same sizes a MatMul without an Add loads with zero biases, as before.
        var biased = new TorchBiasFreeSizesBiased();
        biased.Second.Bias.Fill(1);
        biased.LoadOnnx(Fixture(model));
        Assert.Equal(fromStateDict.Second.Weights.ToArray(), biased.Second.Weights.ToArray());
        Assert.All(biased.Second.Bias.ToArray(), b => Assert.Equal(0f, b));
    }

    /// <summary>
    /// PyTorch's nn.SiLU(), which exports as Mul(z, Sigmoid(z)): its state dict and its exports load the same weights, and
    /// DenseGen's outputs and input gradients (its Backward recomputing z) and PyTorch's lie within the chain's float bound.
    /// </summary>
    [Theory]
    [InlineData("silu.opset9.onnx")]
    [InlineData("silu.opset17.onnx")]
    public void ASiLUModelLoadsFromItsStateDictAndItsExportsAndMatchesPyTorch(string model)
    {
        var fromStateDict = new TorchSiLU();
        fromStateDict.Load(Fixture("silu.safetensors"));
        var network = new TorchSiLU();
        network.LoadOnnx(Fixture(model));
        AssertSameParameters(fromStateDict, network);
        AssertMatchesPyTorch(network, "silu", [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)]);

        // Into layers of the same sizes with another activation the graph is refused, naming SiLU.
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => new TorchElu().LoadOnnx(Fixture(model)));
        Assert.Contains("is followed by SiLU; the network's layer 0 ('0') has ELU", exception.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// PyTorch's nn.LeakyReLU(0.2) into layers of NegativeSlope = 0.2: its state dict and its LeakyRelu exports (alpha
    /// 0.2) load the same weights and match PyTorch within the chain's bound; layers of the default slope refuse both
    /// the exports (the alpha) and the weight file the 0.2 network saves (its architecture records the slope), and the
    /// 0.2 network refuses the default one's file, each changing nothing.
    /// </summary>
    [Theory]
    [InlineData("leaky02.opset13.onnx")]
    [InlineData("leaky02.opset17.onnx")]
    public void ALeakyReLUOfAnotherSlopeLoadsIntoLayersOfThatSlopeOnly(string model)
    {
        var fromStateDict = new TorchLeaky02();
        fromStateDict.Load(Fixture("leaky02.safetensors"));
        var network = new TorchLeaky02();
        network.LoadOnnx(Fixture(model));
        AssertSameParameters(fromStateDict, network);
        AssertMatchesPyTorch(network, "leaky02", [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)]);

        var defaultSlope = new TorchLeakyDefault();
        (Action<string> loadOnnx, Func<float[][]> parameters) = Loader(defaultSlope);
        float[][] before = parameters();
        InvalidDataException onnx = Assert.Throws<InvalidDataException>(() => loadOnnx(Fixture(model)));
        Assert.Contains("(LeakyRelu) has alpha 0.2; DenseGen's leaky ReLU has slope 0.01", onnx.Message, StringComparison.Ordinal);

        string directory = Directory.CreateTempSubdirectory("densegen-leaky-").FullName;
        try
        {
            string steep = Path.Combine(directory, "steep.safetensors"), shallow = Path.Combine(directory, "shallow.safetensors");
            network.Save(steep);
            InvalidDataException file = Assert.Throws<InvalidDataException>(() => defaultSlope.Load(steep));
            Assert.Contains("NegativeSlope = 0.2", file.Message, StringComparison.Ordinal);
            Assert.Equal(before, parameters());

            defaultSlope.Save(shallow);
            float[][] steepBefore = Loader(network).Parameters();
            Assert.Throws<InvalidDataException>(() => network.Load(shallow));
            Assert.Equal(steepBefore, Loader(network).Parameters());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>PyTorch's nn.ELU(): its state dict and its Elu exports load the same weights, and DenseGen's outputs and input gradients and PyTorch's lie within the chain's float bound.</summary>
    [Theory]
    [InlineData("elu.opset9.onnx")]
    [InlineData("elu.opset17.onnx")]
    public void AnELUModelLoadsFromItsStateDictAndItsExportsAndMatchesPyTorch(string model)
    {
        var fromStateDict = new TorchElu();
        fromStateDict.Load(Fixture("elu.safetensors"));
        var network = new TorchElu();
        network.LoadOnnx(Fixture(model));
        AssertSameParameters(fromStateDict, network);
        AssertMatchesPyTorch(network, "elu", [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)]);
        AssertMatchesPyTorch(fromStateDict, "elu", [ChainReference.Layer(fromStateDict.First), ChainReference.Layer(fromStateDict.Second), ChainReference.Layer(fromStateDict.Third)]);
    }

    [Theory]
    [InlineData("mlp.opset13.onnx", "node '/0/Gemm' (Gemm) adds the bias '0.bias'; the network's layer 0 ('0') has none (Bias = false)")]
    [InlineData("mlp.helper.onnx", "node 'fc0' (Gemm) adds the bias 'b0'; the network's layer 0 ('0') has none (Bias = false)")]
    public void ABiasFreeLayerRefusesAModelBiasNamingItAndChangesNothing(string model, string message)
    {
        (Action<string> load, Func<float[][]> parameters) = Loader(new TorchMlpFirstBiasFree());
        float[][] before = parameters();
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => load(Fixture(model)));
        Assert.Equal(model + ": " + message + ".", exception.Message);
        Assert.Equal(before, parameters());
    }

    public static TheoryData<string, string, string> Mismatches() => new()
    {
        { "leaky02.opset13.onnx", "mlp", "node '/1/LeakyRelu' (LeakyRelu) has alpha 0.2; DenseGen's leaky ReLU has slope 0.01" },
        { "mlp.opset13.onnx", "other-activation", "node '/2/Gemm' (Gemm) is followed by Tanh; the network's layer 1 ('second') has Sigmoid" },
        { "mlp.opset13.onnx", "matmul", "node '/0/Gemm' (Gemm) is a 5→7 layer; the network's layer 0 ('first') is 6→8" },
        { "matmul.opset17.onnx", "mlp", "node '/1/MatMul' (MatMul) is a 6→8 layer; the network's layer 0 ('0') is 5→7" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void AModelOfOtherLayersIsRefusedNamingTheNodeAndChangesNothing(string model, string network, string message)
    {
        (Action<string> load, Func<float[][]> parameters) = network switch
        {
            "mlp" => Loader(new TorchMlp()),
            "other-activation" => Loader(new TorchMlpOtherActivation()),
            _ => Loader(new TorchMatMulNet()),
        };
        float[][] before = parameters();
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => load(Fixture(model)));
        Assert.Equal(model + ": " + message + ".", exception.Message);
        Assert.Equal(before, parameters());
    }

    [Fact]
    public void AnOperatorDenseGenDoesNotImportIsRefusedByNodeAndOpType()
    {
        // "Tanh" becomes "Sinh", same length, so the protobuf stays valid.
        byte[] bytes = File.ReadAllBytes(Fixture("mlp.opset13.onnx"));
        byte[] tanh = Encoding.ASCII.GetBytes("\"\u0004Tanh");
        int at = bytes.AsSpan().IndexOf(tanh);
        Assert.True(at > 0);
        Encoding.ASCII.GetBytes("Sinh").CopyTo(bytes, at + 2);
        var network = new TorchMlp();
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => network.LoadOnnx(bytes));
        Assert.Equal("the ONNX model: node '/3/Tanh' (Sinh) is not an operator DenseGen imports (Gemm, MatMul, Add, Mul, Relu, LeakyRelu, Sigmoid, Tanh, Elu, LSTM, Squeeze, Transpose, GRU, Concat, Flatten, Identity, Reshape).", exception.Message);
    }

    [Fact]
    public void ASafetensorsFileIsNotAnOnnxModelAndTheMessageSuggestsLoad()
    {
        (Action<string> load, Func<float[][]> parameters) = Loader(new TorchMlp());
        float[][] before = parameters();
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => load(Fixture("mlp.safetensors")));
        // Not "field number 0 is not valid (at byte 3)", which points into a file that never was a model.
        Assert.Equal("mlp.safetensors: the data is not an ONNX model; it looks like a safetensors file (an 8-byte header length, then a JSON header): did you mean Load?", exception.Message);
        Assert.Equal(before, parameters());
    }

    [Theory]
    [InlineData("{\"graph\": []}", "7B 22 67 72 61 70 68 22")]
    [InlineData("\u0089PNG\r\n\u001a\n....", "89 50 4E 47 0D 0A 1A 0A")]
    [InlineData("", null)]
    public void DataThatDoesNotStartAsAModelIsNotAnOnnxModel(string text, string? firstBytes)
    {
        var network = new TorchMlp();
        byte[] bytes = Encoding.Latin1.GetBytes(text);
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => network.LoadOnnx(bytes));
        Assert.Equal(firstBytes is null
            ? "the ONNX model: the file is empty, not an ONNX model."
            : $"the ONNX model: the data is not an ONNX model: it does not start with a field of onnx.ModelProto (its first bytes are {firstBytes}).", exception.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void ATruncatedModelSaysTheFileIsTruncated(double kept)
    {
        byte[] bytes = File.ReadAllBytes(Fixture("mlp.opset13.onnx"));
        (Action<string> load, Func<float[][]> parameters) = Loader(new TorchMlp());
        float[][] before = parameters();
        string path = Path.Combine(Path.GetTempPath(), $"densegen-truncated-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * kept)]);
        try
        {
            InvalidDataException exception = Assert.Throws<InvalidDataException>(() => load(path));
            // It starts as a model, so the reader's own words stand, with what they mean for the file.
            Assert.StartsWith(Path.GetFileName(path) + ": the model: a field says it is ", exception.Message);
            Assert.Contains("; the file is truncated or corrupt (at byte ", exception.Message);
            Assert.Equal(before, parameters());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (Action<string> Load, Func<float[][]> Parameters) Loader<TNetwork>(TNetwork network) where TNetwork : ITrainable<float>
    {
        float[][] Parameters() => Enumerable.Range(0, network.ParameterTensorCount).Select(i => network.ParameterTensor(i).ToArray()).ToArray();
        void Load(string path) => network.GetType().GetMethod("LoadOnnx", [typeof(string)])!.Invoke(network, [path]);
        return (path =>
        {
            try
            {
                Load(path);
            }
            catch (System.Reflection.TargetInvocationException exception) when (exception.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            }
        }, Parameters);
    }

    /// <summary>
    /// DenseGen's output and input gradient, and PyTorch's recorded ones, must each lie within the float bound of a
    /// double reference of the chain on the same weights, so they are within twice that bound of each other.
    /// </summary>
    private static void AssertMatchesPyTorch(ITrainableModule<float> network, string name, ChainReference.LayerValues[] layers)
    {
        SafeTensorsFile expected = SafeTensorsFile.Read(Fixture(name + ".expected.safetensors"));
        float[] x = Tensor(expected, "x"), dy = Tensor(expected, "dy");
        var y = new float[dy.Length];
        var dx = new float[x.Length];
        network.Forward(x, y);
        network.Backward(x, dy, dx);

        ChainReference.Chain chain = ChainReference.Compute(ErrorBound.FloatRoundoff, LayerChecks.Wide(x), LayerChecks.Wide(dy), layers);
        ChainReference.AssertWithin(LayerChecks.Wide(Tensor(expected, "y")), chain.Output, chain.OutputError, "PyTorch output");
        ChainReference.AssertWithin(LayerChecks.Wide(y), chain.Output, chain.OutputError, "DenseGen output");
        ChainReference.AssertWithin(LayerChecks.Wide(Tensor(expected, "dx")), chain.InputGradient, chain.InputGradientError, "PyTorch input gradient");
        ChainReference.AssertWithin(LayerChecks.Wide(dx), chain.InputGradient, chain.InputGradientError, "DenseGen input gradient");
    }

    internal static float[] Tensor(SafeTensorsFile file, string name)
    {
        var values = new float[(file.Tensors[name].End - file.Tensors[name].Begin) / sizeof(float)];
        file.CopyTo(name, values.AsSpan());
        return values;
    }

    private static void AssertSameParameters(ITrainable<float> expected, ITrainable<float> actual)
    {
        for (int i = 0; i < expected.ParameterTensorCount; i++)
            Assert.True(expected.ParameterTensor(i).SequenceEqual(actual.ParameterTensor(i)), expected.ParameterTensorName(i) + " differs");
    }
}
