using System;

namespace DenseGen.Tests.Recurrent;

/// <summary>The recurrent layer kinds the reference computes, with PyTorch's gate order.</summary>
internal enum RecurrentKind
{
    /// <summary><c>nn.LSTM</c>: gate rows i, f, g, o.</summary>
    Lstm,

    /// <summary><c>nn.GRU</c>: gate rows r, z, n.</summary>
    Gru,
}

/// <summary>
/// A stack of LSTM or GRU layers computed in double, forward and backward through time, written from PyTorch's formulas
/// and nothing else, so that generated recurrent layers and PyTorch's recorded results can both be checked against it.
/// LSTM: gates = W_ih x + b_ih + W_hh h + b_hh, c' = σ(f) c + σ(i) tanh(g), h' = σ(o) tanh(c').
/// GRU: r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
/// h' = (1 − z) n + z h. Layer k's input at step t is layer k − 1's h at step t.
/// Tensors are flat arrays in PyTorch's row-major layout: input [streams, steps, in], states [layers, streams, hidden],
/// weights as the state dict holds them.
/// </summary>
internal sealed class RecurrentReference
{
    /// <summary>A stack of <paramref name="layers"/> layers with zero weights, to be filled in.</summary>
    public RecurrentReference(RecurrentKind kind, int inputSize, int hiddenSize, int layers)
    {
        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        int rows = Gates * hiddenSize;
        WeightIh = new double[layers][];
        WeightHh = new double[layers][];
        BiasIh = new double[layers][];
        BiasHh = new double[layers][];
        for (int k = 0; k < layers; k++)
        {
            WeightIh[k] = new double[rows * LayerInput(k)];
            WeightHh[k] = new double[rows * hiddenSize];
            BiasIh[k] = new double[rows];
            BiasHh[k] = new double[rows];
        }
    }

    public RecurrentKind Kind { get; }

    public int InputSize { get; }

    public int HiddenSize { get; }

    public int Layers { get; }

    /// <summary>Gate blocks stacked in each weight's rows: 4 for an LSTM, 3 for a GRU.</summary>
    public int Gates => Kind == RecurrentKind.Lstm ? 4 : 3;

    /// <summary>weight_ih_l{k}: [gates · hidden, in] (in = hidden above the first layer).</summary>
    public double[][] WeightIh { get; }

    /// <summary>weight_hh_l{k}: [gates · hidden, hidden].</summary>
    public double[][] WeightHh { get; }

    /// <summary>bias_ih_l{k}: [gates · hidden].</summary>
    public double[][] BiasIh { get; }

    /// <summary>bias_hh_l{k}: [gates · hidden].</summary>
    public double[][] BiasHh { get; }

    /// <summary>The width of layer <paramref name="k"/>'s input.</summary>
    public int LayerInput(int k) => k == 0 ? InputSize : HiddenSize;

    /// <summary>The forward pass's results, and what the backward pass needs of it.</summary>
    internal sealed class Pass
    {
        /// <summary>The last layer's h at every step: [streams, steps, hidden].</summary>
        public required double[] Output { get; init; }

        /// <summary>The final h of every layer: [layers, streams, hidden].</summary>
        public required double[] HN { get; init; }

        /// <summary>The final c of every layer (LSTM), else null.</summary>
        public required double[]? CN { get; init; }

        internal required int Streams { get; init; }

        internal required int Steps { get; init; }

        /// <summary>[layer][stream][step]: the step's record.</summary>
        internal required StepRecord[][][] Records { get; init; }
    }

    /// <summary>One step of one layer for one stream: its input, the state it started from, and what it computed.</summary>
    internal sealed class StepRecord
    {
        public required double[] X { get; init; }

        public required double[] H { get; init; }

        public required double[] C { get; init; }

        /// <summary>The gates after their activations, in the weights' row order.</summary>
        public required double[] Gates { get; init; }

        /// <summary>GRU: W_hn h + b_hn, which r multiplies. LSTM: c'.</summary>
        public required double[] Extra { get; init; }

        public required double[] HNext { get; init; }
    }

    /// <summary>The gradients of a loss with respect to every parameter, the input and the initial state.</summary>
    internal sealed class Gradients
    {
        public required double[][] WeightIh { get; init; }

        public required double[][] WeightHh { get; init; }

        public required double[][] BiasIh { get; init; }

        public required double[][] BiasHh { get; init; }

        /// <summary>[streams, steps, in].</summary>
        public required double[] X { get; init; }

        /// <summary>[layers, streams, hidden].</summary>
        public required double[] H0 { get; init; }

        /// <summary>[layers, streams, hidden] (LSTM), else null.</summary>
        public required double[]? C0 { get; init; }
    }

