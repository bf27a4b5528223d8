using System;
using System.Linq;
using System.Numerics;
using Xunit;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// What <c>Step</c>, <c>Forward</c>, the running state and <c>ResetState</c> promise, on every storage and element type:
/// a sequence through <c>Forward</c> is the same bits as its steps through <c>Step</c>; streams are independent of each
/// other and of how many run at once; a step of the first k streams leaves the others' state alone; <c>ResetState</c>
/// restores the initial state; bad arguments change nothing. The numbers themselves are checked against PyTorch's
/// (<see cref="RtNeuralReferenceTests"/>).
/// </summary>
public sealed class RecurrentLayerTests
{
    public static TheoryData<string> FloatLayers => new() { "StreamsLstm", "StreamsGru", "StreamsLstmDeterministic", "StreamsGruDeterministic", "FusedLstmStruct", "FusedGruStruct" };

    public static TheoryData<string> DoubleLayers => new() { "StreamsLstmStruct", "StreamsGruStruct" };

    private static RecurrentUnderTest<float> Float(string name) => RecurrentLayersUnderTest.Float(name);

    private static RecurrentUnderTest<double> Double(string name) => RecurrentLayersUnderTest.Double(name);

    [Theory, MemberData(nameof(FloatLayers))]
    public void FloatLayersKeepTheirPromises(string name) => Promises(() => Float(name));

    [Theory, MemberData(nameof(DoubleLayers))]
    public void DoubleLayersKeepTheirPromises(string name) => Promises(() => Double(name));

