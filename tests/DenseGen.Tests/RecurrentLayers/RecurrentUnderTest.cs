using System;
using System.Linq;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// One generated recurrent layer behind a common surface, so that one set of checks runs on every shape, storage and
/// element type. The sizes are read from the tensor table (the first input weight is <c>[Gates·Hidden, In]</c>, the
/// initial hidden state <c>[Layers, Hidden]</c>) and the running state's length; a struct layer lives in a
/// <see cref="Box{TLayer}"/> and is called in place.
/// </summary>
public sealed class RecurrentUnderTest<T> where T : unmanaged
{
    public delegate Span<T> SpanOf();

    public delegate void StepFunction(ReadOnlySpan<T> input, Span<T> output);

    public delegate void ForwardFunction(ReadOnlySpan<T> input, Span<T> output, int steps);

    public delegate void BackwardFunction(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);

    /// <summary>A trainable layer's Backward, its state gradients and ZeroGradients.</summary>
    public sealed record Training(BackwardFunction Backward, SpanOf HiddenGradients, SpanOf? CellGradients, Action ZeroGradients);

    private readonly SpanOf _hidden;
    private readonly SpanOf? _cell;
    private readonly StepFunction _step;
    private readonly ForwardFunction _forward;
    private readonly Action _reset;
    private readonly Training? _training;

    public RecurrentUnderTest(string name, IParameterTensors<T> tensors, SpanOf hidden, SpanOf? cell, StepFunction step, ForwardFunction forward, Action reset, Training? training = null)
    {
        Name = name;
        Tensors = tensors;
        (_hidden, _cell, _step, _forward, _reset, _training) = (hidden, cell, step, forward, reset, training);
        int[] initial = tensors.DescribeParameterTensor(IndexOf("initial_hidden")).Shape.ToArray();
        (Layers, HiddenSize) = (initial[0], initial[1]);
        InputSize = tensors.DescribeParameterTensor(0).Shape.ToArray()[1];
        MaxBatch = hidden().Length / (Layers * HiddenSize);
    }

    public string Name { get; }
    public IParameterTensors<T> Tensors { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }
    public int Layers { get; }
    public int MaxBatch { get; }
    public bool HasCell => _cell is not null;
    public Span<T> HiddenState => _hidden();
    public Span<T> CellState => _cell is null ? default : _cell();
    public Span<T> InitialHiddenState => Tensors.ParameterTensor(IndexOf("initial_hidden"));
    public Span<T> InitialCellState => HasCell ? Tensors.ParameterTensor(IndexOf("initial_cell")) : default;

    public void Step(ReadOnlySpan<T> input, Span<T> output) => _step(input, output);

    public void Forward(ReadOnlySpan<T> input, Span<T> output, int steps) => _forward(input, output, steps);

    public void ResetState() => _reset();

    /// <summary>The layer's tensors and gradients as optimizers see them; throws for a frozen layer.</summary>
    public ITrainable<T> Trainable => (ITrainable<T>)Tensors;

