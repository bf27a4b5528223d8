using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Formats;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Models;

/// <summary>
/// Evaluates an ONNX graph in double, node by node as the file writes it (no fusion), and carries with every element a
/// bound on how far a float evaluation of the same nodes may lie from it: the bound the numerical tests derive for dense
/// layers (<see cref="ErrorBound"/>), extended op by op. Float computation rounds each step at u = 2⁻²⁴; the reference's
/// own double rounding (d = 2⁻⁵³) is added to every step so that it, too, lies inside.
/// </summary>
/// <remarks>
/// Per op, with e(x) an input's bound and y the result:
/// <list type="bullet">
/// <item>Gemm, MatMul: γ(K+1)·(Σ|w|(|x| + e(x)) + |b|) + Σ|w|e(x), any summation order, with or without FMA (Higham 3.5).</item>
/// <item>Add, Sub: e(a) + e(b) + u|y|; Mul: |a|e(b) + |b|e(a) + e(a)e(b) + u|y|; Div: (e(a) + |y|e(b)) / (|b| − e(b)) + u|y|
/// (constants are exact: their e is 0). Of two exact operands, +, − and × are exact in double, so the bound is the
/// float rounding itself, |fl(y) − y|: 0 where y is a float, as a mask's 1 − m is.</item>
/// <item>Relu, Clip: e(x) (1-Lipschitz, exact). LeakyRelu: e(x) + 2u|y|. Sigmoid: e(x)/4 + 10u|y|. Tanh, Elu: e(x) + 10u|y|
/// (DenseGen's vector functions are within 4-5 ulps, 2u|y| each; ONNX Runtime's within as much). SiLU written as
/// Mul(z, Sigmoid(z)) then gets (σ + |z|/4)e(z) + 11u|y|, which holds a fused SiLU's 1.1e(z) + 10u|y|.</item>
/// <item>Elu computed as ONNX writes it, α(eˣ − 1), loses to cancellation near 0: 3uαeˣ more.</item>
/// <item>Exp: |y|(e^e(x) − 1) + 4u|y|. Log: e(x)/(x − e(x)) + 4u|y| + 4u·|log| of the argument's ulp (x near 1).</item>
/// <item>Softmax over a row: log yᵢ = xᵢ − log Σ e^xⱼ, whose derivative in xⱼ is δᵢⱼ − yⱼ, so moving the inputs within their
/// bounds moves log yᵢ by at most L = e(xᵢ) + Σ wⱼe(xⱼ), wⱼ ≤ e^(xⱼ + e(xⱼ) − maxₖ(xₖ − e(xₖ))) the largest weight xⱼ can
/// take there (a masked logit's is 0 however large its bound): yᵢ by yᵢ(e^L − 1). The float evaluation's exps (2 ulps),
/// sum (γ(n)) and division add (n + 6)u·yᵢ.</item>
/// <item>LSTM of one step (PyTorch's cell, ONNX's gate order i, o, f, c): each gate's pre-activation a as a product of
/// In + H + 2 terms, γ(In + H + 2)·(Σ|w|(|x| + e(x)) + Σ|r|(|h| + e(h)) + |b|) + Σ|w|e(x) + Σ|r|e(h); σ and tanh as above;
/// c' = f·c + i·g with |f|e(c) + |c|e(f) + e(f)e(c) + |i|e(g) + |g|e(i) + e(i)e(g) + 3u(|f·c| + |i·g|) (two products and a
/// sum, fused or not); h' = o·tanh(c') with |o|e(t) + |t|e(o) + e(o)e(t) + u|h'|.</item>
/// <item>Concat, Slice, reshapes: the elements and their bounds move unchanged. ArgMax: an index, exact where the top
/// two scores differ by more than both their bounds (<see cref="ArgMaxDecided"/>).</item>
/// </list>
/// </remarks>
internal sealed partial class OnnxReference
{
    private const double U = ErrorBound.FloatRoundoff, D = ErrorBound.DoubleRoundoff;