    [Theory, MemberData(nameof(FloatLayers))]
    public void BadArgumentsChangeNothing(string name)
    {
        RecurrentUnderTest<float> layer = Float(name);
        layer.Randomize(new Random(3));
        int i = layer.InputSize, h = layer.HiddenSize, m = layer.MaxBatch;
        float[] hidden = layer.HiddenState.ToArray(), cell = layer.CellState.ToArray();
        var output = new float[(m + 1) * 2 * h];
        output.AsSpan().Fill(7f);
        Assert.Throws<ArgumentException>(() => layer.Step(new float[i + 1], new float[h]));                  // not whole streams
        Assert.Throws<ArgumentException>(() => layer.Step(new float[(m + 1) * i], new float[(m + 1) * h]));  // more than MaxBatch
        Assert.Throws<ArgumentException>(() => layer.Step(new float[2 * i], new float[h]));                  // output for one stream of two
        Assert.Throws<ArgumentException>(() => layer.Step(new float[0], new float[0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(new float[i], new float[h], 0));
        Assert.Throws<ArgumentException>(() => layer.Forward(new float[3 * i], new float[3 * h], 2));         // 3 steps are not sequences of 2
        Assert.Throws<ArgumentException>(() => layer.Forward(new float[(m + 1) * 2 * i], output, 2));
        Assert.Throws<ArgumentException>(() => layer.Forward(new float[2 * i], new float[2 * h + 1], 2));
        var shared = new float[i + h];
        Assert.Throws<ArgumentException>(() => layer.Step(shared.AsSpan(0, i), shared.AsSpan(i - 1 > 0 ? i - 1 : 0, h)));
        Assert.Throws<ArgumentException>(() => layer.Step(new float[i], layer.HiddenState.Slice(0, h)));
        Assert.Throws<ArgumentException>(() => layer.Step(layer.HiddenState.Slice(0, i), new float[h]));
        Assert.Throws<ArgumentException>(() => layer.Step(new float[i], layer.Tensors.ParameterTensor(0).Slice(0, h)));
        Assert.True(layer.HiddenState.SequenceEqual(hidden), "a refused call changed the hidden state");
        Assert.True(layer.CellState.SequenceEqual(cell), "a refused call changed the cell state");
        Assert.All(output, v => Assert.Equal(7f, v));
    }

    /// <summary>StorageBytes is a struct layer's size: its tensors, gradients, state, history and the counts of the Forward it keeps.</summary>
    [Fact]
    public void StorageBytesIsAStructLayersSize()
    {
        Assert.Equal(StreamsLstmStruct.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<StreamsLstmStruct>());
        Assert.Equal(StreamsGruStruct.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<StreamsGruStruct>());
        Assert.Equal(SeqLstmStruct.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<SeqLstmStruct>());
        Assert.Equal(FusedLstmStruct.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<FusedLstmStruct>());
        Assert.Equal(FusedGruStruct.StorageBytes, System.Runtime.CompilerServices.Unsafe.SizeOf<FusedGruStruct>());
    }

    /// <summary>
    /// Layers whose weights are more than L1 holds walk their gates in the other order on every other step; the order
    /// must not show in the bits. A copy one step out of phase (a step, then ResetState) must step exactly as the layer.
    /// </summary>
    [Theory]
    [InlineData(nameof(FixtureLstm2x64))]
    [InlineData(nameof(FixtureGru2x64))]
    [InlineData(nameof(FixtureGru3x40x2))]   // the layer above walks both ways, the first does not
    [InlineData(nameof(WideInputLstm))]      // the first layer walks both ways, the one above does not
    [InlineData(nameof(WideInputGru))]
    [InlineData(nameof(WideInputLstm8))]     // the first layer walks both ways with its state one vector
    [InlineData(nameof(WideInputGru8))]
    public void TheOrderTheGatesAreWalkedInDoesNotChangeTheBits(string name)
    {
        AssertHasKernel(Type.GetType("DenseGen.Tests.RecurrentLayers." + name)!, "__DenseGateSums");
        RecurrentUnderTest<float> layer = RecurrentLayersUnderTest.Float(name), shifted = RecurrentLayersUnderTest.Float(name);
        var random = new Random(3);
        layer.Randomize(random);
        shifted.CopyTensorsFrom(layer);
        float[] input = RecurrentUnderTest<float>.RandomValues(random, layer.InputSize);
        shifted.Step(input, new float[layer.HiddenSize]);
        layer.ResetState();
        shifted.ResetState();
        float[] output = new float[layer.HiddenSize], shiftedOutput = new float[layer.HiddenSize];
        for (int t = 0; t < 6; t++)
        {
            input = RecurrentUnderTest<float>.RandomValues(random, layer.InputSize);
            layer.Step(input, output);
            shifted.Step(input, shiftedOutput);
            Assert.True(output.AsSpan().SequenceEqual(shiftedOutput), $"{name}: step {t} differs between the two orders");
        }
        Assert.True(layer.CellState.SequenceEqual(shifted.CellState), $"{name}: the cell states differ");
    }

    /// <summary>
    /// 100,000 steps allocate nothing, on the span path (Hidden 5), the fused kernel (a float struct) and the fused
    /// kernel that walks its gates both ways (Hidden 64).
    /// </summary>
    [Fact]
    public void StepAllocatesNothing()
    {
        var layer = new StreamsLstm();
        var input = new float[StreamsLstm.InputSize * StreamsLstm.MaxBatch];
        var output = new float[64 * StreamsLstm.MaxBatch];
        var gru = new StreamsGru();
        var fused = new RecurrentUnderTest<float>.Box<FusedGruStruct>();
        var walking = new FixtureLstm2x64();
        // The float structs (in the promises above too) and the walking layer have those kernels; PyTorchFixtureTests and
        // the kernel checks hold what they compute.
        AssertHasKernel(typeof(FusedLstmStruct), "__DenseLayerStep");
        AssertHasKernel(typeof(FusedGruStruct), "__DenseLayerStep");
        AssertHasKernel(typeof(FixtureLstm2x64), "__DenseGateSums");
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                layer.Step(input.AsSpan(0, StreamsLstm.InputSize), output.AsSpan(0, StreamsLstm.HiddenSize));
                gru.Step(input, output.AsSpan(0, StreamsGru.HiddenSize * StreamsGru.MaxBatch));
                fused.Layer.Step(input, output.AsSpan(0, FusedGruStruct.HiddenSize * FusedGruStruct.MaxBatch));
                walking.Step(input.AsSpan(0, FixtureLstm2x64.InputSize), output.AsSpan(0, FixtureLstm2x64.HiddenSize));
            }
        }
        Steps(100);
        AllocationTests.RequireAWindowWithoutAllocation(() => Steps(100_000));
    }

    /// <summary>The layer has a generated kernel method whose name starts with <paramref name="prefix"/>.</summary>
    private static void AssertHasKernel(Type layer, string prefix) =>
        Assert.Contains(layer.GetMethods(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static), method => method.Name.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public void TheTensorTableIsPyTorchsStateDictThenTheInitialState()
    {
        IParameterTensors<float> lstm = new StreamsLstm();
        string[] names = Enumerable.Range(0, lstm.ParameterTensorCount).Select(lstm.ParameterTensorName).ToArray();
        Assert.Equal(
            ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "initial_hidden", "initial_cell"],
            names);
        Assert.Equal([20, 3], lstm.DescribeParameterTensor(0).Shape.ToArray());
        Assert.Equal([20, 5], lstm.DescribeParameterTensor(4).Shape.ToArray());
        Assert.Equal([2, 5], lstm.DescribeParameterTensor(8).Shape.ToArray());
        Assert.Equal(TensorRole.State, lstm.DescribeParameterTensor(9).Role);
        IParameterTensors<float> gru = new StreamsGru();
        Assert.Equal([15, 3], gru.DescribeParameterTensor(0).Shape.ToArray());
        Assert.Equal(9, gru.ParameterTensorCount);
        // Layer 0: 15 × 3 + 15 × 5 + 2 × 15; layer 1: 15 × 5 + 15 × 5 + 2 × 15. The initial state is not a parameter.
        Assert.Equal(150 + 180, StreamsGru.ParameterCount);
        Assert.Equal(200 + 240, StreamsLstm.ParameterCount);
    }

