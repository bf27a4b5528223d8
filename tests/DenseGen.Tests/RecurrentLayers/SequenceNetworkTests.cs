using System;
using System.IO;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// <c>[Sequential]</c> networks with recurrent fields (SequenceNetworks.cs): the dense layers apply at every time step of
/// every stream, the network steps, runs and goes back through sequences exactly as its layers do one after another,
/// and it saves, loads, initializes and refuses bad calls as networks do.
/// </summary>
public sealed class SequenceNetworkTests(ITestOutputHelper output)
{
    private const int Streams = 3, Steps = 9;

    /// <summary>The PyTorch modules of tools/make-sequence-network-fixtures.py.</summary>
    public static string FixtureFolder => Path.Combine(Repository.Root(), "tests", "DenseGen.Tests", "Fixtures", "sequence-networks");

    private static void CopyTensors<T>(IParameterTensors<T> from, IParameterTensors<T> to) where T : unmanaged
    {
        Assert.Equal(from.ParameterTensorCount, to.ParameterTensorCount);
        for (int i = 0; i < from.ParameterTensorCount; i++)
            from.ParameterTensor(i).CopyTo(to.ParameterTensor(i));
    }

    private static void CopyTensors<T, TModel>(IParameterTensors<T> from, ref TModel to) where T : unmanaged where TModel : struct, IParameterTensors<T>
    {
        Assert.Equal(from.ParameterTensorCount, to.ParameterTensorCount);
        for (int i = 0; i < from.ParameterTensorCount; i++)
            from.ParameterTensor(i).CopyTo(to.ParameterTensor(i));
    }

    /// <summary>A network with random weights and a random initial state of the LSTM, its streams reset to it.</summary>
    private static SequenceNet RandomNetwork(int seed)
    {
        var network = new SequenceNet();
        network.Initialize((ulong)seed);
        var random = new Random(seed);
        RecurrentUnderTest<double>.RandomValues(random, network.Memory.InitialHiddenState.Length).CopyTo(network.Memory.InitialHiddenState);
        RecurrentUnderTest<double>.RandomValues(random, network.Memory.InitialCellState.Length).CopyTo(network.Memory.InitialCellState);
        network.ResetState();
        return network;
    }

    /// <summary>
    /// Forward is each layer's own call in order, the dense layers on every row of <c>[streams, steps]</c> and the
    /// recurrent ones on the sequences: the same kernels on the same rows, so the same bits, and the same state left.
    /// </summary>
    [Fact]
    public void ForwardRunsEachLayerAtEveryTimeStep()
    {
        SequenceNet network = RandomNetwork(3);
        var (input, lstm, gru, head) = (new SeqInput(), new SeqLstm(), new SeqGru(), new SeqHead());
        CopyTensors<double>(network.Input, input);
        CopyTensors<double>(network.Memory, lstm);
        CopyTensors<double>(network.Gru, gru);
        CopyTensors<double>(network.Head, head);
        lstm.ResetState();
        gru.ResetState();

        double[] x = RecurrentUnderTest<double>.RandomValues(new Random(4), Streams * Steps * SequenceNet.InputSize);
        var features = new double[Streams * Steps * 6];
        var remembered = new double[Streams * Steps * 5];
        var gated = new double[Streams * Steps * 4];
        var expected = new double[Streams * Steps * SequenceNet.OutputSize];
        input.Forward(x, features);
        lstm.Forward(features, remembered, Steps);
        gru.Forward(remembered, gated, Steps);
        head.Forward(gated, expected);

        var y = new double[expected.Length];
        network.Forward(x, y, Steps);
        Assert.Equal(expected, y);
        Assert.Equal(lstm.HiddenState.ToArray(), network.Memory.HiddenState.ToArray());
        Assert.Equal(lstm.CellState.ToArray(), network.Memory.CellState.ToArray());
        Assert.Equal(gru.HiddenState.ToArray(), network.Gru.HiddenState.ToArray());
        Assert.Contains(y, value => value != 0);
    }

