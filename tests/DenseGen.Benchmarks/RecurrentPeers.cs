using System;
using DenseGen.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace DenseGen.Benchmarks;

/// <summary>
/// One recurrent layer and its dense head in PyTorch's layout: <c>weight_ih_l0</c> <c>[G·H, In]</c>,
/// <c>weight_hh_l0</c> <c>[G·H, H]</c>, <c>bias_ih_l0</c>, <c>bias_hh_l0</c> <c>[G·H]</c> with the gate blocks in
/// PyTorch's order (LSTM i, f, g, o; GRU r, z, n), then the head's <c>[1, H]</c> weight and its bias. Every value uniform
/// in ±1/√H, as PyTorch initializes <c>nn.LSTM</c>, <c>nn.GRU</c> and an <c>nn.Linear</c> of H inputs.
/// </summary>
public sealed record RecurrentWeights(bool IsLstm, int In, int Hidden, float[] WeightIh, float[] WeightHh, float[] BiasIh, float[] BiasHh, float[] HeadWeight, float[] HeadBias)
{
    public int Gates => IsLstm ? 4 : 3;

    /// <summary>Every weight and bias, the recurrent layer's and the head's.</summary>
    public int Count => WeightIh.Length + WeightHh.Length + BiasIh.Length + BiasHh.Length + HeadWeight.Length + HeadBias.Length;

    public static RecurrentWeights Random(bool isLstm, int inputs, int hidden, ulong seed)
    {
        var random = new SeededRandom(seed);
        int rows = (isLstm ? 4 : 3) * hidden;
        float bound = 1 / MathF.Sqrt(hidden);
        float[] Uniform(int count)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
                values[i] = (float)((2 * random.NextDouble() - 1) * bound);
            return values;
        }
        return new RecurrentWeights(isLstm, inputs, hidden, Uniform(rows * inputs), Uniform(rows * hidden), Uniform(rows), Uniform(rows), Uniform(hidden), Uniform(1));
    }

    /// <summary>All of them one after the other, for the read floor.</summary>
    public void CopyTo(Span<float> destination)
    {
        int at = 0;
        foreach (float[] tensor in new[] { WeightIh, WeightHh, BiasIh, BiasHh, HeadWeight, HeadBias })
        {
            tensor.CopyTo(destination.Slice(at));
            at += tensor.Length;
        }
    }
}

/// <summary>
/// TorchSharp's <c>nn.LSTM</c> or <c>nn.GRU</c> (batch 1, one time step per call, the state carried from call to call as
/// a user streaming audio carries it) and an <c>nn.Linear(H, 1)</c>, on one thread, under <c>no_grad</c>. With
/// <c>cell: true</c>, <c>nn.LSTMCell</c> or <c>nn.GRUCell</c> instead: the same step without the sequence dimension,
/// which libtorch runs through a lighter path.
/// </summary>
public sealed class TorchRecurrent : IDisposable
{
    private readonly nn.Module _recurrent;
    private readonly TorchSharp.Modules.LSTM? _lstm;
    private readonly TorchSharp.Modules.GRU? _gru;
    private readonly TorchSharp.Modules.LSTMCell? _lstmCell;
    private readonly TorchSharp.Modules.GRUCell? _gruCell;
    private readonly TorchSharp.Modules.Linear _head;
    private readonly Tensor[] _inputs;
    private Tensor _h, _c;

