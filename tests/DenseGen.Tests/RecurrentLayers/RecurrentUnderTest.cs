using System;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// One generated recurrent layer behind a common surface, so that one set of checks runs on every shape, storage and
/// element type: a struct layer lives in the adapter's field and is called in place.
/// </summary>
public abstract class RecurrentUnderTest<T> where T : unmanaged
{
    public abstract string Name { get; }
    public abstract int InputSize { get; }
    public abstract int HiddenSize { get; }
    public abstract int Layers { get; }
    public abstract int MaxBatch { get; }
    public abstract bool HasCell { get; }
    public abstract Span<T> HiddenState { get; }
    public abstract Span<T> CellState { get; }
    public abstract Span<T> InitialHiddenState { get; }
    public abstract Span<T> InitialCellState { get; }
    public abstract IParameterTensors<T> Tensors { get; }
    public abstract void Step(ReadOnlySpan<T> input, Span<T> output);
    public abstract void Forward(ReadOnlySpan<T> input, Span<T> output, int steps);
    public abstract void ResetState();

    /// <summary>Copies every tensor of <paramref name="source"/> (same type) into this layer.</summary>
    public void CopyTensorsFrom(RecurrentUnderTest<T> source)
    {
        for (int i = 0; i < Tensors.ParameterTensorCount; i++)
            source.Tensors.ParameterTensor(i).CopyTo(Tensors.ParameterTensor(i));
    }

    public override string ToString() => Name;
}

internal sealed class StreamsLstmUnderTest : RecurrentUnderTest<float>
{
    private readonly StreamsLstm _layer = new();
    public override string Name => nameof(StreamsLstm);
    public override int InputSize => StreamsLstm.InputSize;
    public override int HiddenSize => StreamsLstm.HiddenSize;
    public override int Layers => StreamsLstm.Layers;
    public override int MaxBatch => StreamsLstm.MaxBatch;
    public override bool HasCell => true;
    public override Span<float> HiddenState => _layer.HiddenState;
    public override Span<float> CellState => _layer.CellState;
    public override Span<float> InitialHiddenState => _layer.InitialHiddenState;
    public override Span<float> InitialCellState => _layer.InitialCellState;
    public override IParameterTensors<float> Tensors => _layer;
    public override void Step(ReadOnlySpan<float> input, Span<float> output) => _layer.Step(input, output);
    public override void Forward(ReadOnlySpan<float> input, Span<float> output, int steps) => _layer.Forward(input, output, steps);
    public override void ResetState() => _layer.ResetState();
}

internal sealed class StreamsGruUnderTest : RecurrentUnderTest<float>
{
    private readonly StreamsGru _layer = new();
    public override string Name => nameof(StreamsGru);
    public override int InputSize => StreamsGru.InputSize;
    public override int HiddenSize => StreamsGru.HiddenSize;
    public override int Layers => StreamsGru.Layers;
    public override int MaxBatch => StreamsGru.MaxBatch;
    public override bool HasCell => false;
    public override Span<float> HiddenState => _layer.HiddenState;
    public override Span<float> CellState => default;
    public override Span<float> InitialHiddenState => _layer.InitialHiddenState;
    public override Span<float> InitialCellState => default;
    public override IParameterTensors<float> Tensors => _layer;
    public override void Step(ReadOnlySpan<float> input, Span<float> output) => _layer.Step(input, output);
    public override void Forward(ReadOnlySpan<float> input, Span<float> output, int steps) => _layer.Forward(input, output, steps);
    public override void ResetState() => _layer.ResetState();
}

internal sealed class StreamsLstmDeterministicUnderTest : RecurrentUnderTest<float>
{
    private readonly StreamsLstmDeterministic _layer = new();
    public override string Name => nameof(StreamsLstmDeterministic);
    public override int InputSize => StreamsLstmDeterministic.InputSize;
    public override int HiddenSize => StreamsLstmDeterministic.HiddenSize;
    public override int Layers => StreamsLstmDeterministic.Layers;
    public override int MaxBatch => StreamsLstmDeterministic.MaxBatch;
    public override bool HasCell => true;
    public override Span<float> HiddenState => _layer.HiddenState;
    public override Span<float> CellState => _layer.CellState;
    public override Span<float> InitialHiddenState => _layer.InitialHiddenState;
    public override Span<float> InitialCellState => _layer.InitialCellState;
    public override IParameterTensors<float> Tensors => _layer;
    public override void Step(ReadOnlySpan<float> input, Span<float> output) => _layer.Step(input, output);
    public override void Forward(ReadOnlySpan<float> input, Span<float> output, int steps) => _layer.Forward(input, output, steps);
    public override void ResetState() => _layer.ResetState();
}

internal sealed class StreamsGruDeterministicUnderTest : RecurrentUnderTest<float>
{
    private readonly StreamsGruDeterministic _layer = new();
    public override string Name => nameof(StreamsGruDeterministic);
    public override int InputSize => StreamsGruDeterministic.InputSize;
    public override int HiddenSize => StreamsGruDeterministic.HiddenSize;
    public override int Layers => StreamsGruDeterministic.Layers;
    public override int MaxBatch => StreamsGruDeterministic.MaxBatch;
    public override bool HasCell => false;
    public override Span<float> HiddenState => _layer.HiddenState;
    public override Span<float> CellState => default;
    public override Span<float> InitialHiddenState => _layer.InitialHiddenState;
    public override Span<float> InitialCellState => default;
    public override IParameterTensors<float> Tensors => _layer;
    public override void Step(ReadOnlySpan<float> input, Span<float> output) => _layer.Step(input, output);
    public override void Forward(ReadOnlySpan<float> input, Span<float> output, int steps) => _layer.Forward(input, output, steps);
    public override void ResetState() => _layer.ResetState();
}