    /// <summary>
    /// Stepping the streams one step at a time, one Forward of the whole sequence, and a Forward longer than MaxSteps (run
    /// in chunks of it) give the same bits: the layers are deterministic, so their results do not depend on the rows a
    /// call has, and the recurrent state carries from step to step and chunk to chunk.
    /// </summary>
    [Theory]
    [InlineData(1, 11)]
    [InlineData(3, 11)]
    [InlineData(4, 4)]
    [InlineData(2, 1)]
    public void SteppingForwardAndChunksAgree(int streams, int steps)
    {
        var whole = new FrozenSequenceNet();
        whole.Initialize(11);
        var stepped = new FrozenSequenceNet();
        CopyTensors<float>(whole.Input, stepped.Input);
        CopyTensors<float>(whole.Memory, stepped.Memory);
        CopyTensors<float>(whole.Head, stepped.Head);
        float[] x = RecurrentUnderTest<float>.RandomValues(new Random(streams * 100 + steps), streams * steps * FrozenSequenceNet.InputSize);

        var y = new float[streams * steps * FrozenSequenceNet.OutputSize];
        whole.Forward(x, y, steps);

        var stepInput = new float[streams * FrozenSequenceNet.InputSize];
        var stepOutput = new float[streams * FrozenSequenceNet.OutputSize];
        for (int t = 0; t < steps; t++)
        {
            for (int s = 0; s < streams; s++)
                x.AsSpan((s * steps + t) * FrozenSequenceNet.InputSize, FrozenSequenceNet.InputSize).CopyTo(stepInput.AsSpan(s * FrozenSequenceNet.InputSize));
            stepped.Step(stepInput, stepOutput);
            for (int s = 0; s < streams; s++)
            {
                for (int o = 0; o < FrozenSequenceNet.OutputSize; o++)
                    Assert.Equal(stepOutput[s * FrozenSequenceNet.OutputSize + o], y[(s * steps + t) * FrozenSequenceNet.OutputSize + o]);
            }
        }
        Assert.Equal(stepped.Memory.HiddenState.ToArray(), whole.Memory.HiddenState.ToArray());
        Assert.Equal(stepped.Memory.CellState.ToArray(), whole.Memory.CellState.ToArray());
        // The streams the calls did not run keep their state.
        Assert.All(whole.Memory.HiddenState[(streams * FrozenLstmHidden)..].ToArray(), value => Assert.Equal(0f, value));
    }

    private const int FrozenLstmHidden = FrozenSeqLstm.HiddenSize;

    /// <summary>
    /// Backward through the whole network and every time step against central differences in double: every trained
    /// tensor (the LSTM's initial state among them) and the input, for <c>L = Σ r ⊙ output</c> from the reset state. The
    /// tolerance is the layer's own (RecurrentTrainingTests): ε = 1e-5 leaves truncation ≲ 1e-10 and rounding ≲ 1e-11
    /// over 9 steps, so 1e-6 of the gradient's scale is a wide margin that a wrong gradient anywhere still exceeds.
    /// </summary>
    [Fact]
    public void BackwardMatchesFiniteDifferences()
    {
        const double Epsilon = 1e-5, Tolerance = 1e-6;
        SequenceNet network = RandomNetwork(5);
        var random = new Random(6);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, Streams * Steps * SequenceNet.InputSize);
        double[] r = RecurrentUnderTest<double>.RandomValues(random, Streams * Steps * SequenceNet.OutputSize);
        var y = new double[r.Length];
        double Loss()
        {
            network.ResetState();
            network.Forward(x, y, Steps);
            return y.Zip(r, (a, b) => a * b).Sum();
        }

        Loss();
        network.ZeroGradients();
        var dx = new double[x.Length];
        network.Backward(x, r, dx);