    /// <param name="signal"><c>[steps, In]</c>: the inputs, made into one tensor per step here, outside the timed calls.</param>
    public TorchRecurrent(RecurrentWeights weights, float[] signal, bool cell = false)
    {
        LibTorchLoader.PrepareNativeLibrary();
        torch.set_num_threads(1);
        int rows = weights.Gates * weights.Hidden;
        string suffix = cell ? "" : "_l0";
        // nn.LSTM and nn.GRU take [steps, batch, In] and a state of [layers, batch, H]; the cells [batch, In] and [batch, H].
        long[] inputShape = cell ? [1, weights.In] : [1, 1, weights.In];
        long[] stateShape = cell ? [1, weights.Hidden] : [1, 1, weights.Hidden];
        _recurrent = (weights.IsLstm, cell) switch
        {
            (true, false) => _lstm = nn.LSTM(weights.In, weights.Hidden),
            (false, false) => _gru = nn.GRU(weights.In, weights.Hidden),
            (true, true) => _lstmCell = nn.LSTMCell(weights.In, weights.Hidden),
            (false, true) => _gruCell = nn.GRUCell(weights.In, weights.Hidden),
        };
        _head = nn.Linear(weights.Hidden, 1);
        using (torch.no_grad())
        {
            Copy(_recurrent.get_parameter("weight_ih" + suffix), weights.WeightIh, [rows, weights.In]);
            Copy(_recurrent.get_parameter("weight_hh" + suffix), weights.WeightHh, [rows, weights.Hidden]);
            Copy(_recurrent.get_parameter("bias_ih" + suffix), weights.BiasIh, [rows]);
            Copy(_recurrent.get_parameter("bias_hh" + suffix), weights.BiasHh, [rows]);
            Copy(_head.weight, weights.HeadWeight, [1, weights.Hidden]);
            Copy(_head.bias, weights.HeadBias, [1]);
        }
        _inputs = new Tensor[signal.Length / weights.In];
        for (int t = 0; t < _inputs.Length; t++)
            _inputs[t] = torch.tensor(signal.AsSpan(t * weights.In, weights.In).ToArray(), inputShape);
        _h = torch.zeros(stateShape);
        _c = torch.zeros(stateShape);
    }

    private static void Copy(Tensor? parameter, float[] values, long[] shape)
    {
        if (parameter is null)
            throw new InvalidOperationException("TorchSharp's module lacks a parameter PyTorch's has.");
        using Tensor source = torch.tensor(values, shape);
        parameter.copy_(source);
    }

    /// <summary>One time step on input <paramref name="t"/>: the head's output, which the caller disposes.</summary>
    public Tensor Step(int t)
    {
        using var noGradient = torch.no_grad();
        Tensor x = _inputs[t], h, c = _c, y;
        if (_lstm is not null)
        {
            (Tensor output, h, c) = _lstm.forward(x, (_h, _c));
            y = _head.forward(output);
            output.Dispose();
        }
        else if (_gru is not null)
        {
            (Tensor output, h) = _gru.forward(x, _h);
            y = _head.forward(output);
            output.Dispose();
        }
        else
        {
            // A cell's output is its new hidden state.
            if (_lstmCell is not null)
                (h, c) = _lstmCell.forward(x, (_h, _c));
            else
                h = _gruCell!.forward(x, _h);
            y = _head.forward(h);
        }
        if (!ReferenceEquals(_h, h))
            _h.Dispose();
        if (!ReferenceEquals(_c, c))
            _c.Dispose();
        (_h, _c) = (h, c);
        return y;
    }

    /// <summary>The hidden state after the last step, for the parity check.</summary>
    public float[] HiddenState
    {
        get
        {
            using var values = _h.data<float>();
            return values.ToArray();
        }
    }

    public void Dispose()
    {
        foreach (Tensor input in _inputs)
            input.Dispose();
        _h.Dispose();
        _c.Dispose();
        _head.Dispose();
        _recurrent.Dispose();
    }
}