internal sealed class StreamsLstmStructUnderTest : RecurrentUnderTest<double>
{
    private readonly StrongBox _box = new();
    private sealed class StrongBox { public StreamsLstmStruct Layer; }
    public override string Name => nameof(StreamsLstmStruct);
    public override int InputSize => StreamsLstmStruct.InputSize;
    public override int HiddenSize => StreamsLstmStruct.HiddenSize;
    public override int Layers => StreamsLstmStruct.Layers;
    public override int MaxBatch => StreamsLstmStruct.MaxBatch;
    public override bool HasCell => true;
    public override Span<double> HiddenState => _box.Layer.HiddenState;
    public override Span<double> CellState => _box.Layer.CellState;
    public override Span<double> InitialHiddenState => _box.Layer.InitialHiddenState;
    public override Span<double> InitialCellState => _box.Layer.InitialCellState;
    public override IParameterTensors<double> Tensors => new StructTensors(this);
    public override void Step(ReadOnlySpan<double> input, Span<double> output) => _box.Layer.Step(input, output);
    public override void Forward(ReadOnlySpan<double> input, Span<double> output, int steps) => _box.Layer.Forward(input, output, steps);
    public override void ResetState() => _box.Layer.ResetState();

    // The struct's own IParameterTensors<double> on a boxed copy would write the copy; this one reaches the field.
    private sealed class StructTensors(StreamsLstmStructUnderTest owner) : IParameterTensors<double>
    {
        public int ParameterTensorCount => ((IParameterTensors<double>)default(StreamsLstmStruct)).ParameterTensorCount;
        public string ParameterTensorName(int index) => ((IParameterTensors<double>)default(StreamsLstmStruct)).ParameterTensorName(index);
        public TensorDescription DescribeParameterTensor(int index) => ((IParameterTensors<double>)default(StreamsLstmStruct)).DescribeParameterTensor(index);
        public Span<double> ParameterTensor(int index) => index switch
        {
            0 => owner._box.Layer.WeightIhL0, 1 => owner._box.Layer.WeightHhL0, 2 => owner._box.Layer.BiasIhL0, 3 => owner._box.Layer.BiasHhL0,
            4 => owner._box.Layer.WeightIhL1, 5 => owner._box.Layer.WeightHhL1, 6 => owner._box.Layer.BiasIhL1, 7 => owner._box.Layer.BiasHhL1,
            8 => owner._box.Layer.InitialHiddenState, 9 => owner._box.Layer.InitialCellState,
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };
    }
}

internal sealed class StreamsGruStructUnderTest : RecurrentUnderTest<double>
{
    private readonly StrongBox _box = new();
    private sealed class StrongBox { public StreamsGruStruct Layer; }
    public override string Name => nameof(StreamsGruStruct);
    public override int InputSize => StreamsGruStruct.InputSize;
    public override int HiddenSize => StreamsGruStruct.HiddenSize;
    public override int Layers => StreamsGruStruct.Layers;
    public override int MaxBatch => StreamsGruStruct.MaxBatch;
    public override bool HasCell => false;
    public override Span<double> HiddenState => _box.Layer.HiddenState;
    public override Span<double> CellState => default;
    public override Span<double> InitialHiddenState => _box.Layer.InitialHiddenState;
    public override Span<double> InitialCellState => default;
    public override IParameterTensors<double> Tensors => new StructTensors(this);
    public override void Step(ReadOnlySpan<double> input, Span<double> output) => _box.Layer.Step(input, output);
    public override void Forward(ReadOnlySpan<double> input, Span<double> output, int steps) => _box.Layer.Forward(input, output, steps);
    public override void ResetState() => _box.Layer.ResetState();

    private sealed class StructTensors(StreamsGruStructUnderTest owner) : IParameterTensors<double>
    {
        public int ParameterTensorCount => ((IParameterTensors<double>)default(StreamsGruStruct)).ParameterTensorCount;
        public string ParameterTensorName(int index) => ((IParameterTensors<double>)default(StreamsGruStruct)).ParameterTensorName(index);
        public TensorDescription DescribeParameterTensor(int index) => ((IParameterTensors<double>)default(StreamsGruStruct)).DescribeParameterTensor(index);
        public Span<double> ParameterTensor(int index) => index switch
        {
            0 => owner._box.Layer.WeightIhL0, 1 => owner._box.Layer.WeightHhL0, 2 => owner._box.Layer.BiasIhL0, 3 => owner._box.Layer.BiasHhL0,
            4 => owner._box.Layer.WeightIhL1, 5 => owner._box.Layer.WeightHhL1, 6 => owner._box.Layer.BiasIhL1, 7 => owner._box.Layer.BiasHhL1,
            8 => owner._box.Layer.InitialHiddenState,
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };
    }
}