        ITrainable<double> trainable = network;
        double worst = 0;
        int values = 0;
        void Check(Span<double> parameters, double[] analytic, string what)
        {
            var numeric = new double[parameters.Length];
            for (int j = 0; j < parameters.Length; j++)
                numeric[j] = CentralDifference.Of(parameters, j, Epsilon, Loss);
            double scale = Math.Max(1, numeric.Max(Math.Abs));
            for (int j = 0; j < parameters.Length; j++)
            {
                double error = Math.Abs(analytic[j] - numeric[j]) / scale;
                worst = Math.Max(worst, error);
                Assert.True(error <= Tolerance, $"∂L/∂{what}[{j}] is {analytic[j]:R}; the central difference gives {numeric[j]:R}");
            }
            values += parameters.Length;
        }

        for (int i = 0; i < trainable.ParameterTensorCount; i++)
            Check(trainable.ParameterTensor(i), trainable.GradientTensor(i).ToArray(), trainable.ParameterTensorName(i));
        Check(x, dx, "input");
        Assert.Contains("rec.initial_hidden", Enumerable.Range(0, trainable.ParameterTensorCount).Select(trainable.ParameterTensorName));
        output.WriteLine($"{values} values, largest difference {worst:G3} of the gradient's scale");
    }

    /// <summary>A struct network of struct layers computes what the class network does, forward and back.</summary>
    [Fact]
    public void StructNetworkMatchesTheClassNetwork()
    {
        SequenceNet network = RandomNetwork(7);
        var value = new SequenceNetStruct();
        CopyTensors<double, SequenceNetStruct>(network, ref value);
        network.Memory.InitialHiddenState.CopyTo(value.Memory.InitialHiddenState);
        network.Memory.InitialCellState.CopyTo(value.Memory.InitialCellState);
        value.ResetState();
        var random = new Random(8);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, 2 * Steps * SequenceNet.InputSize);
        double[] r = RecurrentUnderTest<double>.RandomValues(random, 2 * Steps * SequenceNet.OutputSize);
        var (y, yStruct) = (new double[r.Length], new double[r.Length]);
        var (dx, dxStruct) = (new double[x.Length], new double[x.Length]);
        network.Forward(x, y, Steps);
        value.Forward(x, yStruct, Steps);
        network.Backward(x, r, dx);
        value.Backward(x, r, dxStruct);
        Assert.Equal(y, yStruct);
        Assert.Equal(dx, dxStruct);
        ITrainable<double> trainable = network;
        for (int i = 0; i < trainable.ParameterTensorCount; i++)
            Assert.Equal(trainable.GradientTensor(i).ToArray(), ((ITrainable<double>)value).GradientTensor(i).ToArray());
        Assert.Equal(SequenceNet.StorageBytes, SequenceNetStruct.StorageBytes);
        Assert.Equal(SequenceNetStruct.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<SequenceNetStruct>());
    }

    /// <summary>The network takes its recurrent fields' streams and steps when the attribute leaves them unset.</summary>
    [Fact]
    public void StreamsAndStepsComeFromTheRecurrentFields()
    {
        Assert.Equal(SeqLstm.MaxBatch, SequenceNet.MaxBatch);
        Assert.Equal(SeqLstm.MaxSteps, SequenceNet.MaxSteps);
        Assert.Equal(FrozenSeqLstm.MaxBatch, FrozenSequenceNet.MaxBatch);
        Assert.Equal(4, FrozenSequenceNet.MaxSteps);
    }

    /// <summary>Every bad call throws before anything is written: outputs, state, buffers and gradients stay as they were.</summary>
    [Fact]
    public void BadCallsAreRefusedAndChangeNothing()
    {
        SequenceNet network = RandomNetwork(9);
        var random = new Random(10);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, Streams * Steps * SequenceNet.InputSize);
        double[] r = RecurrentUnderTest<double>.RandomValues(random, Streams * Steps * SequenceNet.OutputSize);
        var y = new double[r.Length];

        // No Forward yet.
        Assert.Throws<InvalidOperationException>(() => network.Backward(x, r, default));
        double[] state = network.Memory.HiddenState.ToArray();
        var sentinel = Enumerable.Repeat(42.0, 4 * Steps * SequenceNet.OutputSize).ToArray();
        // More streams than MaxBatch, more steps than a trainable network keeps, no steps, a ragged input.
        Assert.Throws<ArgumentException>(() => network.Forward(new double[4 * Steps * SequenceNet.InputSize], sentinel, Steps));
        const int TooMany = SequenceNet.MaxSteps + 1;
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(new double[TooMany * SequenceNet.InputSize], new double[TooMany * SequenceNet.OutputSize], TooMany));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(x, y, 0));
        Assert.Throws<ArgumentException>(() => network.Forward(x.AsSpan(1).ToArray(), y, Steps));
        Assert.Throws<ArgumentException>(() => network.Forward(x, y.AsSpan(1).ToArray(), Steps));
        Assert.Throws<ArgumentException>(() => network.Step(new double[4 * SequenceNet.InputSize], new double[4 * SequenceNet.OutputSize]));
        Assert.All(sentinel, value => Assert.Equal(42.0, value));
        Assert.Equal(state, network.Memory.HiddenState.ToArray());

        network.Forward(x, y, Steps);
        ITrainable<double> trainable = network;
        double[] gradient = trainable.GradientTensor(0).ToArray();
        // Backward must go back through that Forward: another length, an output gradient of another length.
        Assert.Throws<ArgumentException>(() => network.Backward(x.AsSpan(0, 2 * Steps * SequenceNet.InputSize), r.AsSpan(0, 2 * Steps * SequenceNet.OutputSize), default));
        Assert.Throws<ArgumentException>(() => network.Backward(x, r.AsSpan(1), default));
        Assert.Throws<ArgumentException>(() => network.Backward(x, r, new double[5]));
        Assert.Equal(gradient, trainable.GradientTensor(0).ToArray());
        // A step overwrites the activations: Backward needs a new Forward.
        network.Step(x.AsSpan(0, SequenceNet.InputSize), new double[SequenceNet.OutputSize]);
        Assert.Throws<InvalidOperationException>(() => network.Backward(x, r, default));
        Assert.Equal(gradient, trainable.GradientTensor(0).ToArray());
    }

    /// <summary>
    /// Spans over any recurrent layer's running state, or over the state gradients its Backward writes, are refused
    /// before anything changes (not only the first layer's, which that layer would catch itself): the last Forward stays
    /// the one Backward goes back through, and the gradients stay as they were.
    /// </summary>
    [Fact]
    public void SpansOverAnyRecurrentLayersStateAreRefused()
    {
        SequenceNet network = RandomNetwork(21);
        var random = new Random(22);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, SequenceNet.InputSize);
        double[] r = RecurrentUnderTest<double>.RandomValues(random, SequenceNet.OutputSize);
        var y = new double[SequenceNet.OutputSize];
        network.Forward(x, y, 1);
        ITrainable<double> trainable = network;
        double[] gradient = trainable.GradientTensor(0).ToArray();
        double[] gruState = network.Gru.HiddenState.ToArray();

        Assert.Throws<ArgumentException>(() => network.Forward(network.Gru.HiddenState[..SequenceNet.InputSize], new double[SequenceNet.OutputSize], 1));
        Assert.Throws<ArgumentException>(() => network.Step(network.Gru.HiddenState[..SequenceNet.InputSize], new double[SequenceNet.OutputSize]));
        Assert.Throws<ArgumentException>(() => network.Backward(x, r, network.Memory.HiddenStateGradients[..SequenceNet.InputSize]));
        Assert.Throws<ArgumentException>(() => network.Backward(x, network.Gru.HiddenStateGradients[..SequenceNet.OutputSize], default));
        Assert.Equal(gruState, network.Gru.HiddenState.ToArray());
        Assert.Equal(gradient, trainable.GradientTensor(0).ToArray());
        // The refused calls left the Forward above to go back through.
        network.Backward(x, r, default);

        // An input over a later layer's state gradients: Backward would overwrite it before the first layer reads it.
        network.Forward(network.Memory.CellStateGradients[..SequenceNet.InputSize], y, 1);
        Assert.Throws<ArgumentException>(() => network.Backward(network.Memory.CellStateGradients[..SequenceNet.InputSize], r, default));
    }

    /// <summary>
    /// A frozen recurrent layer before the trainable head: the head learns what it would alone, and the input's gradient,
    /// which could not pass the frozen layer, is refused with a message that says why.
    /// </summary>
    [Fact]
    public void FrozenRecurrentLayerBeforeTheTrainableOnes()
    {
        var network = new FrozenFeatureNet();
        network.Initialize(12);
        var head = new FeatureHead();
        CopyTensors<double>(network.Head, head);
        var random = new Random(13);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, 2 * 5 * FrozenFeatureNet.InputSize);
        double[] r = RecurrentUnderTest<double>.RandomValues(random, 2 * 5 * FrozenFeatureNet.OutputSize);
        var y = new double[r.Length];
        network.Forward(x, y, 5);
        var features = new double[2 * 5 * FeatureGru.HiddenSize];
        var gru = new FeatureGru();
        CopyTensors<double>(network.Features, gru);
        gru.Forward(x, features, 5);

        ArgumentException refused = Assert.Throws<ArgumentException>(() => network.Backward(x, r, new double[x.Length]));
        Assert.Contains("'Features'", refused.Message, StringComparison.Ordinal);
        network.Backward(x, r, default);
        head.Backward(features, r, default);
        Assert.Equal(head.WeightGradients.ToArray(), network.Head.WeightGradients.ToArray());
        Assert.Equal(head.BiasGradients.ToArray(), network.Head.BiasGradients.ToArray());
    }

    /// <summary>
    /// Save writes PyTorch's names under each field's prefix (<c>rec.weight_ih_l1</c>, the LSTM's initial state as
    /// state), and Load restores a network that computes the same bits.
    /// </summary>
    [Fact]
    public void SaveAndLoadUseTheFieldPrefix()
    {
        SequenceNet network = RandomNetwork(14);
        string path = Path.Combine(Path.GetTempPath(), $"densegen-sequence-{Guid.NewGuid():N}.safetensors");
        try
        {
            network.Save(path);
            SafeTensorsFile file = SafeTensorsFile.Read(path);
            string[] expected =
            [
                "input.weight", "input.bias",
                "rec.weight_ih_l0", "rec.weight_hh_l0", "rec.bias_ih_l0", "rec.bias_hh_l0",
                "rec.weight_ih_l1", "rec.weight_hh_l1", "rec.bias_ih_l1", "rec.bias_hh_l1", "rec.initial_hidden", "rec.initial_cell",
                "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0", "gru.initial_hidden",
                "head.weight", "head.bias",
            ];
            Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), file.Tensors.Keys.OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal([4 * 5, 6], file.Tensors["rec.weight_ih_l0"].Shape);
            Assert.Equal([2, 5], file.Tensors["rec.initial_hidden"].Shape);

            var loaded = new SequenceNet();
            loaded.Load(path);
            loaded.ResetState();
            double[] x = RecurrentUnderTest<double>.RandomValues(new Random(15), Streams * Steps * SequenceNet.InputSize);
            var (y, yLoaded) = (new double[Streams * Steps * 2], new double[Streams * Steps * 2]);
            network.ResetState();
            network.Forward(x, y, Steps);
            loaded.Forward(x, yLoaded, Steps);
            Assert.Equal(y, yLoaded);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// PyTorch's own modules (tools/make-sequence-network-fixtures.py) load by their state dicts' names, which have no
    /// initial state (it reads as zeros, where PyTorch starts), and compute PyTorch's float64 outputs. Both evaluate the
    /// same function in double, differing only in the order of each sum: within n·2⁻⁵³·Σ|terms| per product (n ≤ 24
    /// terms here, each of order 1) carried through 20 steps of a recurrence whose gates' derivatives are at most 1, about
    /// 1e-13; 1e-10 of the outputs' scale leaves a wide margin, while a tensor loaded under the wrong name moves the
    /// outputs by tenths.
    /// </summary>
    [Theory]
    [InlineData("network_lstm")]
    [InlineData("network_gru")]
    public void PyTorchModulesLoadByTheirStateDictNames(string name)
    {
        string path = Path.Combine(FixtureFolder, name + ".safetensors");
        SafeTensorsFile file = SafeTensorsFile.Read(Path.Combine(FixtureFolder, name + ".io.safetensors"));
        var x = new double[file.Tensors["x"].Shape.Aggregate(1L, (a, b) => a * b)];
        var expected = new double[file.Tensors["f64.output"].Shape.Aggregate(1L, (a, b) => a * b)];
        file.CopyTo<double>("x", x);
        file.CopyTo<double>("f64.output", expected);
        int steps = (int)file.Tensors["x"].Shape[1];
        var y = new double[expected.Length];
        if (name == "network_lstm")
        {
            var network = new TorchLstmNet();
            network.Rec.InitialHiddenState.Fill(1);
            network.Load(path);
            Assert.All(network.Rec.InitialHiddenState.ToArray(), value => Assert.Equal(0.0, value));
            network.ResetState();
            network.Forward(x, y, steps);
        }
        else
        {
            var network = new TorchGruNet();
            network.Load(path);
            network.ResetState();
            network.Forward(x, y, steps);
        }
        double scale = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < y.Length; i++)
            worst = Math.Max(worst, Math.Abs(y[i] - expected[i]) / scale);
        output.WriteLine($"{name}: largest difference {worst:G3} of the outputs' scale ({scale:G3})");
        Assert.True(worst <= 1e-10, $"{name}: {worst} of the outputs' scale");
    }

    /// <summary>
    /// The same modules' <c>torch.onnx.export</c> (MatMul and Add for the dense layers on three-dimensional data, the
    /// recurrent node between Transposes and Squeezes) load through the network's <c>LoadOnnx</c> to the same tensors as
    /// their state dicts, bit for bit.
    /// </summary>
    [Theory]
    [InlineData("network_lstm")]
    [InlineData("network_gru")]
    public void PyTorchModulesLoadFromTheirOnnxExports(string name)
    {
        string onnx = Path.Combine(FixtureFolder, name + ".onnx"), state = Path.Combine(FixtureFolder, name + ".safetensors");
        (IParameterTensors<double> FromOnnx, IParameterTensors<double> FromState)[] layers;
        if (name == "network_lstm")
        {
            var (fromOnnx, fromState) = (new TorchLstmNet(), new TorchLstmNet());
            fromOnnx.Rec.InitialHiddenState.Fill(1);
            fromOnnx.LoadOnnx(onnx);
            fromState.Load(state);
            layers = [(fromOnnx.Features, fromState.Features), (fromOnnx.Rec, fromState.Rec), (fromOnnx.Head, fromState.Head)];
        }
        else
        {
            var (fromOnnx, fromState) = (new TorchGruNet(), new TorchGruNet());
            fromOnnx.LoadOnnx(File.ReadAllBytes(onnx));
            fromState.Load(state);
            layers = [(fromOnnx.Features, fromState.Features), (fromOnnx.Rec, fromState.Rec), (fromOnnx.Head, fromState.Head)];
        }
        foreach ((IParameterTensors<double> fromOnnx, IParameterTensors<double> fromState) in layers)
        {
            for (int i = 0; i < fromState.ParameterTensorCount; i++)
                Assert.True(fromOnnx.ParameterTensor(i).SequenceEqual(fromState.ParameterTensor(i)), $"{name}: {fromState.ParameterTensorName(i)} differs");
        }
    }

    /// <summary>Initialize draws every recurrent parameter from ±1/√Hidden, as <c>nn.LSTM</c> and <c>nn.GRU</c> do, and leaves the initial state zero.</summary>
    [Fact]
    public void InitializeDrawsRecurrentParametersAsPyTorch()
    {
        var network = new SequenceNet();
        network.Initialize(16);
        foreach ((IParameterTensors<double> layer, int hidden) in new (IParameterTensors<double>, int)[] { (network.Memory, SeqLstm.HiddenSize), (network.Gru, SeqGru.HiddenSize) })
        {
            double bound = 1 / Math.Sqrt(hidden);
            for (int i = 0; i < layer.ParameterTensorCount; i++)
            {
                double[] values = layer.ParameterTensor(i).ToArray();
                if (layer.DescribeParameterTensor(i).Role == TensorRole.State)
                {
                    Assert.All(values, value => Assert.Equal(0.0, value));
                    continue;
                }
                Assert.All(values, value => Assert.InRange(value, -bound, bound));
                // Drawn across the range, not bunched: the largest magnitude is near the bound.
                Assert.True(values.Max(Math.Abs) > 0.7 * bound, $"{layer.ParameterTensorName(i)} reaches only {values.Max(Math.Abs)} of ±{bound}");
            }
        }
    }

    /// <summary>Step, Forward and Backward allocate nothing.</summary>
    [Fact]
    public void CallsAllocateNothing()
    {
        SequenceNet network = RandomNetwork(17);
        var frozen = new FrozenSequenceNet();
        double[] x = RecurrentUnderTest<double>.RandomValues(new Random(18), Streams * Steps * SequenceNet.InputSize);
        var y = new double[Streams * Steps * SequenceNet.OutputSize];
        var dx = new double[x.Length];
        var stepOutput = new double[Streams * SequenceNet.OutputSize];
        float[] frozenInput = new float[2 * 10 * FrozenSequenceNet.InputSize];
        float[] frozenOutput = new float[2 * 10 * FrozenSequenceNet.OutputSize];
        void Run()
        {
            network.Step(x.AsSpan(0, Streams * SequenceNet.InputSize), stepOutput);
            network.Forward(x, y, Steps);
            network.Backward(x, y, dx);
            frozen.Forward(frozenInput, frozenOutput, 10);
            frozen.Step(frozenInput.AsSpan(0, FrozenSequenceNet.InputSize), frozenOutput.AsSpan(0, 1));
        }

        Run();
        AllocationTests.RequireAWindowWithoutAllocation(() =>
        {
            for (int i = 0; i < 1000; i++)
                Run();
        });
    }

    /// <summary>An optimizer binds to the network's trained tensors, the LSTM's initial state among them, and training lowers the loss.</summary>
    [Fact]
    public void AdamTrainsTheNetworkThroughTime()
    {
        SequenceNet network = RandomNetwork(19);
        var random = new Random(20);
        double[] x = RecurrentUnderTest<double>.RandomValues(random, Streams * Steps * SequenceNet.InputSize);
        // The target: each stream's input one step late, its first two features (a delay the network must remember).
        var target = new double[Streams * Steps * SequenceNet.OutputSize];
        for (int s = 0; s < Streams; s++)
        {
            for (int t = 1; t < Steps; t++)
            {
                for (int o = 0; o < 2; o++)
                    target[(s * Steps + t) * 2 + o] = x[(s * Steps + t - 1) * 3 + o];
            }
        }
        var y = new double[target.Length];
        var gradient = new double[target.Length];
        var adam = new Adam<double>(network, learningRate: 0.01);
        double Epoch()
        {
            network.ResetState();
            network.ZeroGradients();
            network.Forward(x, y, Steps);
            double loss = 0;
            for (int i = 0; i < y.Length; i++)
            {
                gradient[i] = 2 * (y[i] - target[i]) / y.Length;
                loss += (y[i] - target[i]) * (y[i] - target[i]) / y.Length;
            }
            network.Backward(x, gradient, default);
            adam.Step();
            return loss;
        }

        double first = Epoch();
        double last = first;
        for (int i = 0; i < 400; i++)
            last = Epoch();
        output.WriteLine($"MSE {first:G4} → {last:G4}");
        Assert.True(last < first / 10, $"MSE went from {first} to {last}");
    }
}
