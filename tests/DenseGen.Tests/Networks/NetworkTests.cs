using System;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;
using DenseGen.CompilerServices;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Networks;

/// <summary>
/// A generated network is its layers called in order: the same calls, on the same buffers' contents, give the same
/// bits. Each layer is verified against the double reference by the layer tests; here the chain is checked against
/// those calls exactly, and the forward pass against a double reference of the whole chain within a composed bound.
/// </summary>
public class NetworkTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(ThreeLayerNet.MaxBatch)]
    public void ThreeLayerNetworkIsItsLayersCalledInOrder(int samples)
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 5);
        var byHand = new ThreeLayerNet();
        byHand.Initialize(seed: 5);
        var random = new Random(samples);
        float[] x = LayerChecks.RandomValues<float>(random, samples * 13), dy = LayerChecks.RandomValues<float>(random, samples * 3);

        var y = new float[samples * 3];
        var dx = new float[samples * 13];
        network.Forward(x, y);
        network.Backward(x, dy, dx);

        float[] h1 = new float[samples * 9], h2 = new float[samples * 7], expectedY = new float[samples * 3];
        byHand.First.Forward(x, h1);
        byHand.Second.Forward(h1, h2);
        byHand.Third.Forward(h2, expectedY);
        float[] g2 = new float[samples * 7], g1 = new float[samples * 9], expectedDx = new float[samples * 13];
        byHand.Third.Backward(h2, dy, g2);
        byHand.Second.Backward(h1, h2, g2, g1);
        byHand.First.Backward(x, h1, g1, expectedDx);

        Assert.Equal(expectedY, y);
        Assert.Equal(expectedDx, dx);
        AssertSameGradients(byHand.First, network.First);
        AssertSameGradients(byHand.Second, network.Second);
        AssertSameGradients(byHand.Third, network.Third);
    }

    /// <summary>A network declared without MaxBatch gets the documented default, which the generator and runtime share.</summary>
    /// <summary>
    /// Layer fields may have any name, including those of the generated methods' parameters and locals (a field
    /// <c>output</c> is what many would write): generated code reaches the layers through <c>this</c>, so a class and a
    /// struct network with such fields compile, train and save.
    /// </summary>
    [Theory]
    [InlineData("class")]
    [InlineData("struct")]
    public void LayerFieldsMayBeNamedLikeTheGeneratedLocals(string keyword)
    {
        string[] names = ["input", "output", "first", "count", "samples", "buffers", "seed", "scheme", "path", "tensors", "index", "inputGradient", "outputGradient"];
        string layers = string.Join("\n", names.Select((_, i) => $"[DenseGen.Dense(In = {i + 2}, Out = {i + 3}, Activation = DenseGen.Activation.Tanh)] public partial {keyword} L{i};"));
        string fields = string.Join(" ", names.Select((name, i) => keyword == "class" ? $"private L{i} {name} = new();" : $"private L{i} {name};"));
        Assembly assembly = GeneratorHarness.CompileAndLoad($"{layers}\n[DenseGen.Sequential(MaxBatch = 2)] public partial {keyword} Net {{ {fields} }}");
        var network = (ITrainableModule<float>)Activator.CreateInstance(assembly.GetType("Net")!)!;
        Type type = network.GetType();
        type.GetMethod("Initialize")!.Invoke(network, [42UL, Initialization.PyTorchDefault]);
        var input = new float[2 * 2];
        var output = new float[2 * (names.Length + 2)];
        input[0] = 1;
        network.Forward(input, output);
        network.Backward(input, output, new float[input.Length]);
        Assert.Contains(output, value => value != 0);
        Assert.Equal("output.weight", ((ITrainable<float>)network).ParameterTensorName(2));
    }

    [Fact]
    public void WithoutMaxBatchANetworkTakesTheDocumentedDefault()
    {
        Assert.Equal(SequentialAttribute.DefaultMaxBatch, DenseGen.Generator.Networks.NetworkParser.DefaultMaxBatch);
        Assert.Equal(SequentialAttribute.DefaultMaxBatch, new SequentialAttribute().MaxBatch);
    }

    [Fact]
    public void OneLayerNetworkWithoutBuffersIsItsLayer()
    {
        // Its generated code once referred to a buffer block it had not declared, and did not compile.
        // No buffers: its layer's parameters and gradients, and the count of the last Forward's samples.
        Assert.Equal(OneLayerNet.ParameterBytes * 2 + sizeof(int), OneLayerNet.StorageBytes);
        var network = new OneLayerNet();
        network.Initialize(seed: 3);
        var byHand = new N7x3();
        network.Only.Weights.CopyTo(byHand.Weights);
        network.Only.Bias.CopyTo(byHand.Bias);
        var random = new Random(4);
        const int Samples = 5;
        float[] x = LayerChecks.RandomValues<float>(random, Samples * 7), dy = LayerChecks.RandomValues<float>(random, Samples * 3);
        float[] y = new float[Samples * 3], expectedY = new float[Samples * 3];
        network.Forward(x, y);
        byHand.Forward(x, expectedY);
        Assert.Equal(expectedY, y);

        // Backward takes at most MaxBatch samples: the last three.
        float[] dx = new float[3 * 7], expectedDx = new float[3 * 7];
        network.Forward(x.AsSpan(2 * 7), y.AsSpan(0, 3 * 3));
        network.Backward(x.AsSpan(2 * 7), dy.AsSpan(0, 3 * 3), dx);
        byHand.Backward(x.AsSpan(2 * 7), dy.AsSpan(0, 3 * 3), expectedDx);
        Assert.Equal(expectedDx, dx);
        AssertSameGradients(byHand, network.Only);
    }

    [Fact]
    public void ForwardRunsMoreThanMaxBatchInChunks()
    {
        const int samples = ThreeLayerNet.MaxBatch + 3;
        var network = new ThreeLayerNet();
        network.Initialize(seed: 6);
        float[] x = LayerChecks.RandomValues<float>(new Random(1), samples * 13);
        var y = new float[samples * 3];
        network.Forward(x, y);

        var expected = new float[samples * 3];
        foreach ((int first, int count) in new[] { (0, ThreeLayerNet.MaxBatch), (ThreeLayerNet.MaxBatch, 3) })
        {
            float[] h1 = new float[count * 9], h2 = new float[count * 7];
            network.First.Forward(x.AsSpan(first * 13, count * 13), h1);
            network.Second.Forward(h1, h2);
            network.Third.Forward(h2, expected.AsSpan(first * 3, count * 3));
        }
        Assert.Equal(expected, y);
        // Its activations are not a batch Backward can take.
        Assert.Throws<InvalidOperationException>(() => network.Backward(x, new float[samples * 3], []));
    }

    [Fact]
    public void LastLayerWithAnActivationBackpropagatesFromItsKeptOutput()
    {
        const int samples = 3;
        var network = new DoubleNet();
        network.Initialize(seed: 2);
        var byHand = new DoubleNet();
        byHand.Initialize(seed: 2);
        var random = new Random(3);
        double[] x = LayerChecks.RandomValues<double>(random, samples * 5), dy = LayerChecks.RandomValues<double>(random, samples * 2);
        double[] y = new double[samples * 2], dx = new double[samples * 5];
        network.Forward(x, y);
        network.Backward(x, dy, dx);

        double[] h = new double[samples * 4], expectedY = new double[samples * 2], g = new double[samples * 4], expectedDx = new double[samples * 5];
        byHand.A.Forward(x, h);
        byHand.B.Forward(h, expectedY);
        byHand.B.Backward(h, expectedY, dy, g);
        byHand.A.Backward(x, h, g, expectedDx);
        Assert.Equal(expectedY, y);
        Assert.Equal(expectedDx, dx);
        AssertSameGradients(byHand.A, network.A);
        AssertSameGradients(byHand.B, network.B);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(ThreeLayerNet.MaxBatch)]
    [InlineData(ThreeLayerNet.MaxBatch + 3)]
    public void FloatForwardAgreesWithADoubleReferenceOfTheChain(int samples)
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 8);
        float[] x = LayerChecks.RandomValues<float>(new Random(samples + 100), samples * 13);
        var y = new float[samples * 3];
        network.Forward(x, y);
        ChainReference.AssertForwardWithinBound<float>(
            y, x,
            [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(DoubleNet.MaxBatch)]
    [InlineData(DoubleNet.MaxBatch + 3)]
    public void DoubleForwardAgreesWithADoubleReferenceOfTheChain(int samples)
    {
        var network = new DoubleNet();
        network.Initialize(seed: 9);
        double[] x = LayerChecks.RandomValues<double>(new Random(samples + 200), samples * 5);
        var y = new double[samples * 2];
        network.Forward(x, y);
        ChainReference.AssertForwardWithinBound<double>(y, x, [ChainReference.Layer(network.A), ChainReference.Layer(network.B)]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(ThreeLayerNet.MaxBatch)]
    public void FloatGradientsAgreeWithADoubleReferenceOfTheChain(int samples)
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 8);
        var random = new Random(samples + 300);
        float[] x = LayerChecks.RandomValues<float>(random, samples * 13), dy = LayerChecks.RandomValues<float>(random, samples * 3);
        float[] y = new float[samples * 3], dx = new float[samples * 13];
        network.Forward(x, y);
        network.Backward(x, dy, dx);
        AssertChain(
            ErrorBound.FloatRoundoff, x, dy, y, dx,
            [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)],
            [network.First, network.Second, network.Third]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(DoubleNet.MaxBatch)]
    public void DoubleGradientsAgreeWithADoubleReferenceOfTheChain(int samples)
    {
        var network = new DoubleNet();
        network.Initialize(seed: 10);
        var random = new Random(samples + 400);
        double[] x = LayerChecks.RandomValues<double>(random, samples * 5), dy = LayerChecks.RandomValues<double>(random, samples * 2);
        double[] y = new double[samples * 2], dx = new double[samples * 5];
        network.Forward(x, y);
        network.Backward(x, dy, dx);
        AssertChain(ErrorBound.DoubleRoundoff, x, dy, y, dx, [ChainReference.Layer(network.A), ChainReference.Layer(network.B)], [network.A, network.B]);
    }

    internal static void AssertChain<T>(double u, T[] x, T[] dy, T[] y, T[] dx, ChainReference.LayerValues[] values, IDenseParameters<T>[] layers)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ChainReference.Chain chain = ChainReference.Compute(u, LayerChecks.Wide(x), LayerChecks.Wide(dy), values);
        ChainReference.AssertWithin(LayerChecks.Wide(y), chain.Output, chain.OutputError, "output");
        ChainReference.AssertWithin(LayerChecks.Wide(dx), chain.InputGradient, chain.InputGradientError, "input gradient");
        for (int l = 0; l < layers.Length; l++)
        {
            ChainReference.AssertWithin(LayerChecks.Wide(layers[l].WeightGradients.ToArray()), chain.WeightGradients[l], chain.WeightGradientErrors[l], $"layer {l} weight gradient");
            ChainReference.AssertWithin(LayerChecks.Wide(layers[l].BiasGradients.ToArray()), chain.BiasGradients[l], chain.BiasGradientErrors[l], $"layer {l} bias gradient");
        }
    }

    [Fact]
    public void StructNetworkLivesOnTheStackAndStepsByRef()
    {
        StructNet network = default;
        network.Initialize(seed: 3);
        StructNet byHand = network;
        var random = new Random(4);
        float[] x = LayerChecks.RandomValues<float>(random, 5 * 6), dy = LayerChecks.RandomValues<float>(random, 5 * 2);
        var y = new float[5 * 2];
        network.Forward(x, y);
        network.Backward(x, dy, []);

        float[] h = new float[5 * 4], expectedY = new float[5 * 2], g = new float[5 * 4];
        byHand.Hidden.Forward(x, h);
        byHand.Output.Forward(h, expectedY);
        byHand.Output.Backward(h, dy, g);
        byHand.Hidden.Backward(x, h, g, []);
        Assert.Equal(expectedY, y);
        Assert.Equal(byHand.Hidden.WeightGradients.ToArray(), network.Hidden.WeightGradients.ToArray());
        Assert.Equal(byHand.Output.BiasGradients.ToArray(), network.Output.BiasGradients.ToArray());

        var sgd = new Sgd<float>(network, learningRate: 0.5);
        float[] before = network.Output.Bias.ToArray();
        sgd.Step(ref network);
        for (int o = 0; o < before.Length; o++)
            Assert.Equal(before[o] - 0.5f * network.Output.BiasGradients[o], network.Output.Bias[o]);
    }

    [Fact]
    public void BackwardNeedsTheSamplesOfTheLastForwardAndOtherwiseChangesNothing()
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 1);
        float[] x3 = LayerChecks.RandomValues<float>(new Random(1), 3 * 13);
        var dy3 = new float[3 * 3];
        dy3.AsSpan().Fill(1);

        string message = Assert.Throws<InvalidOperationException>(() => network.Backward(x3, dy3, [])).Message;
        Assert.Contains("no complete Forward", message, StringComparison.Ordinal);
        network.Forward(x3.AsSpan(0, 2 * 13), new float[2 * 3]);
        message = Assert.Throws<InvalidOperationException>(() => network.Backward(x3, dy3, [])).Message;
        Assert.Contains("the last Forward had 2", message, StringComparison.Ordinal);
        Assert.All(network.First.WeightGradients.ToArray(), g => Assert.Equal(0, g));
        Assert.All(network.Third.BiasGradients.ToArray(), g => Assert.Equal(0, g));
    }

    /// <summary>
    /// A Backward of more than MaxBatch samples cannot run even right after a Forward of those samples (Forward keeps
    /// only its last chunk's activations), so the message says how to fix that, not to call Forward.
    /// </summary>
    [Fact]
    public void BackwardOfMoreThanMaxBatchSaysToRaiseMaxBatchOrChunkAndChangesNothing()
    {
        const int samples = ThreeLayerNet.MaxBatch + 3;
        var network = new ThreeLayerNet();
        network.Initialize(seed: 1);
        float[] x = LayerChecks.RandomValues<float>(new Random(1), samples * 13);
        network.Forward(x, new float[samples * 3]);

        string message = Assert.Throws<InvalidOperationException>(() => network.Backward(x, new float[samples * 3], new float[samples * 13])).Message;
        Assert.Contains($"given {samples} samples, more than MaxBatch = {ThreeLayerNet.MaxBatch}", message, StringComparison.Ordinal);
        Assert.Contains($"Raise MaxBatch to at least {samples} in [Sequential(MaxBatch = ...)]", message, StringComparison.Ordinal);
        Assert.Contains($"call Forward and Backward on chunks of at most {ThreeLayerNet.MaxBatch} samples", message, StringComparison.Ordinal);
        Assert.DoesNotContain("call Forward on this batch first", message, StringComparison.Ordinal);
        Assert.All(network.First.WeightGradients.ToArray(), g => Assert.Equal(0, g));
        Assert.All(network.Third.BiasGradients.ToArray(), g => Assert.Equal(0, g));

        // Without any Forward, too many samples is still the problem to report first.
        message = Assert.Throws<InvalidOperationException>(() => new ThreeLayerNet().Backward(x, new float[samples * 3], [])).Message;
        Assert.Contains("more than MaxBatch", message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectedCallsChangeNothing()
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 2);
        var reference = new ThreeLayerNet();
        reference.Initialize(seed: 2);
        float[] x = LayerChecks.RandomValues<float>(new Random(2), 3 * 13), dy = LayerChecks.RandomValues<float>(new Random(3), 3 * 3);
        var y = new float[3 * 3];
        network.Forward(x, y);
        reference.Forward(x, new float[3 * 3]);

        // A wrong length, an output that overlaps the input, or one that overlaps a layer's weights: refused before any write.
        Assert.Contains("output", Assert.Throws<ArgumentException>(() => network.Forward(x, new float[4 * 3])).Message, StringComparison.Ordinal);
        var shared = new float[3 * 13 + 3 * 3];
        Assert.Throws<ArgumentException>(() => network.Forward(shared.AsSpan(0, 3 * 13), shared.AsSpan(3 * 13 - 1, 3 * 3)));
        Assert.Contains("Third.Weights", Assert.Throws<ArgumentException>(() => network.Forward(x.AsSpan(0, 13), network.Third.Weights.Slice(0, 3))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => network.Backward(x, dy.AsSpan(0, 6), []));
        Assert.Contains("inputGradient", Assert.Throws<ArgumentException>(() => network.Backward(x, dy, network.First.WeightGradients.Slice(0, 3 * 13))).Message, StringComparison.Ordinal);

        // The rejected Forward left the activations of the good one: Backward still gives what it gives on an untouched network.
        network.Backward(x, dy, []);
        reference.Backward(x, dy, []);
        AssertSameGradients(reference.First, network.First);
        AssertSameGradients(reference.Third, network.Third);
        Assert.Equal(reference.Third.Weights.ToArray(), network.Third.Weights.ToArray());
    }

    [Fact]
    public void InitializeSeedsLayerIWithSeedPlusI()
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 40);
        var first = new N13x9ReLU();
        var second = new N9x7Tanh();
        var third = new N7x3();
        Initializer.Initialize(first, Initialization.PyTorchDefault, 40);
        Initializer.Initialize(second, Initialization.PyTorchDefault, 41);
        Initializer.Initialize(third, Initialization.PyTorchDefault, 42);
        Assert.Equal(first.Weights.ToArray(), network.First.Weights.ToArray());
        Assert.Equal(second.Bias.ToArray(), network.Second.Bias.ToArray());
        Assert.Equal(third.Weights.ToArray(), network.Third.Weights.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Initialize(1, (Initialization)99));
        Assert.Equal(first.Weights.ToArray(), network.First.Weights.ToArray());
    }

    [Fact]
    public void OptimizersSeeTheTrainableLayersInOrder()
    {
        ITrainable<float> network = new ThreeLayerNet();
        Assert.Equal(
            ["first.weight", "first.bias", "second.weight", "second.bias", "third.weight", "third.bias"],
            Enumerable.Range(0, network.ParameterTensorCount).Select(network.ParameterTensorName));
        ITrainable<float> fineTune = new FineTuneNet();
        Assert.Equal(
            ["second.weight", "second.bias", "third.weight", "third.bias"],
            Enumerable.Range(0, fineTune.ParameterTensorCount).Select(fineTune.ParameterTensorName));
        Assert.Equal(7 * 9, fineTune.ParameterTensor(0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => fineTune.GradientTensor(4));
        Assert.Equal(ThreeLayerNet.ParameterCount, Enumerable.Range(0, network.ParameterTensorCount).Sum(i => (long)network.ParameterTensor(i).Length));
    }

    [Fact]
    public void FrozenNetworkComputesWhatTheTrainableOneDoes()
    {
        var trainable = new ThreeLayerNet();
        trainable.Initialize(seed: 12);
        var frozen = new FrozenNet();
        frozen.Initialize(seed: 12);
        Assert.Equal(trainable.Second.Weights.ToArray(), frozen.Second.Weights.ToArray());
        float[] x = LayerChecks.RandomValues<float>(new Random(12), 11 * 13);
        float[] expected = new float[11 * 3], y = new float[11 * 3], withScratch = new float[11 * 3];
        trainable.Forward(x, expected);
        frozen.Forward(x, y);
        frozen.Forward(x, withScratch, new float[FrozenNet.ForwardScratchLength]);
        Assert.Equal(expected, y);
        Assert.Equal(expected, withScratch);
        Assert.Contains("ForwardScratchLength", Assert.Throws<ArgumentException>(
            () => frozen.Forward(x, withScratch, new float[FrozenNet.ForwardScratchLength - 1])).Message, StringComparison.Ordinal);
        // Two ping-pong buffers of MaxBatch × the widest hidden layer (8 × 9 floats, in whole 64-byte lines of 16 floats),
        // nothing more; and no gradients anywhere.
        const int pingPong = (8 * 9 + 15) / 16 * 16;
        Assert.Equal(2 * pingPong, FrozenNet.ForwardScratchLength);
        Assert.Equal(ThreeLayerNet.ParameterBytes + 2 * pingPong * sizeof(float), FrozenNet.StorageBytes);
        Assert.False(typeof(ITrainable<float>).IsAssignableFrom(typeof(FrozenNet)));
        Assert.Null(typeof(FrozenNet).GetMethod("Backward"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FineTuningTrainsOnlyTheLayersAfterTheFrozenOne(bool wantInputGradient)
    {
        const int samples = 4;
        var fineTune = new FineTuneNet();
        fineTune.Initialize(seed: 21);
        var reference = new ThreeLayerNet();
        reference.Initialize(seed: 21);
        var random = new Random(21);
        float[] x = LayerChecks.RandomValues<float>(random, samples * 13), dy = LayerChecks.RandomValues<float>(random, samples * 3);
        float[] y = new float[samples * 3], expectedY = new float[samples * 3];
        float[] dx = new float[wantInputGradient ? samples * 13 : 0], expectedDx = new float[samples * 13];
        fineTune.Forward(x, y);
        fineTune.Backward(x, dy, dx);
        reference.Forward(x, expectedY);
        reference.Backward(x, dy, expectedDx);
        Assert.Equal(expectedY, y);
        AssertSameGradients(reference.Second, fineTune.Second);
        AssertSameGradients(reference.Third, fineTune.Third);
        if (wantInputGradient)
            Assert.Equal(expectedDx, dx);
    }

    [Fact]
    public void ClassNetworkTrainsAThousandStepsWithoutAllocating()
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 30);
        var adam = new Adam<float>(network, 0.01);
        var random = new Random(30);
        float[] x = LayerChecks.RandomValues<float>(random, 8 * 13), target = LayerChecks.RandomValues<float>(random, 8 * 3);
        float[] y = new float[8 * 3], dy = new float[8 * 3];
        float first = TrainClass(network, adam, x, target, y, dy, 5);
        // In a window, as the layers' allocation tests measure: the runtime may allocate once on this thread when it
        // promotes a method the steps reach, which the full suite on two cores once caught inside a single measurement.
        float last = 0;
        AllocationTests.RequireAWindowWithoutAllocation(() => last = TrainClass(network, adam, x, target, y, dy, 1000));
        Assert.True(last < first, $"loss {first} → {last}");
    }

    [Fact]
    public void StructNetworkTrainsAThousandStepsWithoutAllocating()
    {
        StructNet network = default;
        network.Initialize(seed: 31);
        var sgd = new Sgd<float>(network, 0.05, momentum: 0.9);
        var random = new Random(31);
        float[] x = LayerChecks.RandomValues<float>(random, 5 * 6), target = LayerChecks.RandomValues<float>(random, 5 * 2);
        float[] y = new float[5 * 2], dy = new float[5 * 2];
        float first = TrainStruct(ref network, sgd, x, target, y, dy, 5);
        float last = 0;
        AllocationTests.RequireAWindowWithoutAllocation(() => last = TrainStruct(ref network, sgd, x, target, y, dy, 1000));
        Assert.True(last < first, $"loss {first} → {last}");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float TrainClass(ThreeLayerNet network, Optimizer<float> optimizer, float[] x, float[] target, float[] y, float[] dy, int steps)
    {
        float loss = 0;
        for (int step = 0; step < steps; step++)
        {
            network.Forward(x, y);
            loss = Losses.MeanSquaredError<float>(y, target, dy);
            network.ZeroGradients();
            network.Backward(x, dy, []);
            optimizer.Step();
        }
        return loss;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float TrainStruct(ref StructNet network, Optimizer<float> optimizer, float[] x, float[] target, float[] y, float[] dy, int steps)
    {
        float loss = 0;
        for (int step = 0; step < steps; step++)
        {
            network.Forward(x, y);
            loss = Losses.MeanSquaredError<float>(y, target, dy);
            network.ZeroGradients();
            network.Backward(x, dy, []);
            optimizer.Step(ref network);
        }
        return loss;
    }

    [Fact]
    public void AlignedBuffersStartOnACacheLine()
    {
        // Arrays start 8 bytes into a 16-byte object header, at whatever address the allocator hands out; many
        // allocations of both element types must all give a span at a 64-byte boundary, of the length asked for.
        for (int i = 0; i < 50; i++)
        {
            float[] floats = AlignedBuffer.Allocate<float>(100 + i);
            double[] doubles = AlignedBuffer.Allocate<double>(100 + i);
            Assert.Equal(0, Address(floats, AlignedBuffer.Slice(floats, 100 + i)) % AlignedBuffer.Alignment);
            Assert.Equal(0, Address(doubles, AlignedBuffer.Slice(doubles, 100 + i)) % AlignedBuffer.Alignment);
            Assert.Equal(100 + i, AlignedBuffer.Slice(floats, 100 + i).Length);
        }

        // The array's address from a pinned GCHandle, plus how far into it the span starts.
        static long Address<T>(T[] array, Span<T> span) where T : unmanaged
        {
            System.Runtime.InteropServices.GCHandle handle = System.Runtime.InteropServices.GCHandle.Alloc(array, System.Runtime.InteropServices.GCHandleType.Pinned);
            try
            {
                long offset = System.Runtime.CompilerServices.Unsafe.ByteOffset(ref array[0], ref span[0]);
                return handle.AddrOfPinnedObject().ToInt64() + offset;
            }
            finally
            {
                handle.Free();
            }
        }
    }

    internal static void AssertSameGradients<T>(IDenseParameters<T> expected, IDenseParameters<T> actual) where T : unmanaged
    {
        Assert.Equal(expected.WeightGradients.ToArray(), actual.WeightGradients.ToArray());
        Assert.Equal(expected.BiasGradients.ToArray(), actual.BiasGradients.ToArray());
    }
}

/// <summary>
/// A whole chain in double (forward and backward), with bounds on how far a network computed in <c>T</c> may be from
/// it, composed from the per-layer bounds of <see cref="ErrorBound"/> (first order in u).
/// </summary>
/// <remarks>
/// <para>
/// Forward. Let e bound a layer's inputs' error (0 for the network's input, which is exact). Its pre-activation
/// z = W x̂ + b is computed from inputs x̂ = x + δ, |δ| ≤ e, so |ẑ − z| ≤ ε_z = |W| e + γ(In + 1)·(|W|(|x| + e) + |b|):
/// the propagated error plus the dot product's own (Higham eq. 3.5 on the computed inputs, whose magnitude is at most
/// |x| + e). Every activation here is 1-Lipschitz (ReLU, LeakyReLU, tanh; sigmoid's slope is at most ¼) and rounds
/// by at most ρu relative to its output (<see cref="Reference.ActivationRounding"/>), so the outputs are off by at
/// most e′ = ε_z + ρu·(|y| + ε_z).
/// </para>
/// <para>
/// Backward, from an exact output gradient G. A layer forms dZ = G ⊙ act′(y) with act′ taken from its computed output
/// ŷ: with ĝ bounding the error of the incoming gradient, |dẐ − dZ| ≤ ĝ·|act′| + |G|·S·e + 3u|G|, where S bounds how
/// fast act′ changes with y (2 for tanh's 1 − y², 1 for sigmoid's y(1 − y), 0 for ReLU, whose derivative is the same
/// on both sides of the computed value as long as no pre-activation lies within its error bound of 0: asserted) and
/// 3u is dZ's own rounding. Then db = Σ_s dZ, dW = Σ_s dZ xᵀ and the next gradient Σ_o dZ W are dot products with
/// inputs off by their bounds: error ≤ Σ (err(dZ)·|v| + |dZ|·err(v)) + γ(n)·Σ (|dZ| + err(dZ))(|v| + err(v)).
/// The double reference's own error enters every γ and rounding term at u = 2⁻⁵³.
/// </para>
/// </remarks>
internal static class ChainReference
{
    public sealed record LayerValues(double[] Weights, double[] Bias, int In, int Out, Activation Activation, double NegativeSlope = 0.01);

    /// <summary>Values and error bounds of every quantity the tests compare, in double.</summary>
    public sealed record Chain(
        double[] Output, double[] OutputError,
        double[][] WeightGradients, double[][] WeightGradientErrors,
        double[][] BiasGradients, double[][] BiasGradientErrors,
        double[] InputGradient, double[] InputGradientError);

    public static LayerValues Layer<T>(IDenseWeights<T> layer) where T : unmanaged, IFloatingPointIeee754<T> =>
        // A bias-free layer (an empty Bias) is the reference with a zero bias, which adds nothing in double.
        new(LayerChecks.Wide(layer.Weights.ToArray()), layer.Bias.IsEmpty ? new double[layer.OutputSize] : LayerChecks.Wide(layer.Bias.ToArray()), layer.InputSize, layer.OutputSize,
            layer switch
            {
                IActivatedDenseLayer<T> activated => activated.Activation,
                IFrozenDenseLayer<T> frozen => frozen.Activation,
                _ => Activation.None,
            },
            // Leaky ReLU's slope, as the layer's attribute declares it.
            System.Reflection.CustomAttributeExtensions.GetCustomAttribute<DenseAttribute>(layer.GetType())?.NegativeSlope ?? Activations.LeakyReLUNegativeSlope);

    public static void AssertForwardWithinBound<T>(T[] actual, T[] input, LayerValues[] layers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chain chain = Compute(ErrorBound.Roundoff<T>(), LayerChecks.Wide(input), new double[input.Length / layers[0].In * layers[^1].Out], layers);
        AssertWithin(LayerChecks.Wide(actual), chain.Output, chain.OutputError, "output");
    }

    /// <summary>
    /// The chain's forward pass and, for the output gradient <paramref name="outputGradient"/>, its backward. When the
    /// gradient the computation is given is itself off by up to <paramref name="outputGradientError"/> per element, the
    /// backward bounds carry that too.
    /// </summary>
    public static Chain Compute(double u, double[] input, double[] outputGradient, LayerValues[] layers, double[]? outputGradientError = null)
    {
        double d = ErrorBound.DoubleRoundoff;
        int samples = input.Length / layers[0].In;
        var xs = new double[layers.Length + 1][];
        var errors = new double[layers.Length + 1][];
        var preActivations = new double[layers.Length][];
        var preActivationErrors = new double[layers.Length][];
        xs[0] = input;
        errors[0] = new double[input.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            LayerValues layer = layers[l];
            double[] x = xs[l], e = errors[l];
            var y = new double[samples * layer.Out];
            var next = new double[samples * layer.Out];
            preActivations[l] = new double[samples * layer.Out];
            preActivationErrors[l] = new double[samples * layer.Out];
            double gamma = ErrorBound.Gamma(layer.In + 1, u) + ErrorBound.Gamma(layer.In + 1, d);
            double rounding = Reference.ActivationRounding(layer.Activation) * (u + d);
            for (int s = 0; s < samples; s++)
            {
                for (int o = 0; o < layer.Out; o++)
                {
                    double z = layer.Bias[o], propagated = 0, magnitude = Math.Abs(layer.Bias[o]);
                    for (int i = 0; i < layer.In; i++)
                    {
                        double w = layer.Weights[o * layer.In + i];
                        z += w * x[s * layer.In + i];
                        propagated += Math.Abs(w) * e[s * layer.In + i];
                        magnitude += Math.Abs(w) * (Math.Abs(x[s * layer.In + i]) + e[s * layer.In + i]);
                    }
                    double zError = propagated + gamma * magnitude;
                    if (layer.Activation is Activation.ReLU or Activation.LeakyReLU)
                        Assert.True(Math.Abs(z) > zError, $"layer {l}: pre-activation {z:R} lies within its error bound {zError:E2} of the kink; pick another seed.");
                    double value = Reference.Activate(layer.Activation, z, layer.NegativeSlope);
                    y[s * layer.Out + o] = value;
                    preActivations[l][s * layer.Out + o] = z;
                    preActivationErrors[l][s * layer.Out + o] = zError;
                    next[s * layer.Out + o] = Reference.Lipschitz(layer.Activation) * zError + rounding * (Math.Abs(value) + zError);
                }
            }
            xs[l + 1] = y;
            errors[l + 1] = next;
        }

        var weightGradients = new double[layers.Length][];
        var weightErrors = new double[layers.Length][];
        var biasGradients = new double[layers.Length][];
        var biasErrors = new double[layers.Length][];
        double[] g = outputGradient, gError = outputGradientError ?? new double[outputGradient.Length];
        for (int l = layers.Length - 1; l >= 0; l--)
        {
            LayerValues layer = layers[l];
            double[] x = xs[l], xError = errors[l], y = xs[l + 1], yError = errors[l + 1];
            double slope = layer.Activation switch { Activation.Tanh => 2, Activation.Sigmoid or Activation.ELU => 1, _ => 0 };
            var dz = new double[g.Length];
            var dzError = new double[g.Length];
            for (int j = 0; j < g.Length; j++)
            {
                double derivative = Reference.ActivationDerivative(layer.Activation, preActivations[l][j], y[j], layer.NegativeSlope);
                dz[j] = g[j] * derivative;
                // Through the output, act′ moves with y's error; SiLU's, taken at the recomputed z, with z's (DerivativeError).
                dzError[j] = gError[j] * Math.Abs(derivative) + (layer.Activation == Activation.SiLU
                    ? Math.Abs(g[j]) * Reference.DerivativeError(layer.Activation, preActivations[l][j], preActivationErrors[l][j], u + d)
                    : Math.Abs(g[j]) * slope * yError[j] + 3 * (u + d) * Math.Abs(g[j]));
            }

            var dw = new double[layer.Out * layer.In];
            var dwError = new double[dw.Length];
            var db = new double[layer.Out];
            var dbError = new double[layer.Out];
            double gammaSamples = ErrorBound.Gamma(samples, u) + ErrorBound.Gamma(samples, d);
            for (int o = 0; o < layer.Out; o++)
            {
                double propagated = 0, magnitude = 0;
                for (int s = 0; s < samples; s++)
                {
                    db[o] += dz[s * layer.Out + o];
                    propagated += dzError[s * layer.Out + o];
                    magnitude += Math.Abs(dz[s * layer.Out + o]) + dzError[s * layer.Out + o];
                }
                dbError[o] = propagated + gammaSamples * magnitude;
                for (int i = 0; i < layer.In; i++)
                {
                    double sum = 0, carried = 0, size = 0;
                    for (int s = 0; s < samples; s++)
                    {
                        double a = dz[s * layer.Out + o], ae = dzError[s * layer.Out + o];
                        double v = x[s * layer.In + i], ve = xError[s * layer.In + i];
                        sum += a * v;
                        carried += ae * Math.Abs(v) + Math.Abs(a) * ve;
                        size += (Math.Abs(a) + ae) * (Math.Abs(v) + ve);
                    }
                    dw[o * layer.In + i] = sum;
                    dwError[o * layer.In + i] = carried + gammaSamples * size;
                }
            }

            var dx = new double[samples * layer.In];
            var dxError = new double[dx.Length];
            double gammaOutputs = ErrorBound.Gamma(layer.Out, u) + ErrorBound.Gamma(layer.Out, d);
            for (int s = 0; s < samples; s++)
            {
                for (int i = 0; i < layer.In; i++)
                {
                    double sum = 0, carried = 0, size = 0;
                    for (int o = 0; o < layer.Out; o++)
                    {
                        double a = dz[s * layer.Out + o], ae = dzError[s * layer.Out + o], w = layer.Weights[o * layer.In + i];
                        sum += a * w;
                        carried += ae * Math.Abs(w);
                        size += (Math.Abs(a) + ae) * Math.Abs(w);
                    }
                    dx[s * layer.In + i] = sum;
                    dxError[s * layer.In + i] = carried + gammaOutputs * size;
                }
            }
            weightGradients[l] = dw;
            weightErrors[l] = dwError;
            biasGradients[l] = db;
            biasErrors[l] = dbError;
            g = dx;
            gError = dxError;
        }
        return new Chain(xs[^1], errors[^1], weightGradients, weightErrors, biasGradients, biasErrors, g, gError);
    }

    /// <summary>
    /// The largest difference between two outputs, and the largest share of its bound that <paramref name="actual"/>
    /// uses against the reference: the parity figures the import tests print.
    /// </summary>
    public static string Parity(double[] actual, double[] other, double[] expected, double[] allowed, string peer = "ONNX Runtime")
    {
        double difference = 0, share = 0;
        for (int j = 0; j < actual.Length; j++)
        {
            difference = Math.Max(difference, Math.Abs(actual[j] - other[j]));
            double error = Math.Abs(actual[j] - expected[j]);
            // An exact element (a ReLU's 0) has a bound of 0, which it meets only with no error at all.
            share = Math.Max(share, allowed[j] == 0 ? (error == 0 ? 0 : double.PositiveInfinity) : error / allowed[j]);
        }
        return $"max |DenseGen − {peer}| {difference:E2}; DenseGen within {share:P1} of its bound against the double reference";
    }

    public static void AssertWithin(double[] actual, double[] expected, double[] allowed, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < actual.Length; j++)
        {
            double difference = Math.Abs(actual[j] - expected[j]);
            Assert.True(difference <= allowed[j], $"{what}[{j}]: computed {actual[j]:R}, reference {expected[j]:R}; difference {difference:E3} exceeds the bound {allowed[j]:E3}");
        }
    }
}