    /// <summary>
    /// Runs <paramref name="streams"/> sequences of <paramref name="steps"/> steps from <paramref name="h0"/> (and, for
    /// an LSTM, <paramref name="c0"/>; null means zero).
    /// </summary>
    public Pass Forward(double[] x, int streams, int steps, double[]? h0, double[]? c0)
    {
        int hidden = HiddenSize;
        var output = new double[streams * steps * hidden];
        var hN = new double[Layers * streams * hidden];
        double[]? cN = Kind == RecurrentKind.Lstm ? new double[Layers * streams * hidden] : null;
        var records = new StepRecord[Layers][][];
        for (int k = 0; k < Layers; k++)
        {
            records[k] = new StepRecord[streams][];
            for (int s = 0; s < streams; s++)
            {
                int at = (k * streams + s) * hidden;
                double[] h = h0 is null ? new double[hidden] : h0.AsSpan(at, hidden).ToArray();
                double[] c = c0 is null ? new double[hidden] : c0.AsSpan(at, hidden).ToArray();
                records[k][s] = new StepRecord[steps];
                for (int t = 0; t < steps; t++)
                {
                    double[] input = k == 0
                        ? x.AsSpan((s * steps + t) * InputSize, InputSize).ToArray()
                        : records[k - 1][s][t].HNext;
                    StepRecord record = Kind == RecurrentKind.Lstm ? LstmStep(k, input, h, c) : GruStep(k, input, h);
                    records[k][s][t] = record;
                    h = record.HNext;
                    if (Kind == RecurrentKind.Lstm)
                        c = record.Extra;
                    if (k == Layers - 1)
                        h.CopyTo(output, (s * steps + t) * hidden);
                }
                h.CopyTo(hN, at);
                if (cN is not null)
                    c.CopyTo(cN, at);
            }
        }
        return new Pass { Output = output, HN = hN, CN = cN, Streams = streams, Steps = steps, Records = records };
    }

    /// <summary>
    /// Back-propagates through time the gradient <paramref name="dOutput"/> [streams, steps, hidden] of a loss with
    /// respect to <paramref name="pass"/>'s output (the final states are taken to have no gradient of their own).
    /// </summary>
    public Gradients Backward(Pass pass, double[] dOutput)
    {
        int hidden = HiddenSize, streams = pass.Streams, steps = pass.Steps;
        var gradients = new Gradients
        {
            WeightIh = Array.ConvertAll(WeightIh, w => new double[w.Length]),
            WeightHh = Array.ConvertAll(WeightHh, w => new double[w.Length]),
            BiasIh = Array.ConvertAll(BiasIh, b => new double[b.Length]),
            BiasHh = Array.ConvertAll(BiasHh, b => new double[b.Length]),
            X = new double[streams * steps * InputSize],
            H0 = new double[Layers * streams * hidden],
            C0 = Kind == RecurrentKind.Lstm ? new double[Layers * streams * hidden] : null,
        };

        // dAbove[s][t]: the gradient with respect to layer k's h at step t, from the output or from the layer above.
        var dAbove = new double[streams][][];
        for (int s = 0; s < streams; s++)
        {
            dAbove[s] = new double[steps][];
            for (int t = 0; t < steps; t++)
                dAbove[s][t] = dOutput.AsSpan((s * steps + t) * hidden, hidden).ToArray();
        }

        for (int k = Layers - 1; k >= 0; k--)
        {
            int inputs = LayerInput(k);
            var dBelow = new double[streams][][];
            for (int s = 0; s < streams; s++)
            {
                dBelow[s] = new double[steps][];
                var dh = new double[hidden];
                var dc = new double[hidden];
                for (int t = steps - 1; t >= 0; t--)
                {
                    for (int j = 0; j < hidden; j++)
                        dh[j] += dAbove[s][t][j];
                    StepRecord record = pass.Records[k][s][t];
                    (double[] dIh, double[] dHh, double[] dhDirect) = Kind == RecurrentKind.Lstm
                        ? LstmStepBackward(record, dh, dc)
                        : GruStepBackward(record, dh);
                    Accumulate(gradients.WeightIh[k], gradients.BiasIh[k], dIh, record.X);
                    Accumulate(gradients.WeightHh[k], gradients.BiasHh[k], dHh, record.H);
                    dBelow[s][t] = TransposeTimes(WeightIh[k], dIh, inputs);
                    double[] dhPrevious = TransposeTimes(WeightHh[k], dHh, hidden);
                    for (int j = 0; j < hidden; j++)
                        dh[j] = dhPrevious[j] + dhDirect[j];
                }
                int at = (k * streams + s) * hidden;
                dh.CopyTo(gradients.H0, at);
                if (gradients.C0 is not null)
                    dc.CopyTo(gradients.C0, at);
                if (k == 0)
                {
                    for (int t = 0; t < steps; t++)
                        dBelow[s][t].CopyTo(gradients.X, (s * steps + t) * InputSize);
                }
            }
            dAbove = dBelow;
        }
        return gradients;
    }

