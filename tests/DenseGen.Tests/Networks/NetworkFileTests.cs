using System;
using System.IO;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Networks;

/// <summary>
/// A network's weight files: a round trip is bit-exact, training resumes to the bit from saved weights and optimizer
/// state, and a file that does not fit (another architecture, a missing, extra or mis-shaped tensor, a truncated file)
/// is refused with <see cref="InvalidDataException"/> naming the tensor or layer, leaving the network as it was.
/// </summary>
public sealed class NetworkFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "densegen-network-files-" + Guid.NewGuid().ToString("N"));

    public NetworkFileTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void SaveThenLoadIsBitExact()
    {
        var saved = new ThreeLayerNet();
        saved.Initialize(seed: 3);
        saved.Save(PathOf("net.safetensors"));
        var loaded = new ThreeLayerNet();
        loaded.Load(PathOf("net.safetensors"));
        AssertSameWeights(saved, loaded);

        var file = SafeTensorsFile.Read(PathOf("net.safetensors"));
        Assert.Equal("first: Dense(In = 13, Out = 9, Activation = ReLU)", file.Metadata["densegen.layer.0"]);
        Assert.Equal([9, 13], file.Tensors["first.weight"].Shape);

        StructNet value = default;
        value.Initialize(seed: 4);
        value.Save(PathOf("struct.safetensors"));
        StructNet copy = default;
        copy.Load(PathOf("struct.safetensors"));
        Assert.Equal(value.Hidden.Weights.ToArray(), copy.Hidden.Weights.ToArray());
        Assert.Equal(value.Output.Bias.ToArray(), copy.Output.Bias.ToArray());
    }

    [Fact]
    public void TrainingResumesToTheBitFromSavedWeightsAndOptimizerState()
    {
        var random = new Random(5);
        float[] x = LayerChecks.RandomValues<float>(random, 6 * 13), target = LayerChecks.RandomValues<float>(random, 6 * 3);
        var straight = new ThreeLayerNet();
        straight.Initialize(seed: 5);
        var straightAdam = new Adam<float>(straight, 0.01);
        Train(straight, straightAdam, x, target, steps: 3);
        straight.Save(PathOf("weights.safetensors"));
        straightAdam.Save(PathOf("adam.safetensors"));

        var resumed = new ThreeLayerNet();
        resumed.Load(PathOf("weights.safetensors"));
        var resumedAdam = new Adam<float>(resumed, 0.01);
        resumedAdam.Load(PathOf("adam.safetensors"));
        Train(straight, straightAdam, x, target, steps: 4);
        Train(resumed, resumedAdam, x, target, steps: 4);
        AssertSameWeights(straight, resumed);
        Assert.Equal(7, resumedAdam.Steps);
    }

    [Fact]
    public void SavingIntoAMissingDirectoryNamesTheFileAndTheDirectoryAndLeavesNothing()
    {
        var network = new ThreeLayerNet();
        string missing = PathOf("missing");
        string path = Path.Combine(missing, "net.safetensors");
        DirectoryNotFoundException exception = Assert.Throws<DirectoryNotFoundException>(() => network.Save(path));
        Assert.Equal($"Cannot write '{path}': the directory '{missing}' does not exist.", exception.Message);
        // The optimizer's state goes the same way.
        exception = Assert.Throws<DirectoryNotFoundException>(() => new Adam<float>(network).Save(path));
        Assert.Equal($"Cannot write '{path}': the directory '{missing}' does not exist.", exception.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void AnotherArchitectureIsRefusedNamingTheLayer()
    {
        var other = new OtherActivationNet();
        other.Initialize(seed: 6);
        other.Save(PathOf("other.safetensors"));
        string message = RefusedLeavingUnchanged(PathOf("other.safetensors"));
        Assert.Contains("layer 1", message, StringComparison.Ordinal);
        Assert.Contains("Sigmoid", message, StringComparison.Ordinal);
        Assert.Contains("Tanh", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingTensorIsRefusedNamingIt()
    {
        var source = new ThreeLayerNet();
        SafeTensors.Save(PathOf("two.safetensors"), ("first", source.First), ("second", source.Second));
        Assert.Contains("'third.weight' is missing", RefusedLeavingUnchanged(PathOf("two.safetensors")), StringComparison.Ordinal);
    }

    [Fact]
    public void AMisShapedTensorIsRefusedNamingItAndBothShapes()
    {
        var source = new ThreeLayerNet();
        SafeTensors.Save(PathOf("shape.safetensors"), ("first", source.First), ("second", source.Second), ("third", new N9x7Tanh()));
        string message = RefusedLeavingUnchanged(PathOf("shape.safetensors"));
        Assert.Contains("'third.weight' has shape [7, 9]", message, StringComparison.Ordinal);
        Assert.Contains("[3, 7]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExtraTensorIsRefusedWhenStrictAndIgnoredOtherwise()
    {
        var source = new ThreeLayerNet();
        source.Initialize(seed: 7);
        SafeTensors.Save(PathOf("extra.safetensors"), ("first", source.First), ("second", source.Second), ("third", source.Third), ("head", new N7x3()));
        Assert.Contains("'head.bias'", RefusedLeavingUnchanged(PathOf("extra.safetensors")), StringComparison.Ordinal);

        var network = new ThreeLayerNet();
        network.Load(PathOf("extra.safetensors"), strict: false);
        AssertSameWeights(source, network);
    }

    [Fact]
    public void ABiasFreeLayerSavesAndLoadsNoBias()
    {
        var saved = new BiasFreeNet();
        saved.Initialize(seed: 8);
        saved.Save(PathOf("bias-free.safetensors"));
        var file = SafeTensorsFile.Read(PathOf("bias-free.safetensors"));
        Assert.Equal(["hidden.weight", "output.weight"], file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("output: Dense(In = 5, Out = 3, Activation = None, Bias = false)", file.Metadata["densegen.layer.1"]);
        Assert.Equal(0, saved.Output.Bias.Length);
        Assert.Equal(3 * 5 + 5 * 7, BiasFreeNet.ParameterCount);

        var loaded = new BiasFreeNet();
        loaded.Load(PathOf("bias-free.safetensors"));
        Assert.Equal(saved.Hidden.Weights.ToArray(), loaded.Hidden.Weights.ToArray());
        Assert.Equal(saved.Output.Weights.ToArray(), loaded.Output.Weights.ToArray());

        // A PyTorch state dict of nn.Linear(bias=False) layers has the weights alone and no architecture record.
        SafeTensors.Save(PathOf("torch.safetensors"), ("hidden", saved.Hidden), ("output", saved.Output));
        var fromTorch = new BiasFreeNet();
        fromTorch.Load(PathOf("torch.safetensors"));
        Assert.Equal(saved.Output.Weights.ToArray(), fromTorch.Output.Weights.ToArray());
    }

    [Fact]
    public void ABiasFreeLayerRefusesAFileWithABiasNamingItUnlessNotStrict()
    {
        var biased = new BiasedTailNet();
        biased.Initialize(seed: 9);
        // As PyTorch writes it (no architecture record): the extra tensor is named; with strict: false it is ignored.
        SafeTensors.Save(PathOf("biased.safetensors"), ("hidden", biased.Hidden), ("output", biased.Output));
        var network = new BiasFreeNet();
        network.Initialize(seed: 10);
        float[] before = network.Output.Weights.ToArray();
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => network.Load(PathOf("biased.safetensors")));
        Assert.Contains("'output.bias'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, network.Output.Weights.ToArray());
        network.Load(PathOf("biased.safetensors"), strict: false);
        Assert.Equal(biased.Output.Weights.ToArray(), network.Output.Weights.ToArray());

        // A biased layer still refuses a file without its bias, naming it.
        var bare = new BiasFreeNet();
        bare.Save(PathOf("bare.safetensors"));
        InvalidDataException missing = Assert.Throws<InvalidDataException>(() => new BiasedTailNet().Load(PathOf("bare.safetensors")));
        Assert.Contains("Bias = false", missing.Message, StringComparison.Ordinal);
        SafeTensors.Save(PathOf("bare-torch.safetensors"), ("hidden", bare.Hidden), ("output", bare.Output));
        missing = Assert.Throws<InvalidDataException>(() => new BiasedTailNet().Load(PathOf("bare-torch.safetensors")));
        Assert.Contains("'output.bias' is missing", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedFileIsRefused()
    {
        var source = new ThreeLayerNet();
        source.Save(PathOf("whole.safetensors"));
        byte[] bytes = File.ReadAllBytes(PathOf("whole.safetensors"));
        File.WriteAllBytes(PathOf("truncated.safetensors"), bytes.AsSpan(0, bytes.Length - 4).ToArray());
        Assert.Contains("truncated", RefusedLeavingUnchanged(PathOf("truncated.safetensors")), StringComparison.Ordinal);
    }

    /// <summary>Loads <paramref name="path"/> into an initialized network, expects a refusal, and checks nothing changed.</summary>
    private static string RefusedLeavingUnchanged(string path)
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 99);
        var before = new ThreeLayerNet();
        before.Initialize(seed: 99);
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => network.Load(path));
        Assert.StartsWith(Path.GetFileName(path) + ":", exception.Message, StringComparison.Ordinal);
        AssertSameWeights(before, network);
        return exception.Message;
    }

    private static void AssertSameWeights(ThreeLayerNet expected, ThreeLayerNet actual)
    {
        Assert.Equal(expected.First.Weights.ToArray(), actual.First.Weights.ToArray());
        Assert.Equal(expected.First.Bias.ToArray(), actual.First.Bias.ToArray());
        Assert.Equal(expected.Second.Weights.ToArray(), actual.Second.Weights.ToArray());
        Assert.Equal(expected.Second.Bias.ToArray(), actual.Second.Bias.ToArray());
        Assert.Equal(expected.Third.Weights.ToArray(), actual.Third.Weights.ToArray());
        Assert.Equal(expected.Third.Bias.ToArray(), actual.Third.Bias.ToArray());
    }

    private static void Train(ThreeLayerNet network, Optimizer<float> optimizer, float[] x, float[] target, int steps)
    {
        var y = new float[target.Length];
        var dy = new float[target.Length];
        for (int step = 0; step < steps; step++)
        {
            network.Forward(x, y);
            Losses.MeanSquaredError<float>(y, target, dy);
            network.ZeroGradients();
            network.Backward(x, dy, []);
            optimizer.Step();
        }
    }
}