/// <summary>
/// ONNX Runtime running an ONNX <c>LSTM</c> or <c>GRU</c> node (one time step, batch 1, the state as graph inputs and
/// outputs) and the head as <c>MatMul</c> + <c>Add</c>, set up as every ONNX Runtime peer here (<see cref="OrtMlp.OneThread"/>).
/// The model is written here from the same weights: ONNX orders an LSTM's gate blocks i, o, f, c and a GRU's z, r, h
/// (PyTorch's i, f, g, o and r, z, n), and B is both biases, <c>[Wb; Rb]</c>; the GRU is <c>linear_before_reset = 1</c>,
/// PyTorch's <c>r ⊙ (W_hn h + b_hn)</c>. The state is carried without copies: two bindings over two pairs of state
/// arrays, one reading the pair the other writes, used in turn.
/// </summary>
public sealed class OrtRecurrent : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding[] _bindings;
    private readonly OrtValue[] _values;
    private readonly float[][] _h, _c;
    private readonly float[] _x, _y = new float[1];
    private int _turn;

    public OrtRecurrent(RecurrentWeights weights)
    {
        int inputs = weights.In, hidden = weights.Hidden, gates = weights.Gates;
        int[] onnxOrder = weights.IsLstm ? [0, 3, 1, 2] : [1, 0, 2];
        float[] bias = [.. Reorder(weights.BiasIh, onnxOrder, hidden), .. Reorder(weights.BiasHh, onnxOrder, hidden)];
        var model = new OnnxBuilder(opset: 14)
            .Input("x", 1L, 1L, (long)inputs)
            .Input("h_in", 1L, 1L, (long)hidden)
            .Initializer("W", [1, gates * hidden, inputs], Reorder(weights.WeightIh, onnxOrder, hidden * inputs))
            .Initializer("R", [1, gates * hidden, hidden], Reorder(weights.WeightHh, onnxOrder, hidden * hidden))
            .Initializer("B", [1, 2 * gates * hidden], bias)
            // The head's [1, H] weight is the same memory as the [H, 1] matrix MatMul multiplies by.
            .Initializer("head_w", [hidden, 1], weights.HeadWeight)
            .Initializer("head_b", [1], weights.HeadBias);
        if (weights.IsLstm)
        {
            model.Input("c_in", 1L, 1L, (long)hidden)
                .Node("LSTM", "lstm", ["x", "W", "R", "B", "", "h_in", "c_in"], ["", "h_out", "c_out"], ("hidden_size", (long)hidden));
        }
        else
        {
            model.Node("GRU", "gru", ["x", "W", "R", "B", "", "h_in"], ["", "h_out"], ("hidden_size", (long)hidden), ("linear_before_reset", 1L));
        }
        model.Node("MatMul", "head", ["h_out", "head_w"], ["head_product"])
            .Node("Add", "head_bias", ["head_product", "head_b"], ["y"])
            .Output("y", 1L, 1L, 1L)
            .Output("h_out", 1L, 1L, (long)hidden);
        if (weights.IsLstm)
            model.Output("c_out", 1L, 1L, (long)hidden);

        using SessionOptions options = OrtMlp.OneThread();
        _session = new InferenceSession(model.Build(), options);
        _x = new float[inputs];
        _h = [new float[hidden], new float[hidden]];
        _c = [new float[hidden], new float[hidden]];
        long[] stateShape = [1, 1, hidden];
        OrtValue x = OrtValue.CreateTensorValueFromMemory(_x, [1, 1, inputs]);
        OrtValue y = OrtValue.CreateTensorValueFromMemory(_y, [1, 1, 1]);
        OrtValue[] h = [OrtValue.CreateTensorValueFromMemory(_h[0], stateShape), OrtValue.CreateTensorValueFromMemory(_h[1], stateShape)];
        OrtValue[] c = [OrtValue.CreateTensorValueFromMemory(_c[0], stateShape), OrtValue.CreateTensorValueFromMemory(_c[1], stateShape)];
        _values = [x, y, .. h, .. c];
        _bindings = new OrtIoBinding[2];
        for (int turn = 0; turn < 2; turn++)
        {
            OrtIoBinding binding = _bindings[turn] = _session.CreateIoBinding();
            binding.BindInput("x", x);
            binding.BindInput("h_in", h[turn]);
            binding.BindOutput("y", y);
            binding.BindOutput("h_out", h[1 - turn]);
            if (weights.IsLstm)
            {
                binding.BindInput("c_in", c[turn]);
                binding.BindOutput("c_out", c[1 - turn]);
            }
        }
    }

    /// <summary>PyTorch's gate blocks of <paramref name="blockLength"/> values each, in ONNX's order.</summary>
    private static float[] Reorder(float[] pytorch, int[] onnxOrder, int blockLength)
    {
        var onnx = new float[pytorch.Length];
        for (int block = 0; block < onnxOrder.Length; block++)
            Array.Copy(pytorch, onnxOrder[block] * blockLength, onnx, block * blockLength, blockLength);
        return onnx;
    }

    /// <summary>One time step on <paramref name="input"/>: returns the head's output.</summary>
    public float Step(ReadOnlySpan<float> input)
    {
        input.CopyTo(_x);
        _session.RunWithBinding(_runOptions, _bindings[_turn]);
        _turn ^= 1;
        return _y[0];
    }

    /// <summary>The hidden state after the last step, for the parity check.</summary>
    public float[] HiddenState => _h[_turn];

    public void Dispose()
    {
        foreach (OrtIoBinding binding in _bindings)
            binding.Dispose();
        foreach (OrtValue value in _values)
            value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