    private StepRecord LstmStep(int k, double[] x, double[] h, double[] c)
    {
        int hidden = HiddenSize;
        double[] a = PreActivation(WeightIh[k], BiasIh[k], x);
        double[] b = PreActivation(WeightHh[k], BiasHh[k], h);
        var gates = new double[4 * hidden];
        var cNext = new double[hidden];
        var hNext = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double i = Sigmoid(a[j] + b[j]);
            double f = Sigmoid(a[hidden + j] + b[hidden + j]);
            double g = Math.Tanh(a[2 * hidden + j] + b[2 * hidden + j]);
            double o = Sigmoid(a[3 * hidden + j] + b[3 * hidden + j]);
            (gates[j], gates[hidden + j], gates[2 * hidden + j], gates[3 * hidden + j]) = (i, f, g, o);
            cNext[j] = f * c[j] + i * g;
            hNext[j] = o * Math.Tanh(cNext[j]);
        }
        return new StepRecord { X = x, H = h, C = c, Gates = gates, Extra = cNext, HNext = hNext };
    }

    private StepRecord GruStep(int k, double[] x, double[] h)
    {
        int hidden = HiddenSize;
        double[] a = PreActivation(WeightIh[k], BiasIh[k], x);
        double[] b = PreActivation(WeightHh[k], BiasHh[k], h);
        var gates = new double[3 * hidden];
        var hn = new double[hidden];
        var hNext = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double r = Sigmoid(a[j] + b[j]);
            double z = Sigmoid(a[hidden + j] + b[hidden + j]);
            hn[j] = b[2 * hidden + j];
            double n = Math.Tanh(a[2 * hidden + j] + r * hn[j]);
            (gates[j], gates[hidden + j], gates[2 * hidden + j]) = (r, z, n);
            hNext[j] = (1 - z) * n + z * h[j];
        }
        return new StepRecord { X = x, H = h, C = [], Gates = gates, Extra = hn, HNext = hNext };
    }

    /// <summary>
    /// One LSTM step backward: from dL/dh' and dL/dc' (<paramref name="dc"/>, replaced by dL/dc), the gradients of the
    /// input-side and hidden-side pre-activations (the same for an LSTM) and the part of dL/dh that bypasses W_hh (none).
    /// </summary>
    private (double[] DIh, double[] DHh, double[] DhDirect) LstmStepBackward(StepRecord record, double[] dh, double[] dc)
    {
        int hidden = HiddenSize;
        var da = new double[4 * hidden];
        for (int j = 0; j < hidden; j++)
        {
            double i = record.Gates[j], f = record.Gates[hidden + j], g = record.Gates[2 * hidden + j], o = record.Gates[3 * hidden + j];
            double tanhC = Math.Tanh(record.Extra[j]);
            double dcNext = dc[j] + dh[j] * o * (1 - tanhC * tanhC);
            da[j] = dcNext * g * i * (1 - i);
            da[hidden + j] = dcNext * record.C[j] * f * (1 - f);
            da[2 * hidden + j] = dcNext * i * (1 - g * g);
            da[3 * hidden + j] = dh[j] * tanhC * o * (1 - o);
            dc[j] = dcNext * f;
        }
        return (da, da, new double[hidden]);
    }

    /// <summary>One GRU step backward: the input-side and hidden-side pre-activation gradients (they differ in n's block, which r scales) and z ⊙ dL/dh'.</summary>
    private (double[] DIh, double[] DHh, double[] DhDirect) GruStepBackward(StepRecord record, double[] dh)
    {
        int hidden = HiddenSize;
        var dIh = new double[3 * hidden];
        var dHh = new double[3 * hidden];
        var direct = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double r = record.Gates[j], z = record.Gates[hidden + j], n = record.Gates[2 * hidden + j];
            double dn = dh[j] * (1 - z) * (1 - n * n);
            double dz = dh[j] * (record.H[j] - n) * z * (1 - z);
            double dr = dn * record.Extra[j] * r * (1 - r);
            (dIh[j], dIh[hidden + j], dIh[2 * hidden + j]) = (dr, dz, dn);
            (dHh[j], dHh[hidden + j], dHh[2 * hidden + j]) = (dr, dz, dn * r);
            direct[j] = dh[j] * z;
        }
        return (dIh, dHh, direct);
    }

    /// <summary>W v + b for W stored [rows, v.Length].</summary>
    private static double[] PreActivation(double[] weight, double[] bias, double[] v)
    {
        var result = new double[bias.Length];
        for (int row = 0; row < bias.Length; row++)
        {
            double sum = bias[row];
            for (int col = 0; col < v.Length; col++)
                sum += weight[row * v.Length + col] * v[col];
            result[row] = sum;
        }
        return result;
    }

    /// <summary>Wᵀ d for W stored [d.Length, columns].</summary>
    private static double[] TransposeTimes(double[] weight, double[] d, int columns)
    {
        var result = new double[columns];
        for (int row = 0; row < d.Length; row++)
        {
            for (int col = 0; col < columns; col++)
                result[col] += weight[row * columns + col] * d[row];
        }
        return result;
    }

    /// <summary>dW += d vᵀ, db += d.</summary>
    private static void Accumulate(double[] dWeight, double[] dBias, double[] d, double[] v)
    {
        for (int row = 0; row < d.Length; row++)
        {
            dBias[row] += d[row];
            for (int col = 0; col < v.Length; col++)
                dWeight[row * v.Length + col] += d[row] * v[col];
        }
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