    /// <summary>A value of <see cref="Batch"/> samples: each element, its bound, and one sample's shape.</summary>
    public sealed record Tensor(double[] Values, double[] Errors, int[] Dims, bool IsInteger)
    {
        public int Width => Dims.Aggregate(1, (p, d) => p * d);
    }

    private readonly OnnxGraph _graph;
    private readonly long _opset;
    private readonly Dictionary<string, Tensor> _values = new(StringComparer.Ordinal);

    public int Batch { get; }

    /// <summary>Evaluates every node whose inputs are known (random ops and what depends on them are left out).</summary>
    public OnnxReference(byte[] file, IReadOnlyDictionary<string, float[]> inputs, int batch)
    {
        OnnxModel model = OnnxModel.Parse(file, "model", "");
        _graph = OnnxGraph.Build(model, "model");
        _opset = model.OpsetVersion;
        Batch = batch;
        foreach (OnnxValueInfo input in _graph.DataInputs)
        {
            if (!inputs.TryGetValue(input.Name, out float[]? values))
                continue;
            int[] dims = input.Shape!.Skip(1).Select(d => (int)d.Value).ToArray();
            _values[input.Name] = new Tensor(LayerChecks.Wide(values), new double[values.Length], dims, false);
        }
        foreach (OnnxNode node in _graph.Nodes)
        {
            if (node.Inputs.Where(i => i.Length > 0).All(i => _values.ContainsKey(_graph.Resolve(i)) || KnownOf(i) is not null))
            {
                if (EvaluateKnown(node))
                    continue;
                if (Evaluate(node) is { } result)
                    _values[_graph.Resolve(node.Outputs[0])] = result;
            }
        }
    }

    /// <summary>The value a graph output (or any value) names.</summary>
    public Tensor this[string name] => _values.TryGetValue(_graph.Resolve(name), out Tensor? value) ? value
        : AsBatched(name) ?? throw new KeyNotFoundException($"the reference did not compute '{name}'");

    /// <summary>
    /// Asserts that DenseGen's and ONNX Runtime's (or another <paramref name="peer"/>'s) values of <paramref name="exact"/>
    /// both lie within its bound, capped at 1e-5 for values of magnitude ≤ 1 (the ceiling for generated models);
    /// returns the parity line tests print.
    /// </summary>
    public static string AssertBothWithin(double[] ours, double[] theirs, Tensor exact, string what, string peer = "ONNX Runtime")
    {
        double[] allowed = exact.Values.Select((v, j) => Math.Abs(v) <= 1 ? Math.Min(exact.Errors[j], 1e-5) : exact.Errors[j]).ToArray();
        Networks.ChainReference.AssertWithin(theirs, exact.Values, allowed, peer + "'s " + what);
        Networks.ChainReference.AssertWithin(ours, exact.Values, allowed, "DenseGen's " + what);
        return Networks.ChainReference.Parity(ours, theirs, exact.Values, allowed, peer);
    }

    /// <summary>Whether ArgMax of each sample's row of <paramref name="scores"/> is decided: the top two differ by more than both bounds.</summary>
    public static bool[] ArgMaxDecided(Tensor scores)
    {
        int row = scores.Dims[^1], rows = scores.Values.Length / row;
        var decided = new bool[rows];
        for (int r = 0; r < rows; r++)
        {
            var order = Enumerable.Range(r * row, row).OrderByDescending(i => scores.Values[i]).ToArray();
            decided[r] = row == 1 || scores.Values[order[0]] - scores.Values[order[1]] > scores.Errors[order[0]] + scores.Errors[order[1]];
        }
        return decided;
    }