    internal static void Promises<T>(Func<RecurrentUnderTest<T>> create) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Steps = 7;
        RecurrentUnderTest<T> layer = create();
        var random = new Random(11);
        layer.Randomize(random);
        int i = layer.InputSize, h = layer.HiddenSize, m = layer.MaxBatch;
        T[] input = RecurrentUnderTest<T>.RandomValues(random, m * Steps * i);

        // Forward over every stream from the initial state.
        layer.ResetState();
        var sequence = new T[m * Steps * h];
        layer.Forward(input, sequence, Steps);
        T[] finalHidden = layer.HiddenState.ToArray(), finalCell = layer.CellState.ToArray();

        // The same, step by step through Step, gathering each step's inputs of every stream.
        RecurrentUnderTest<T> stepped = create();
        stepped.CopyTensorsFrom(layer);
        stepped.ResetState();
        var stepInput = new T[m * i];
        var stepOutput = new T[m * h];
        for (int t = 0; t < Steps; t++)
        {
            for (int s = 0; s < m; s++)
                input.AsSpan((s * Steps + t) * i, i).CopyTo(stepInput.AsSpan(s * i));
            stepped.Step(stepInput, stepOutput);
            for (int s = 0; s < m; s++)
                Assert.True(stepOutput.AsSpan(s * h, h).SequenceEqual(sequence.AsSpan((s * Steps + t) * h, h)), $"{layer}: step {t} of stream {s} differs between Step and Forward");
        }
        Assert.True(stepped.HiddenState.SequenceEqual(finalHidden), $"{layer}: the final hidden state differs between Step and Forward");
        Assert.True(stepped.CellState.SequenceEqual(finalCell), $"{layer}: the final cell state differs between Step and Forward");
        // The state is not the zero state, or the comparisons above show little.
        Assert.Contains(finalHidden, v => v != T.Zero);

        // Each stream alone, in stream 0 of a fresh layer whose initial state is the same, gives its sequence again.
        for (int s = 0; s < m; s++)
        {
            RecurrentUnderTest<T> alone = create();
            alone.CopyTensorsFrom(layer);
            alone.ResetState();
            var one = new T[Steps * h];
            alone.Forward(input.AsSpan(s * Steps * i, Steps * i), one, Steps);
            Assert.True(one.AsSpan().SequenceEqual(sequence.AsSpan(s * Steps * h, Steps * h)), $"{layer}: stream {s} alone differs from stream {s} among {m}");
        }

        // A step of the first k streams leaves the others' state as it was: one stream, then all but the last.
        foreach (int k in new[] { 1, m - 1 }.Where(k => k >= 1).Distinct())
        {
            T[] hiddenBefore = layer.HiddenState.ToArray(), cellBefore = layer.CellState.ToArray();
            layer.Step(input.AsSpan(0, k * i), new T[k * h]);
            for (int l = 0; l < layer.Layers; l++)
            {
                for (int s = 0; s < m; s++)
                {
                    int at = (l * m + s) * h;
                    bool same = layer.HiddenState.Slice(at, h).SequenceEqual(hiddenBefore.AsSpan(at, h));
                    Assert.True(s < k ? !same : same, $"{layer}: after a step of {k} streams, layer {l}'s stream {s} state {(same ? "did not change" : "changed")}");
                    if (layer.HasCell && s >= k)
                        Assert.True(layer.CellState.Slice(at, h).SequenceEqual(cellBefore.AsSpan(at, h)), $"{layer}: after a step of {k} streams, stream {s}'s cell state changed");
                }
            }
        }

        // ResetState gives every stream of every layer the initial state.
        layer.ResetState();
        for (int k = 0; k < layer.Layers; k++)
        {
            for (int s = 0; s < m; s++)
            {
                Assert.True(layer.HiddenState.Slice((k * m + s) * h, h).SequenceEqual(layer.InitialHiddenState.Slice(k * h, h)), $"{layer}: ResetState, hidden state of layer {k}, stream {s}");
                if (layer.HasCell)
                    Assert.True(layer.CellState.Slice((k * m + s) * h, h).SequenceEqual(layer.InitialCellState.Slice(k * h, h)), $"{layer}: ResetState, cell state of layer {k}, stream {s}");
            }
        }
    }


}