    public void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) => TrainingOrThrow.Backward(input, outputGradient, inputGradient);

    public Span<T> HiddenStateGradients => TrainingOrThrow.HiddenGradients();

    public Span<T> CellStateGradients => TrainingOrThrow.CellGradients is { } cell ? cell() : default;

    public void ZeroGradients() => TrainingOrThrow.ZeroGradients();

    /// <summary>The gradient of tensor <paramref name="name"/> (empty for one the layer does not train).</summary>
    public Span<T> GradientOf(string name) => Trainable.GradientTensor(IndexOf(name));

    /// <summary>The values of tensor <paramref name="name"/>.</summary>
    public Span<T> TensorOf(string name) => Tensors.ParameterTensor(IndexOf(name));

    private Training TrainingOrThrow => _training ?? throw new InvalidOperationException($"{Name} is frozen");

    /// <summary>Every tensor random in [−0.5, 0.5), the initial state included, so that every term of the step shows.</summary>
    public void Randomize(Random random)
    {
        for (int t = 0; t < Tensors.ParameterTensorCount; t++)
        {
            Span<T> tensor = Tensors.ParameterTensor(t);
            for (int j = 0; j < tensor.Length; j++)
                tensor[j] = (T)Convert.ChangeType(random.NextDouble() - 0.5, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary><paramref name="count"/> values random in [−1, 1).</summary>
    public static T[] RandomValues(Random random, int count)
    {
        var values = new T[count];
        for (int i = 0; i < count; i++)
            values[i] = (T)Convert.ChangeType(2 * random.NextDouble() - 1, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        return values;
    }

    /// <summary>Copies every tensor of <paramref name="source"/> (same type) into this layer.</summary>
    public void CopyTensorsFrom(RecurrentUnderTest<T> source)
    {
        for (int i = 0; i < Tensors.ParameterTensorCount; i++)
            source.Tensors.ParameterTensor(i).CopyTo(Tensors.ParameterTensor(i));
    }

    /// <summary>
    /// A class layer of another assembly (one compiled in memory, say) through reflection: its members are the generated
    /// ones, bound as delegates, so the checks call them as they call a declared layer's.
    /// </summary>
    public static RecurrentUnderTest<T> Reflect(object layer)
    {
        Type type = layer.GetType();
        TDelegate Bind<TDelegate>(string method) where TDelegate : Delegate => type.GetMethod(method)!.CreateDelegate<TDelegate>(layer);
        SpanOf? SpanIfAny(string property) => type.GetProperty(property) is { } found ? found.GetMethod!.CreateDelegate<SpanOf>(layer) : null;
        Training? training = type.GetMethod("Backward") is null ? null
            : new(Bind<BackwardFunction>("Backward"), SpanIfAny("HiddenStateGradients")!, SpanIfAny("CellStateGradients"), Bind<Action>("ZeroGradients"));
        return new(type.Name, (IParameterTensors<T>)layer, SpanIfAny("HiddenState")!, SpanIfAny("CellState"), Bind<StepFunction>("Step"), Bind<ForwardFunction>("Forward"),
            Bind<Action>("ResetState"), training);
    }

    public int IndexOf(string tensor) => Enumerable.Range(0, Tensors.ParameterTensorCount).Single(i => Tensors.ParameterTensorName(i) == tensor);

    public override string ToString() => Name;

    /// <summary>
    /// A struct layer in a field of a class, whose tensor table reaches the field through a constrained call: the
    /// struct's own <c>IParameterTensors</c>, cast to the interface, would box a copy and hand out spans of that.
    /// </summary>
    public sealed class Box<TLayer> : ITrainable<T> where TLayer : struct, ITrainable<T>
    {
        public TLayer Layer;

        public int ParameterTensorCount => Layer.ParameterTensorCount;

        public string ParameterTensorName(int index) => Layer.ParameterTensorName(index);

        public TensorDescription DescribeParameterTensor(int index) => Layer.DescribeParameterTensor(index);

        public Span<T> ParameterTensor(int index) => Layer.ParameterTensor(index);

        public Span<T> GradientTensor(int index) => Layer.GradientTensor(index);
    }
}

/// <summary>The declared recurrent layers (RecurrentLayers.cs) behind <see cref="RecurrentUnderTest{T}"/>.</summary>
internal static class RecurrentLayersUnderTest
{
    /// <summary>The declared float layer (RecurrentLayers.cs) of a PyTorch fixture's shape, <c>lstm_in1_h8_l1</c> and the like.</summary>
    public static string FixtureLayerName(string shape) => shape switch
    {
        "lstm_in1_h8_l1" => nameof(FixtureLstm1x8),
        "lstm_in1_h8_l2" => nameof(FixtureLstm1x8x2),
        "lstm_in3_h40_l1" => nameof(FixtureLstm3x40),
        "lstm_in3_h40_l2" => nameof(FixtureLstm3x40x2),
        "lstm_in2_h64_l1" => nameof(FixtureLstm2x64),
        "gru_in1_h8_l1" => nameof(FixtureGru1x8),
        "gru_in1_h8_l2" => nameof(FixtureGru1x8x2),
        "gru_in3_h40_l2" => nameof(FixtureGru3x40x2),
        "gru_in2_h64_l1" => nameof(FixtureGru2x64),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "no layer is declared for this fixture's shape"),
    };

    public static RecurrentUnderTest<float> Float(string name)
    {
        switch (name)
        {
            case nameof(StreamsLstm): { var l = new StreamsLstm(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(StreamsGru): { var l = new StreamsGru(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(StreamsLstmDeterministic): { var l = new StreamsLstmDeterministic(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(StreamsGruDeterministic): { var l = new StreamsGruDeterministic(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FusedLstmStruct):
            {
                var box = new RecurrentUnderTest<float>.Box<FusedLstmStruct>();
                return new(name, box, () => box.Layer.HiddenState, () => box.Layer.CellState, (x, y) => box.Layer.Step(x, y), (x, y, t) => box.Layer.Forward(x, y, t), () => box.Layer.ResetState(),
                    new((x, dy, dx) => box.Layer.Backward(x, dy, dx), () => box.Layer.HiddenStateGradients, () => box.Layer.CellStateGradients, () => box.Layer.ZeroGradients()));
            }
            case nameof(FusedGruStruct):
            {
                var box = new RecurrentUnderTest<float>.Box<FusedGruStruct>();
                return new(name, box, () => box.Layer.HiddenState, null, (x, y) => box.Layer.Step(x, y), (x, y, t) => box.Layer.Forward(x, y, t), () => box.Layer.ResetState(),
                    new((x, dy, dx) => box.Layer.Backward(x, dy, dx), () => box.Layer.HiddenStateGradients, null, () => box.Layer.ZeroGradients()));
            }
            case nameof(WideInputLstm): { var l = new WideInputLstm(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(WideInputGru): { var l = new WideInputGru(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(WideInputLstm8): { var l = new WideInputLstm8(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(WideInputGru8): { var l = new WideInputGru8(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FixtureLstm1x8): { var l = new FixtureLstm1x8(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm1x8x2): { var l = new FixtureLstm1x8x2(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm3x40): { var l = new FixtureLstm3x40(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm3x40x2): { var l = new FixtureLstm3x40x2(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm2x64): { var l = new FixtureLstm2x64(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureGru1x8): { var l = new FixtureGru1x8(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FixtureGru1x8x2): { var l = new FixtureGru1x8x2(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FixtureGru3x40x2): { var l = new FixtureGru3x40x2(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FixtureGru2x64): { var l = new FixtureGru2x64(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            default: throw new ArgumentOutOfRangeException(nameof(name), name, "no such float recurrent layer is declared");
        }
    }

    public static RecurrentUnderTest<double> Double(string name)
    {
        switch (name)
        {
            case nameof(StreamsLstmStruct):
            {
                var box = new RecurrentUnderTest<double>.Box<StreamsLstmStruct>();
                return new(name, box, () => box.Layer.HiddenState, () => box.Layer.CellState, (x, y) => box.Layer.Step(x, y), (x, y, t) => box.Layer.Forward(x, y, t), () => box.Layer.ResetState(),
                    new((x, dy, dx) => box.Layer.Backward(x, dy, dx), () => box.Layer.HiddenStateGradients, () => box.Layer.CellStateGradients, () => box.Layer.ZeroGradients()));
            }
            case nameof(StreamsGruStruct):
            {
                var box = new RecurrentUnderTest<double>.Box<StreamsGruStruct>();
                return new(name, box, () => box.Layer.HiddenState, null, (x, y) => box.Layer.Step(x, y), (x, y, t) => box.Layer.Forward(x, y, t), () => box.Layer.ResetState(),
                    new((x, dy, dx) => box.Layer.Backward(x, dy, dx), () => box.Layer.HiddenStateGradients, null, () => box.Layer.ZeroGradients()));
            }
            case nameof(FixtureLstm1x8Double): { var l = new FixtureLstm1x8Double(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm1x8x2Double): { var l = new FixtureLstm1x8x2Double(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm3x40Double): { var l = new FixtureLstm3x40Double(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm3x40x2Double): { var l = new FixtureLstm3x40x2Double(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureLstm2x64Double): { var l = new FixtureLstm2x64Double(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FixtureGru1x8Double): { var l = new FixtureGru1x8Double(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FixtureGru1x8x2Double): { var l = new FixtureGru1x8x2Double(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FixtureGru3x40x2Double): { var l = new FixtureGru3x40x2Double(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FixtureGru2x64Double): { var l = new FixtureGru2x64Double(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            case nameof(FiniteLstm): { var l = new FiniteLstm(); return new(name, l, () => l.HiddenState, () => l.CellState, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, () => l.CellStateGradients, l.ZeroGradients)); }
            case nameof(FiniteGru): { var l = new FiniteGru(); return new(name, l, () => l.HiddenState, null, l.Step, l.Forward, l.ResetState, new(l.Backward, () => l.HiddenStateGradients, null, l.ZeroGradients)); }
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such double recurrent layer is declared");
        }
    }
}