    private Tensor? Evaluate(OnnxNode node) => node.OpType switch
    {
        "Gemm" => Gemm(node),
        "MatMul" => MatMul(node),
        "Add" or "Sub" or "Mul" or "Div" => Binary(node),
        "Relu" or "LeakyRelu" or "Sigmoid" or "Tanh" or "Elu" or "Exp" or "Log" or "Clip" => Unary(node),
        "Flatten" or "Reshape" or "Squeeze" or "Unsqueeze" or "Transpose" => Reshaped(node),
        "Expand" => Value(node.Inputs[0]), // of a value to its own shape: the planner refuses any other
        "Concat" => Concat(node),
        "Slice" => Slice(node),
        "Softmax" => Softmax(node),
        "ArgMax" => ArgMax(node),
        "LSTM" => Lstm(node),
        _ => null, // random ops and anything else: not evaluated, nor what reads them
    };

    private Tensor Value(string name) => _values.TryGetValue(_graph.Resolve(name), out Tensor? value) ? value
        : AsBatched(name) ?? throw new KeyNotFoundException(name);

    private OnnxTensor Constant(string name) => _graph.TryGetConstant(name, out OnnxTensor t) ? t : throw new InvalidOperationException(name + " is not constant");

    private static long Int(OnnxNode node, string name, long fallback) => node.Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.I : fallback;

    private static float Float(OnnxNode node, string name, float fallback) => node.Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.F : fallback;

    private Tensor Gemm(OnnxNode node)
    {
        Assert.Equal(1f, Float(node, "alpha", 1f));
        Assert.Equal(1f, Float(node, "beta", 1f));
        Assert.Equal(0, Int(node, "transA", 0));
        OnnxTensor b = Constant(node.Inputs[1]);
        bool transB = Int(node, "transB", 0) != 0;
        int k = (int)b.Dims[transB ? 1 : 0], n = (int)b.Dims[transB ? 0 : 1];
        Func<int, int, double> weight = transB ? (o, i) => b.Floats![o * k + i] : (o, i) => b.Floats![i * n + o];
        double[]? bias = node.Inputs.Length > 2 && node.Inputs[2].Length > 0 ? PerFeature(Constant(node.Inputs[2]), n) : null;
        return Product(Value(node.Inputs[0]), k, n, weight, bias);
    }

    private Tensor MatMul(OnnxNode node)
    {
        OnnxTensor b = Constant(node.Inputs[1]);
        int k = (int)b.Dims[0], n = (int)b.Dims[1];
        return Product(Value(node.Inputs[0]), k, n, (o, i) => b.Floats![i * n + o], null);
    }

    private Tensor Product(Tensor x, int k, int n, Func<int, int, double> weight, double[]? bias)
    {
        Assert.Equal(k, x.Width);
        var y = new double[Batch * n];
        var e = new double[Batch * n];
        double gamma = ErrorBound.Gamma(k + 1, U) + ErrorBound.Gamma(k + 1, D);
        for (int s = 0; s < Batch; s++)
        {
            for (int o = 0; o < n; o++)
            {
                double sum = bias?[o] ?? 0, magnitude = Math.Abs(bias?[o] ?? 0), propagated = 0;
                for (int i = 0; i < k; i++)
                {
                    double w = weight(o, i), xi = x.Values[s * k + i], ei = x.Errors[s * k + i];
                    sum += w * xi;
                    magnitude += Math.Abs(w) * (Math.Abs(xi) + ei);
                    propagated += Math.Abs(w) * ei;
                }
                y[s * n + o] = sum;
                e[s * n + o] = propagated + gamma * magnitude;
            }
        }
        return new Tensor(y, e, [n], false);
    }

    /// <summary>One time step of an LSTM (the only kind of recurrent node the tested exports have) from its initial state inputs, Y and Y_h alike.</summary>
    private Tensor Lstm(OnnxNode node)
    {
        Tensor x = Value(node.Inputs[0]);
        OnnxTensor w = Constant(node.Inputs[1]), r = Constant(node.Inputs[2]);
        int hidden = (int)r.Dims[2], inputs = (int)w.Dims[2], rows = 4 * hidden;
        Assert.Equal(inputs, x.Width);
        float[]? b = node.Inputs.Length > 3 && node.Inputs[3].Length > 0 ? Constant(node.Inputs[3]).Floats : null;
        Tensor? h0 = node.Inputs.Length > 5 && node.Inputs[5].Length > 0 ? Value(node.Inputs[5]) : null;
        Tensor? c0 = node.Inputs.Length > 6 && node.Inputs[6].Length > 0 ? Value(node.Inputs[6]) : null;
        double gamma = ErrorBound.Gamma(inputs + hidden + 2, U) + ErrorBound.Gamma(inputs + hidden + 2, D), round = U + D;
        var h = new double[Batch * hidden];
        var eh = new double[Batch * hidden];
        var c = new double[Batch * hidden];
        var ec = new double[Batch * hidden];
        var a = new double[rows];
        var ea = new double[rows];
        for (int s = 0; s < Batch; s++)
        {
            for (int j = 0; j < rows; j++)
            {
                double wb = b is null ? 0 : b[j], rb = b is null ? 0 : b[rows + j];
                double sum = wb + rb, magnitude = Math.Abs(wb) + Math.Abs(rb), propagated = 0;
                for (int i = 0; i < inputs; i++)
                {
                    double wi = w.Floats![j * inputs + i], xi = x.Values[s * inputs + i], ei = x.Errors[s * inputs + i];
                    sum += wi * xi;
                    magnitude += Math.Abs(wi) * (Math.Abs(xi) + ei);
                    propagated += Math.Abs(wi) * ei;
                }
                for (int k = 0; k < hidden; k++)
                {
                    double rk = r.Floats![j * hidden + k], hk = h0?.Values[s * hidden + k] ?? 0, ek = h0?.Errors[s * hidden + k] ?? 0;
                    sum += rk * hk;
                    magnitude += Math.Abs(rk) * (Math.Abs(hk) + ek);
                    propagated += Math.Abs(rk) * ek;
                }
                a[j] = sum;
                ea[j] = propagated + gamma * magnitude;
            }
            for (int k = 0; k < hidden; k++)
            {
                // ONNX's blocks: i, o, f, c.
                double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
                double gi = Sigmoid(a[k]), go = Sigmoid(a[hidden + k]), gf = Sigmoid(a[2 * hidden + k]), gg = Math.Tanh(a[3 * hidden + k]);
                double ei = ea[k] / 4 + 10 * round * gi, eo = ea[hidden + k] / 4 + 10 * round * go, ef = ea[2 * hidden + k] / 4 + 10 * round * gf;
                double eg = ea[3 * hidden + k] + 10 * round * Math.Abs(gg);
                double cPrevious = c0?.Values[s * hidden + k] ?? 0, ePrevious = c0?.Errors[s * hidden + k] ?? 0;
                double cNew = gf * cPrevious + gi * gg;
                double eNew = gf * ePrevious + Math.Abs(cPrevious) * ef + ef * ePrevious + gi * eg + Math.Abs(gg) * ei + ei * eg
                    + 3 * round * (Math.Abs(gf * cPrevious) + Math.Abs(gi * gg));
                double t = Math.Tanh(cNew), et = eNew + 10 * round * Math.Abs(t);
                c[s * hidden + k] = cNew;
                ec[s * hidden + k] = eNew;
                h[s * hidden + k] = go * t;
                eh[s * hidden + k] = go * et + Math.Abs(t) * eo + eo * et + round * Math.Abs(go * t);
            }
        }
        // Y [1, 1, batch, H] and Y_h [1, batch, H] are the same values with one step; Y_c its own.
        if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0)
            _values[_graph.Resolve(node.Outputs[1])] = new Tensor(h, eh, [1, hidden], false);
        if (node.Outputs.Length > 2 && node.Outputs[2].Length > 0)
            _values[_graph.Resolve(node.Outputs[2])] = new Tensor(c, ec, [1, hidden], false);
        return new Tensor(h, eh, [1, 1, hidden], false);
    }

    private static double[] PerFeature(OnnxTensor tensor, int n) =>
        tensor.Floats!.Length == 1 ? Enumerable.Repeat((double)tensor.Floats[0], n).ToArray() : tensor.Floats.Select(f => (double)f).ToArray();

    /// <summary>An operand as one value and bound per element of the result: a value as it is, a constant broadcast along trailing dimensions.</summary>
    private (double[] Values, double[] Errors) Operand(string name, Tensor shaped)
    {
        if (KnownOf(name) is not { } c || AsBatched(name) is not null)
        {
            Tensor t = Value(name);
            return (t.Values, t.Errors);
        }
        long[] dims = c.Dims.SkipWhile(d => d == 1).ToArray();
        int width = shaped.Width, offset = shaped.Dims.Length - dims.Length;
        var values = new double[Batch * width];
        var errors = new double[Batch * width];
        for (int flat = 0; flat < width; flat++)
        {
            int rest = flat, source = 0, stride = 1;
            for (int axis = shaped.Dims.Length - 1; axis >= 0; axis--)
            {
                int index = rest % shaped.Dims[axis];
                rest /= shaped.Dims[axis];
                if (axis - offset >= 0)
                {
                    if (dims[axis - offset] != 1)
                        source += index * stride;
                    stride *= (int)dims[axis - offset];
                }
            }
            for (int s = 0; s < Batch; s++)
            {
                values[s * width + flat] = c.Values[c.Values.Length == 1 ? 0 : source];
                errors[s * width + flat] = c.Errors[c.Values.Length == 1 ? 0 : source];
            }
        }
        return (values, errors);
    }

    private Tensor Binary(OnnxNode node)
    {
        Tensor shaped = KnownOf(node.Inputs[0]) is not null && AsBatched(node.Inputs[0]) is null ? Value(node.Inputs[1]) : Value(node.Inputs[0]);
        (double[] a, double[] ea) = Operand(node.Inputs[0], shaped);
        (double[] b, double[] eb) = Operand(node.Inputs[1], shaped);
        (double[] y, double[] e) = BinaryCore(node.OpType, a, ea, b, eb);
        return new Tensor(y, e, shaped.Dims, false);
    }

    /// <summary>An arithmetic op on operands already broadcast to the result, element by element, with each element's bound.</summary>
    private static (double[] Values, double[] Errors) BinaryCore(string op, double[] a, double[] ea, double[] b, double[] eb)
    {
        var y = new double[a.Length];
        var e = new double[a.Length];
        for (int i = 0; i < y.Length; i++)
        {
            (y[i], double propagated) = op switch
            {
                "Add" => (a[i] + b[i], ea[i] + eb[i]),
                "Sub" => (a[i] - b[i], ea[i] + eb[i]),
                "Mul" => (a[i] * b[i], Math.Abs(a[i]) * eb[i] + Math.Abs(b[i]) * ea[i] + ea[i] * eb[i]),
                _ => (a[i] / b[i], DivisionError(a[i], ea[i], b[i], eb[i])),
            };
            // Exact operands (bound 0, as constants and masks are): the float operation rounds the exact result once, by
            // |fl(y) − y|, and that is all, since +, − and × of two floats are exact in double. A mask's 1 − m is then exact,
            // where u|y| at each step would make (1 − m)·1e8 off by 6.
            e[i] = ea[i] == 0 && eb[i] == 0 && op != "Div"
                ? Math.Abs((float)y[i] - y[i])
                : propagated + (U + D) * Math.Abs(y[i]);
        }
        return (y, e);
    }

    private static double DivisionError(double a, double ea, double b, double eb)
    {
        Assert.True(Math.Abs(b) > eb, $"a divisor {b:R} lies within its bound {eb:E2} of 0");
        return (ea + Math.Abs(a / b) * eb) / (Math.Abs(b) - eb);
    }

    private Tensor Unary(OnnxNode node)
    {
        Tensor x = Value(node.Inputs[0]);
        (double[] y, double[] e) = UnaryCore(node, x.Values, x.Errors);
        return new Tensor(y, e, x.Dims, false);
    }

    /// <summary>An op of one operand, element by element, with each element's bound.</summary>
    private (double[] Values, double[] Errors) UnaryCore(OnnxNode node, double[] xs, double[] es)
    {
        var y = new double[xs.Length];
        var e = new double[xs.Length];
        (float min, float max) = node.OpType == "Clip" ? ClipBounds(node) : (0, 0);
        for (int i = 0; i < y.Length; i++)
        {
            double v = xs[i], ev = es[i];
            (y[i], double propagated, double ulps) = node.OpType switch
            {
                "Relu" => (Math.Max(v, 0), ev, 0.0),
                "LeakyRelu" => (v > 0 ? v : Float(node, "alpha", 0.01f) * v, ev, 2.0),
                "Sigmoid" => (1 / (1 + Math.Exp(-v)), ev / 4, 10.0),
                "Tanh" => (Math.Tanh(v), ev, 10.0),
                "Elu" => (v > 0 ? v : Float(node, "alpha", 1f) * (Math.Exp(v) - 1), ev * Math.Max(1, Float(node, "alpha", 1f)), 10.0),
                "Exp" => (Math.Exp(v), Math.Exp(v) * (Math.Exp(ev) - 1), 4.0),
                "Log" => (Math.Log(v), LogError(v, ev), 4.0),
                _ => (Math.Min(Math.Max(v, min), max), ev, 0.0),
            };
            // Log of x near 1 and ELU as α(eˣ − 1) in float (ONNX's formula) lose to cancellation: absolute terms.
            double cancellation = node.OpType switch
            {
                "Log" => 4 * U * Math.Abs(Math.Log(Math.Abs(v))),
                "Elu" when v <= 0 => 3 * U * Float(node, "alpha", 1f) * Math.Exp(v),
                _ => 0,
            };
            e[i] = propagated + (ulps * U + D) * Math.Abs(y[i]) + cancellation;
        }
        return (y, e);
    }

    // An argument within its bound of 0 (a masked action's probability) has no bound: infinite, which fails any
    // comparison that reads it.
    private static double LogError(double v, double ev) => v > ev ? ev / (v - ev) : double.PositiveInfinity;

    private (float Min, float Max) ClipBounds(OnnxNode node)
    {
        if (_opset < 11)
            return (Float(node, "min", float.NegativeInfinity), Float(node, "max", float.PositiveInfinity));
        float min = node.Inputs.Length > 1 && node.Inputs[1].Length > 0 ? Constant(node.Inputs[1]).Floats![0] : float.NegativeInfinity;
        float max = node.Inputs.Length > 2 && node.Inputs[2].Length > 0 ? Constant(node.Inputs[2]).Floats![0] : float.PositiveInfinity;
        return (min, max);
    }

    private Tensor Reshaped(OnnxNode node)
    {
        Tensor x = Value(node.Inputs[0]);
        int[] dims = node.OpType switch
        {
            "Reshape" => ReshapeDims(x, ShapeOf(node.Inputs[1])),
            // A transpose that moves the batch past dimensions of size 1 (a recurrent node's time-major [1, batch, H])
            // keeps every value in place; the planner refuses any other that moves it.
            "Transpose" when node.Attributes["perm"].Ints[0] != 0 => x.Dims,
            "Transpose" => node.Attributes["perm"].Ints.Skip(1).Select(a => x.Dims[a - 1]).ToArray(),
            "Flatten" => [x.Width],
            _ => [.. x.Dims.Where(d => d != 1), .. (x.Dims.Length == 0 || node.OpType == "Unsqueeze" ? new[] { 1 } : [])],
        };
        return x with { Dims = dims };
    }

    private static int[] ReshapeDims(Tensor x, long[] target)
    {
        int[] dims = target.Skip(1).Select((d, i) => d == 0 ? x.Dims[i] : (int)d).ToArray();
        int known = dims.Where(d => d > 0).Aggregate(1, (p, d) => p * d);
        return dims.Select(d => d == -1 ? x.Width / known : d).ToArray();
    }

    private Tensor Concat(OnnxNode node)
    {
        Tensor[] parts = node.Inputs.Select(Value).ToArray();
        int width = parts.Sum(p => p.Width);
        var y = new double[Batch * width];
        var e = new double[Batch * width];
        for (int s = 0; s < Batch; s++)
        {
            int offset = 0;
            foreach (Tensor p in parts)
            {
                Array.Copy(p.Values, s * p.Width, y, s * width + offset, p.Width);
                Array.Copy(p.Errors, s * p.Width, e, s * width + offset, p.Width);
                offset += p.Width;
            }
        }
        return new Tensor(y, e, parts.Length == 1 ? parts[0].Dims : [width], parts[0].IsInteger);
    }

    private Tensor Slice(OnnxNode node)
    {
        Tensor x = Value(node.Inputs[0]);
        long start, end;
        if (_opset < 10)
        {
            start = node.Attributes["starts"].Ints[0];
            end = node.Attributes["ends"].Ints[0];
        }
        else
        {
            start = Constant(node.Inputs[1]).Longs![0];
            end = Constant(node.Inputs[2]).Longs![0];
        }
        int width = x.Width;
        int from = (int)Math.Clamp(start < 0 ? start + width : start, 0, width), to = (int)Math.Clamp(end < 0 ? end + width : end, 0, width);
        int n = to - from;
        var y = new double[Batch * n];
        var e = new double[Batch * n];
        for (int s = 0; s < Batch; s++)
        {
            Array.Copy(x.Values, s * width + from, y, s * n, n);
            Array.Copy(x.Errors, s * width + from, e, s * n, n);
        }
        return new Tensor(y, e, [n], x.IsInteger);
    }

    private Tensor Softmax(OnnxNode node)
    {
        Tensor x = Value(node.Inputs[0]);
        int row = _opset < 13 ? x.Width : x.Dims[^1];
        var y = new double[x.Values.Length];
        var e = new double[x.Values.Length];
        for (int start = 0; start < y.Length; start += row)
        {
            double max = double.NegativeInfinity, lowestMax = double.NegativeInfinity, sum = 0;
            for (int i = start; i < start + row; i++)
            {
                max = Math.Max(max, x.Values[i]);
                lowestMax = Math.Max(lowestMax, x.Values[i] - x.Errors[i]);
            }
            for (int i = start; i < start + row; i++)
                sum += y[i] = Math.Exp(x.Values[i] - max);
            // Each input's weight in the log-sum-exp anywhere within the bounds: at most e^(x + e − max(x − e)).
            double weighted = 0;
            for (int i = start; i < start + row; i++)
                weighted += Math.Min(1, Math.Exp(x.Values[i] + x.Errors[i] - lowestMax)) * x.Errors[i];
            for (int i = start; i < start + row; i++)
            {
                y[i] /= sum;
                e[i] = y[i] * (Math.Exp(x.Errors[i] + weighted) - 1 + (row + 6) * (U + D));
            }
        }
        return new Tensor(y, e, x.Dims, false);
    }

    private Tensor ArgMax(OnnxNode node)
    {
        Tensor x = Value(node.Inputs[0]);
        int row = x.Dims[^1], rows = x.Values.Length / row;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int i = 1; i < row; i++)
            {
                if (x.Values[r * row + i] > x.Values[r * row + best])
                    best = i;
            }
            y[r] = best;
        }
        int[] dims = Int(node, "keepdims", 1) != 0 ? [.. x.Dims[..^1], 1] : x.Dims[..^1];
        return new Tensor(y, new double[rows], dims, true);
    }
}
