using System;
using System.Numerics;
using DenseGen.Tests.Infrastructure;

namespace DenseGen.Tests.Recurrent;

/// <summary>
/// First-order bounds on the rounding error of an LSTM or GRU stack evaluated in float or double, forward and backward
/// through time, computed from the double reference's values (docs/math.md, "Recurrent layers: error bounds", derives
/// them). Every bound is u·β: u the unit roundoff of the arithmetic, β a coefficient per element computed once, for
/// float and double alike; the bound on the difference of two computations, at u₁ and u₂, is (u₁ + u₂)·β.
/// </summary>
/// <remarks>
/// <para>
/// Forward. The whole stack's state (h and, for an LSTM, c of every layer) after each layer's step is the state after
/// the previous one mapped by that step's Jacobian J, plus the step's own rounding error η, which the step's formulas
/// bound componentwise, |η| ≤ u·ℓ, from the reference's values: each gate row's two affine sums (γ_{n+1} Σ|terms|),
/// their sum, the activations (ρu|y|, <see cref="Reference.ActivationRounding"/>: 8 for sigmoid, 10 for tanh) times
/// their derivatives, and the step's few products and sums. To first order the error after micro-step m is
/// δ_m = Σ_{s ≤ m} M(m, s) η_s with M(m, s) = J_m ⋯ J_{s+1}, so |δ_m| ≤ Σ_s |M(m, s)| u·ℓ_s. Taking absolute values
/// step by step instead (|J_m| ⋯ |J_{s+1}|) loses the cancellation of errors of either sign inside W_hh's products,
/// and for hidden sizes of 40 and 64 that bound grows by a constant factor per step (docs/math.md measures it); so the
/// products are kept signed over a window of <c>window</c> time steps, and only at the window's end is the bound
/// carried on through |M|: within a window starting at m₀, |δ_m| ≤ |M(m, m₀)| b(m₀) + Σ_{m₀ &lt; s ≤ m} |M(m, s)| u·ℓ_s.
/// </para>
/// <para>
/// Backward through time is linear in the adjoint λ = (∂L/∂h, ∂L/∂c), with the transposed Jacobians, and its errors are
/// carried by the same windows of signed products. A backward step's own error has three parts: its roundings (a product
/// of at most four factors γ₄, 1 − y² off by u absolutely, Wᵀd γ_{gates·hidden+1}); the errors the forward step's own
/// roundings leave in the values it reads (gates, c', tanh c', h − n), through the derivative formulas; and the errors
/// of the forward step's inputs x, h, c (the forward bounds), through ∂(backward step)/∂(x, h, c), a signed matrix shaped
/// like W_hhᵀ Λ W_hh applied in absolute value to those bounds. Weight and bias gradients sum the steps' outer products
/// with the errors of both factors and γ_{streams·steps+1} for the sum.
/// </para>
/// <para>
/// γ_n/u ≤ n/(1 − n·2⁻²⁴) for every u ≤ 2⁻²⁴, and a result in the subnormals adds at most half the subnormal spacing
/// η, where η/u ≤ 2⁻¹²⁵ for float and double; both are folded into β, which therefore serves either precision.
/// </para>
/// <para>
/// Use: <c>var bound = RecurrentErrorBound.Forward(reference, x, streams, steps, h0, c0)</c>; a layer's output i at unit
/// roundoff u and PyTorch's float64 one differ by at most (u + 2⁻⁵³)·<c>bound.Output[i]</c> (likewise <c>HN</c>,
/// <c>CN</c>). For the gradients of a loss whose gradient with respect to the output is <c>dOutput</c>,
/// <c>var g = bound.Backward(dOutput)</c>: a gradient computed at u is within u·<c>g.Coefficient</c> of the exact one
/// (<c>g.Value</c> is the reference's, itself within 2⁻⁵³·<c>g.Coefficient</c>), element by element in the layout of
/// <see cref="RecurrentReference.Gradients"/>.
/// </para>
/// </remarks>
internal sealed class RecurrentErrorBound
{
    /// <summary>Time steps over which products of Jacobians are kept signed (docs/math.md compares lengths: at 8, every fixture's largest bound is within 21% of what 64 give).</summary>
    public const int DefaultWindow = 8;

    private static readonly double SigmoidRounding = Reference.ActivationRounding(Activation.Sigmoid);
    private static readonly double TanhRounding = Reference.ActivationRounding(Activation.Tanh);

    /// <summary>η/u for float (2⁻¹⁴⁹/2⁻²⁴) and double (2⁻¹⁰⁷⁴/2⁻⁵³): at most 2⁻¹²⁵.</summary>
    private static readonly double Eta = Math.ScaleB(1.0, -125);

    private readonly int _hidden, _d, _n, _window;

    /// <summary>[layer][stream][step]: β of h and c after the step.</summary>
    private readonly double[][][][] _hBound, _cBound;

    private RecurrentErrorBound(RecurrentReference model, RecurrentReference.Pass pass, int window)
    {
        Model = model;
        Pass = pass;
        _window = window;
        _hidden = model.HiddenSize;
        _d = Lstm ? 2 * _hidden : _hidden;
        _n = model.Layers * _d;
        _hBound = NewStates(model.Layers, pass.Streams, pass.Steps);
        _cBound = NewStates(model.Layers, pass.Streams, pass.Steps);
        Output = new double[pass.Output.Length];
        HN = new double[pass.HN.Length];
        CN = Lstm ? new double[pass.HN.Length] : null;
    }

    public RecurrentReference Model { get; }

    /// <summary>The double reference's forward pass the bounds were computed on.</summary>
    public RecurrentReference.Pass Pass { get; }

    /// <summary>β of every output, [streams, steps, hidden].</summary>
    public double[] Output { get; }

    /// <summary>β of the final h of every layer, [layers, streams, hidden].</summary>
    public double[] HN { get; }

    /// <summary>β of the final c of every layer (LSTM), else null.</summary>
    public double[]? CN { get; }

    private bool Lstm => Model.Kind == RecurrentKind.Lstm;

    private int Steps => Pass.Steps;

    private int Streams => Pass.Streams;

    /// <summary>γ_n/u for any u ≤ 2⁻²⁴.</summary>
    internal static double Gamma(int n) => n / (1 - n * ErrorBound.FloatRoundoff);

    /// <summary>
    /// Runs the reference forward from <paramref name="x"/> ([streams, steps, in]) and the initial state (null: zero),
    /// and bounds the error of every output and final state of a float or double evaluation of the same stack.
    /// </summary>
    public static RecurrentErrorBound Forward(RecurrentReference model, double[] x, int streams, int steps, double[]? h0, double[]? c0, int window = DefaultWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var bound = new RecurrentErrorBound(model, model.Forward(x, streams, steps, h0, c0), window);
        bound.RunForward();
        return bound;
    }

    private void RunForward()
    {
        int layers = Model.Layers, h = _hidden, d = _d;
        var window = new Window(_n, _window * layers * d, d);
        var b = new double[_n];
        var rows = new double[d];
        for (int s = 0; s < Streams; s++)
        {
            Array.Clear(b);
            window.Restart(b);
            for (int t = 0; t < Steps; t++)
            {
                for (int k = 0; k < layers; k++)
                {
                    Linear step = Linearize(k, Pass.Records[k][s][t]);
                    if (window.Free < d)
                        window.Restart(b);
                    window.Apply(k * d, d, step.Self, (k - 1) * d, h, step.Input);
                    window.AddSources(k * d, step.Local);
                    window.Bound(k * d, d, rows);
                    rows.CopyTo(b, k * d);
                    _hBound[k][s][t] = rows.AsSpan(0, h).ToArray();
                    _cBound[k][s][t] = Lstm ? rows.AsSpan(h, h).ToArray() : [];
                    if (k == layers - 1)
                        rows.AsSpan(0, h).CopyTo(Output.AsSpan((s * Steps + t) * h, h));
                }
            }
            for (int k = 0; k < layers; k++)
            {
                b.AsSpan(k * d, h).CopyTo(HN.AsSpan((k * Streams + s) * h, h));
                if (CN is not null)
                    b.AsSpan(k * d + h, h).CopyTo(CN.AsSpan((k * Streams + s) * h, h));
            }
        }
    }

    /// <summary>The gradients of a loss through the reference's backward pass, and β of each.</summary>
    internal sealed class GradientBound
    {
        /// <summary>The gradients, from the adjoint of the same Jacobians the bounds use.</summary>
        public required RecurrentReference.Gradients Value { get; init; }

        /// <summary>β of every gradient, in the same layout.</summary>
        public required RecurrentReference.Gradients Coefficient { get; init; }
    }

    /// <summary>
    /// Back-propagates <paramref name="dOutput"/> ([streams, steps, hidden], exact: the final states have no gradient of
    /// their own) through the forward pass and bounds the error of every gradient of a float or double evaluation whose
    /// forward pass is the one bounded here.
    /// </summary>
    public GradientBound Backward(double[] dOutput)
    {
        int layers = Model.Layers, h = _hidden, d = _d, streams = Streams, steps = Steps, rows = Model.Gates * h;
        RecurrentReference.Gradients value = NewGradients(), coefficient = NewGradients();
        // Σ|terms| of each parameter gradient's sum over streams and steps, for its rounding γ_{streams·steps+1}.
        RecurrentReference.Gradients magnitude = NewGradients();
        var window = new Window(_n, _window * layers * (d + 2 * h), d);
        var lambda = new double[_n];
        var bound = new double[_n];
        var rowsBound = new double[d];
        var added = new double[h];
        for (int s = 0; s < streams; s++)
        {
            Array.Clear(lambda);
            Array.Clear(bound);
            window.Restart(bound);
            for (int t = steps - 1; t >= 0; t--)
            {
                if (window.Free < layers * (d + 2 * h))
                    window.Restart(bound);
                int top = (layers - 1) * d;
                for (int j = 0; j < h; j++)
                {
                    double injected = dOutput[(s * steps + t) * h + j];
                    // Exact, but added to what step t + 1 sent back: one rounding of that sum, covered by this and the
                    // sum's own γ.
                    if (t < steps - 1)
                        added[j] = Math.Abs(injected);
                    lambda[top + j] += injected;
                }
                if (t < steps - 1)
                {
                    window.AddSources(top, added);
                    window.Bound(top, h, bound.AsSpan(top, h));
                }
                Array.Clear(added);
                for (int k = layers - 1; k >= 0; k--)
                {
                    RecurrentReference.StepRecord record = Pass.Records[k][s][t];
                    Linear step = Linearize(k, record);
                    Values values = Lstm ? LstmValues(k, s, t, record, step) : GruValues(k, s, t, record, step);
                    window.Bound(k * d, d, rowsBound);
                    Local local = Lstm
                        ? LstmBackward(k, record, values, lambda.AsSpan(k * d, d), rowsBound)
                        : GruBackward(k, record, values, lambda.AsSpan(k * d, d), rowsBound);
                    (double[] fromState, double[] fromInjected, double[] fromIh, double[] fromHh) = Sensitivity(k, s, t, record, lambda.AsSpan(k * d, d));
                    AddScaled(local.State, fromState, 1);
                    AddScaled(local.Injected, fromInjected, 1);
                    AddScaled(local.ErrorIh, fromIh, 1);
                    if (!ReferenceEquals(local.ErrorHh, local.ErrorIh))
                        AddScaled(local.ErrorHh, fromHh, 1);

                    Accumulate(value.WeightIh[k], coefficient.WeightIh[k], magnitude.WeightIh[k], value.BiasIh[k], coefficient.BiasIh[k], magnitude.BiasIh[k],
                        local.DIh, local.ErrorIh, record.X, values.InputBound);
                    Accumulate(value.WeightHh[k], coefficient.WeightHh[k], magnitude.WeightHh[k], value.BiasHh[k], coefficient.BiasHh[k], magnitude.BiasHh[k],
                        local.DHh, local.ErrorHh, record.H, values.HiddenBound);
                    int inputs = Model.LayerInput(k);
                    if (k == 0)
                    {
                        // The input's gradient W_ihᵀ da, with da's whole error.
                        for (int q = 0; q < inputs; q++)
                        {
                            double sum = 0, abs = 0, error = 0;
                            for (int r = 0; r < rows; r++)
                            {
                                double w = Model.WeightIh[k][r * inputs + q];
                                sum += w * local.DIh[r];
                                abs += Math.Abs(w * local.DIh[r]);
                                error += Math.Abs(w) * local.ErrorIh[r];
                            }
                            value.X[(s * steps + t) * inputs + q] = sum;
                            coefficient.X[(s * steps + t) * inputs + q] = error + Gamma(rows) * abs;
                        }
                    }

                    // The adjoint through the transposed step, and the step's own errors as new sources.
                    TransposedStep(step, lambda, k);
                    window.ApplyTransposed(k * d, d, step.Self, (k - 1) * d, h, step.Input);
                    window.AddSources(k * d, local.State);
                    window.Bound(k * d, d, bound.AsSpan(k * d, d));
                    if (k > 0)
                    {
                        window.AddSources((k - 1) * d, local.Injected);
                        window.Bound((k - 1) * d, h, bound.AsSpan((k - 1) * d, h));
                    }
                }
            }
            for (int k = 0; k < layers; k++)
            {
                int at = (k * streams + s) * h;
                lambda.AsSpan(k * d, h).CopyTo(value.H0.AsSpan(at, h));
                bound.AsSpan(k * d, h).CopyTo(coefficient.H0.AsSpan(at, h));
                if (Lstm)
                {
                    lambda.AsSpan(k * d + h, h).CopyTo(value.C0.AsSpan(at, h));
                    bound.AsSpan(k * d + h, h).CopyTo(coefficient.C0.AsSpan(at, h));
                }
            }
        }
        double sumGamma = Gamma(streams * steps + 1);
        for (int k = 0; k < layers; k++)
        {
            AddScaled(coefficient.WeightIh[k], magnitude.WeightIh[k], sumGamma);
            AddScaled(coefficient.WeightHh[k], magnitude.WeightHh[k], sumGamma);
            AddScaled(coefficient.BiasIh[k], magnitude.BiasIh[k], sumGamma);
            AddScaled(coefficient.BiasHh[k], magnitude.BiasHh[k], sumGamma);
        }
        return new GradientBound { Value = value, Coefficient = coefficient };
    }

    private RecurrentReference.Gradients NewGradients() => new()
    {
        WeightIh = Array.ConvertAll(Model.WeightIh, w => new double[w.Length]),
        WeightHh = Array.ConvertAll(Model.WeightHh, w => new double[w.Length]),
        BiasIh = Array.ConvertAll(Model.BiasIh, b => new double[b.Length]),
        BiasHh = Array.ConvertAll(Model.BiasHh, b => new double[b.Length]),
        X = new double[Streams * Steps * Model.InputSize],
        H0 = new double[Model.Layers * Streams * _hidden],
        C0 = Lstm ? new double[Model.Layers * Streams * _hidden] : null,
    };

    private static void AddScaled(double[] destination, double[] source, double factor)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] += factor * source[i];
    }

    /// <summary>λ_k ← Selfᵀ λ_k and, above the first layer, λ_{k−1, h} += Inputᵀ λ_k.</summary>
    private void TransposedStep(Linear step, double[] lambda, int k)
    {
        int d = _d, h = _hidden;
        var old = lambda.AsSpan(k * d, d).ToArray();
        for (int q = 0; q < d; q++)
        {
            double sum = 0;
            for (int r = 0; r < d; r++)
                sum += step.Self[r * d + q] * old[r];
            lambda[k * d + q] = sum;
        }
        if (step.Input is not null)
        {
            for (int q = 0; q < h; q++)
            {
                double sum = 0;
                for (int r = 0; r < d; r++)
                    sum += step.Input[r * h + q] * old[r];
                lambda[(k - 1) * d + q] += sum;
            }
        }
    }

    /// <summary>dW += d vᵀ and db += d, with their bounds: d's error times |v|, |d| times v's, and Σ|d v| for the sum's rounding.</summary>
    private static void Accumulate(double[] dW, double[] eW, double[] mW, double[] db, double[] eb, double[] mb, double[] d, double[] dError, double[] v, double[] vError)
    {
        for (int r = 0; r < d.Length; r++)
        {
            db[r] += d[r];
            eb[r] += dError[r];
            mb[r] += Math.Abs(d[r]);
            for (int q = 0; q < v.Length; q++)
            {
                int at = r * v.Length + q;
                dW[at] += d[r] * v[q];
                eW[at] += dError[r] * Math.Abs(v[q]) + Math.Abs(d[r]) * vError[q];
                mW[at] += Math.Abs(d[r] * v[q]);
            }
        }
    }

    /// <summary>What the backward reads of the forward pass, with the bounds of the errors of the step's own making (per unit roundoff).</summary>
    private sealed class Values
    {
        /// <summary>β of the layer's input and of the state it started from.</summary>
        public required double[] InputBound { get; init; }

        public required double[] HiddenBound { get; init; }

        /// <summary>β of each gate's value from the step's own roundings, [gates·hidden].</summary>
        public required double[] Gate { get; init; }

        /// <summary>The same for the LSTM's c (none), c' and tanh c', and the GRU's W_hn h + b_hn and h − n.</summary>
        public required double[] First { get; init; }

        public required double[] Second { get; init; }

        public required double[] Third { get; init; }
    }

    /// <summary>The adjoint step's results and errors.</summary>
    private sealed class Local
    {
        /// <summary>∂L/∂(W_ih x + b_ih) and ∂L/∂(W_hh h + b_hh) (the same for an LSTM), and β of each (propagated and own).</summary>
        public required double[] DIh { get; init; }

        public required double[] DHh { get; init; }

        public required double[] ErrorIh { get; init; }

        public required double[] ErrorHh { get; init; }

        /// <summary>The step's own error in the adjoint of the state it started from, [d].</summary>
        public required double[] State { get; init; }

        /// <summary>The step's own error in what it adds to the adjoint of the layer below's h, [hidden].</summary>
        public required double[] Injected { get; init; }
    }

    private double[] InputBound(int k, int s, int t) => k > 0 ? _hBound[k - 1][s][t] : new double[Model.LayerInput(k)];

    private double[] HiddenBound(int k, int s, int t) => t > 0 ? _hBound[k][s][t - 1] : new double[_hidden];

    /// <summary>
    /// The errors of an LSTM step's values that its own roundings make (its inputs' errors enter through
    /// <see cref="Sensitivity"/>): each gate's two sums, their sum and activation; c' (the forward step's ℓ) and tanh c'.
    /// </summary>
    private Values LstmValues(int k, int s, int t, RecurrentReference.StepRecord record, Linear step)
    {
        int h = _hidden;
        double[] g = record.Gates;
        var gate = new double[4 * h];
        var cellNext = new double[h];
        var tanhNext = new double[h];
        for (int r = 0; r < 4 * h; r++)
        {
            double z = step.ErrorA[r] + step.ErrorB[r] + Math.Abs(step.A[r] + step.B[r]);
            bool tanh = r / h == 2;
            double y = g[r];
            gate[r] = tanh ? (1 - y * y) * z + TanhRounding * (Math.Abs(y) + Eta / 2) : y * (1 - y) * z + SigmoidRounding * (y + Eta / 2);
        }
        for (int j = 0; j < h; j++)
        {
            cellNext[j] = step.Local[h + j];
            double tau = Math.Tanh(record.Extra[j]);
            tanhNext[j] = (1 - tau * tau) * cellNext[j] + TanhRounding * (Math.Abs(tau) + Eta / 2);
        }
        return new Values { InputBound = InputBound(k, s, t), HiddenBound = HiddenBound(k, s, t), Gate = gate, First = new double[h], Second = cellNext, Third = tanhNext };
    }

    /// <summary>
    /// The errors of a GRU step's values that its own roundings make: r and z as in <see cref="LstmValues"/>, W_hn h +
    /// b_hn's sum, n through a_n + r·b_n, and h − n (n's error and the subtraction's rounding).
    /// </summary>
    private Values GruValues(int k, int s, int t, RecurrentReference.StepRecord record, Linear step)
    {
        int h = _hidden;
        double[] g = record.Gates;
        var gate = new double[3 * h];
        var bn = new double[h];
        var gap = new double[h];
        for (int r = 0; r < 2 * h; r++)
        {
            double y = g[r];
            gate[r] = y * (1 - y) * (step.ErrorA[r] + step.ErrorB[r] + Math.Abs(step.A[r] + step.B[r])) + SigmoidRounding * (y + Eta / 2);
        }
        for (int j = 0; j < h; j++)
        {
            int row = 2 * h + j;
            double r = g[j], n = g[row], extra = record.Extra[j];
            bn[j] = step.ErrorB[row];
            double pre = step.A[row] + r * extra;
            double ePre = step.ErrorA[row] + r * bn[j] + Math.Abs(extra) * gate[j] + Math.Abs(r * extra) + Math.Abs(pre) + Eta / 2;
            gate[row] = (1 - n * n) * ePre + TanhRounding * (Math.Abs(n) + Eta / 2);
            gap[j] = gate[row] + Math.Abs(record.H[j] - n);
        }
        return new Values { InputBound = InputBound(k, s, t), HiddenBound = HiddenBound(k, s, t), Gate = gate, First = bn, Second = gap, Third = [] };
    }

    /// <summary>
    /// The backward step's results as functions of the forward step's inputs v = (x, h, c): ∂/∂v of the adjoint it
    /// returns (λ_h, λ_c), of what it adds to the layer below's λ_h, and of d_ih and d_hh, each a signed matrix (W_hhᵀ Λ W
    /// in shape), applied in absolute value to the bounds of v's errors: the inputs' errors, to first order, without
    /// letting the errors of W's products cancel within a step only in the worst case.
    /// </summary>
    private (double[] State, double[] Injected, double[] Ih, double[] Hh) Sensitivity(int k, int s, int t, RecurrentReference.StepRecord record, ReadOnlySpan<double> lambda)
    {
        int h = _hidden, inputs = Model.LayerInput(k);
        // v's bounds: x (the layer below's h, or exact), h and, for an LSTM, c before the step.
        var bv = new double[inputs + _d];
        InputBound(k, s, t).CopyTo(bv, 0);
        HiddenBound(k, s, t).CopyTo(bv, inputs);
        if (Lstm && t > 0)
            _cBound[k][s][t - 1].CopyTo(bv, inputs + h);
        (double[][] state, double[][] injected, double[][] dIh, double[][] dHh) = BackwardSensitivity(k, record, lambda);
        double[] Apply(double[][] rows) => Array.ConvertAll(rows, row => AbsDot(row, bv));
        return (Apply(state), k > 0 ? Apply(injected) : new double[h], Apply(dIh), Apply(dHh));
    }

    /// <summary>
    /// ∂/∂v, v = (x, h, c) the forward step's inputs ([x, h] for a GRU), of the backward step's results from λ: the adjoint
    /// of the state it started from ([d] rows), W_ihᵀ d_ih ([inputs] rows: the layer below's share, or the input's
    /// gradient), d_ih and d_hh ([gates·hidden] rows each).
    /// </summary>
    internal (double[][] State, double[][] Injected, double[][] Ih, double[][] Hh) BackwardSensitivity(int k, RecurrentReference.StepRecord record, ReadOnlySpan<double> lambda)
    {
        int h = _hidden, inputs = Model.LayerInput(k), gates = Model.Gates, rows = gates * h, d = _d;
        int width = inputs + d;
        double[] wIh = Model.WeightIh[k], wHh = Model.WeightHh[k], g = record.Gates;

        // ∂(gate row r)/∂v = act′ · [W_ih[r], W_hh[r], 0].
        double[] Gate(int r, double slope)
        {
            var row = new double[width];
            for (int q = 0; q < inputs; q++)
                row[q] = slope * wIh[r * inputs + q];
            for (int q = 0; q < h; q++)
                row[inputs + q] = slope * wHh[r * h + q];
            return row;
        }
        static double[] Sum(params (double Factor, double[] Row)[] terms)
        {
            var sum = new double[terms[0].Row.Length];
            foreach ((double factor, double[] row) in terms)
            {
                for (int q = 0; q < sum.Length; q++)
                    sum[q] += factor * row[q];
            }
            return sum;
        }
        double[] Unit(int column)
        {
            var row = new double[width];
            row[column] = 1;
            return row;
        }

        var dIh = new double[rows][];
        var dHh = new double[rows][];
        var state = new double[d][];
        if (Lstm)
        {
            for (int j = 0; j < h; j++)
            {
                double i = g[j], f = g[h + j], c = g[2 * h + j], o = g[3 * h + j], cell = record.C[j], tau = Math.Tanh(record.Extra[j]);
                double si = i * (1 - i), sf = f * (1 - f), tc = 1 - c * c, so = o * (1 - o), tt = 1 - tau * tau;
                double dh = lambda[j], dcNext = lambda[h + j] + dh * o * tt;
                double[] gi = Gate(j, si), gf = Gate(h + j, sf), gg = Gate(2 * h + j, tc), go = Gate(3 * h + j, so);
                double[] cellNext = Sum((f, Unit(inputs + h + j)), (cell, gf), (i, gg), (c, gi));
                double[] tanhNext = Sum((tt, cellNext));
                double[] next = Sum((dh * tt, go), (-2 * dh * o * tau, tanhNext));
                dIh[j] = Sum((c * si, next), (dcNext * si, gg), (dcNext * c * (1 - 2 * i), gi));
                dIh[h + j] = Sum((cell * sf, next), (dcNext * sf, Unit(inputs + h + j)), (dcNext * cell * (1 - 2 * f), gf));
                dIh[2 * h + j] = Sum((i * tc, next), (dcNext * tc, gi), (-2 * dcNext * i * c, gg));
                dIh[3 * h + j] = Sum((dh * so, tanhNext), (dh * tau * (1 - 2 * o), go));
                state[h + j] = Sum((f, next), (dcNext, gf));
            }
            for (int r = 0; r < rows; r++)
                dHh[r] = dIh[r];
        }
        else
        {
            for (int j = 0; j < h; j++)
            {
                double r = g[j], z = g[h + j], n = g[2 * h + j], bn = record.Extra[j], gap = record.H[j] - n;
                double sr = r * (1 - r), sz = z * (1 - z), tn = 1 - n * n;
                double dh = lambda[j], dn = dh * (1 - z) * tn;
                double[] gr = Gate(j, sr), gz = Gate(h + j, sz);
                var bnRow = new double[width];
                for (int q = 0; q < h; q++)
                    bnRow[inputs + q] = wHh[(2 * h + j) * h + q];
                var anRow = new double[width];
                for (int q = 0; q < inputs; q++)
                    anRow[q] = wIh[(2 * h + j) * inputs + q];
                double[] nRow = Sum((tn, anRow), (tn * r, bnRow), (tn * bn, gr));
                double[] gapRow = Sum((1, Unit(inputs + j)), (-1, nRow));
                double[] dnRow = Sum((-dh * tn, gz), (-2 * dh * (1 - z) * n, nRow));
                dIh[j] = Sum((bn * sr, dnRow), (dn * sr, bnRow), (dn * bn * (1 - 2 * r), gr));
                dIh[h + j] = Sum((dh * sz, gapRow), (dh * gap * (1 - 2 * z), gz));
                dIh[2 * h + j] = dnRow;
                (dHh[j], dHh[h + j]) = (dIh[j], dIh[h + j]);
                dHh[2 * h + j] = Sum((r, dnRow), (dn, gr));
                // z λ's part of ∂L/∂h; W_hhᵀ d_hh's is added below.
                state[j] = Sum((dh, gz));
            }
        }
        // ∂L/∂h = W_hhᵀ d_hh (+ z λ), and the layer below's W_ihᵀ d_ih.
        for (int q = 0; q < h; q++)
        {
            var row = state[q] ?? new double[width];
            for (int rr = 0; rr < rows; rr++)
            {
                double w = wHh[rr * h + q];
                for (int p = 0; p < width; p++)
                    row[p] += w * dHh[rr][p];
            }
            state[q] = row;
        }
        var injected = new double[inputs][];
        for (int q = 0; q < inputs; q++)
        {
            var row = new double[width];
            for (int rr = 0; rr < rows; rr++)
            {
                double w = wIh[rr * inputs + q];
                for (int p = 0; p < width; p++)
                    row[p] += w * dIh[rr][p];
            }
            injected[q] = row;
        }
        return (state, injected, dIh, dHh);
    }

    private static double AbsDot(double[] row, double[] bound)
    {
        double sum = 0;
        for (int p = 0; p < row.Length; p++)
            sum += Math.Abs(row[p]) * bound[p];
        return sum;
    }

    /// <summary>
    /// An LSTM step backward from λ = (∂L/∂h', ∂L/∂c') with <paramref name="bound"/> the bound of λ's error: dc'' =
    /// λ_c + λ_h o (1 − tanh² c'), da = (dc'' g σ'_i, dc'' c σ'_f, dc'' i (1 − g²), λ_h tanh c' σ'_o), ∂L/∂c = dc'' f,
    /// ∂L/∂h = W_hhᵀ da, ∂L/∂x = W_ihᵀ da.
    /// </summary>
    private Local LstmBackward(int k, RecurrentReference.StepRecord record, Values values, ReadOnlySpan<double> lambda, ReadOnlySpan<double> bound)
    {
        int h = _hidden, rows = 4 * h;
        double[] g = record.Gates, e = values.Gate;
        var da = new double[rows];
        var own = new double[rows];
        var error = new double[rows];
        var state = new double[2 * h];
        for (int j = 0; j < h; j++)
        {
            double i = g[j], f = g[h + j], c = g[2 * h + j], o = g[3 * h + j], cell = record.C[j], tau = Math.Tanh(record.Extra[j]);
            double si = i * (1 - i), sf = f * (1 - f), tc = 1 - c * c, so = o * (1 - o), tt = 1 - tau * tau;
            double ei = e[j], ef = e[h + j], eg = e[2 * h + j], eo = e[3 * h + j], eTau = values.Third[j];
            double dh = lambda[j], dc = lambda[h + j], q = dh * o * tt, dcNext = dc + q;
            // dc'': o and tanh c' as computed, the product's roundings (1 − τ² off by u absolutely) and the sum's.
            double ownNext = Math.Abs(dh) * (tt * eo + o * 2 * Math.Abs(tau) * eTau) + Math.Abs(dh * o) + Gamma(2) * Math.Abs(q) + Math.Abs(dcNext);
            double boundNext = bound[h + j] + o * tt * bound[j];
            (da[j], da[h + j], da[2 * h + j], da[3 * h + j]) = (dcNext * c * si, dcNext * cell * sf, dcNext * i * tc, dh * tau * so);
            own[j] = Math.Abs(c * si) * ownNext + Math.Abs(dcNext * si) * eg + Math.Abs(dcNext * c * (1 - 2 * i)) * ei + Gamma(4) * Math.Abs(da[j]);
            own[h + j] = Math.Abs(cell * sf) * ownNext + Math.Abs(dcNext * sf) * values.First[j] + Math.Abs(dcNext * cell * (1 - 2 * f)) * ef + Gamma(4) * Math.Abs(da[h + j]);
            own[2 * h + j] = i * tc * ownNext + Math.Abs(dcNext * tc) * ei + Math.Abs(dcNext * i * 2 * c) * eg + Gamma(3) * Math.Abs(da[2 * h + j]) + Math.Abs(dcNext * i);
            own[3 * h + j] = Math.Abs(dh * so) * eTau + Math.Abs(dh * tau * (1 - 2 * o)) * eo + Gamma(4) * Math.Abs(da[3 * h + j]);
            error[j] = own[j] + Math.Abs(c * si) * boundNext;
            error[h + j] = own[h + j] + Math.Abs(cell * sf) * boundNext;
            error[2 * h + j] = own[2 * h + j] + i * tc * boundNext;
            error[3 * h + j] = own[3 * h + j] + Math.Abs(tau * so) * bound[j];
            state[h + j] = f * ownNext + Math.Abs(dcNext) * ef + Math.Abs(dcNext * f);
        }
        TransposedOwn(Model.WeightHh[k], da, own, rows + 1, state.AsSpan(0, h));
        double[] injected = new double[h];
        if (k > 0)
            TransposedOwn(Model.WeightIh[k], da, own, rows + 1, injected);
        return new Local { DIh = da, DHh = da, ErrorIh = error, ErrorHh = error, State = state, Injected = injected };
    }

    /// <summary>
    /// A GRU step backward from λ = ∂L/∂h': dn = λ (1 − z)(1 − n²), dz = λ (h − n) σ'_z, dr = dn b_n σ'_r, the recurrent
    /// half's n row dn·r; ∂L/∂h = W_hhᵀ d_hh + z λ, ∂L/∂x = W_ihᵀ d_ih.
    /// </summary>
    private Local GruBackward(int k, RecurrentReference.StepRecord record, Values values, ReadOnlySpan<double> lambda, ReadOnlySpan<double> bound)
    {
        int h = _hidden, rows = 3 * h;
        double[] g = record.Gates, e = values.Gate;
        var dIh = new double[rows];
        var dHh = new double[rows];
        var ownIh = new double[rows];
        var ownHh = new double[rows];
        var errorIh = new double[rows];
        var errorHh = new double[rows];
        var state = new double[h];
        for (int j = 0; j < h; j++)
        {
            double r = g[j], z = g[h + j], n = g[2 * h + j], bn = record.Extra[j], gap = record.H[j] - n;
            double sr = r * (1 - r), sz = z * (1 - z), tn = 1 - n * n;
            double er = e[j], ez = e[h + j], en = e[2 * h + j];
            double dh = lambda[j];
            double dn = dh * (1 - z) * tn, dz = dh * gap * sz, dr = dn * bn * sr, dhn = dn * r;
            // dn from dh − dh·z (as PyTorch's autograd) or dh (1 − z) (the reference), then times 1 − n² (off by u absolutely).
            double ownN = Math.Abs(dh) * (tn * ez + (1 - z) * 2 * Math.Abs(n) * en) + Math.Abs(dh) * (tn + (1 - z)) + Gamma(4) * Math.Abs(dn);
            double ownZ = Math.Abs(dh * sz) * values.Second[j] + Math.Abs(dh * gap * (1 - 2 * z)) * ez + Gamma(4) * Math.Abs(dz);
            double ownR = Math.Abs(bn * sr) * ownN + Math.Abs(dn * sr) * values.First[j] + Math.Abs(dn * bn * (1 - 2 * r)) * er + Gamma(4) * Math.Abs(dr);
            double ownHn = r * ownN + Math.Abs(dn) * er + Math.Abs(dhn);
            double boundN = (1 - z) * tn * bound[j];
            (dIh[j], dIh[h + j], dIh[2 * h + j]) = (dr, dz, dn);
            (dHh[j], dHh[h + j], dHh[2 * h + j]) = (dr, dz, dhn);
            (ownIh[j], ownIh[h + j], ownIh[2 * h + j]) = (ownR, ownZ, ownN);
            (ownHh[j], ownHh[h + j], ownHh[2 * h + j]) = (ownR, ownZ, ownHn);
            (errorIh[j], errorIh[h + j], errorIh[2 * h + j]) = (ownR + Math.Abs(bn * sr) * boundN, ownZ + Math.Abs(gap * sz) * bound[j], ownN + boundN);
            (errorHh[j], errorHh[h + j], errorHh[2 * h + j]) = (errorIh[j], errorIh[h + j], ownHn + r * boundN);
            // z λ: z as computed, the product's rounding; W_hhᵀ d_hh's sum with it below.
            state[j] = Math.Abs(dh) * ez + Gamma(rows + 2) * Math.Abs(z * dh);
        }
        TransposedOwn(Model.WeightHh[k], dHh, ownHh, rows + 2, state);
        double[] injected = new double[h];
        if (k > 0)
            TransposedOwn(Model.WeightIh[k], dIh, ownIh, rows + 1, injected);
        return new Local { DIh = dIh, DHh = dHh, ErrorIh = errorIh, ErrorHh = errorHh, State = state, Injected = injected };
    }

    /// <summary>
    /// The own error of Wᵀ d added to <paramref name="destination"/>: |W|ᵀ (d's own error) + γ_terms |W|ᵀ|d| (the sum's
    /// rounding, with one more addition to whatever the adjoint it joins already holds).
    /// </summary>
    private static void TransposedOwn(double[] w, double[] d, double[] own, int terms, Span<double> destination)
    {
        int columns = destination.Length;
        double gamma = Gamma(terms);
        for (int q = 0; q < columns; q++)
        {
            double error = 0, abs = 0;
            for (int r = 0; r < d.Length; r++)
            {
                double wq = Math.Abs(w[r * columns + q]);
                error += wq * own[r];
                abs += wq * Math.Abs(d[r]);
            }
            destination[q] += error + gamma * abs;
        }
    }

    /// <summary>One layer's step at the reference's values: its Jacobian, its own rounding error and what the backward needs.</summary>
    private sealed class Linear
    {
        /// <summary>∂(new state)/∂(old state) of the layer, [d, d] (LSTM: h then c).</summary>
        public required double[] Self { get; init; }

        /// <summary>∂(new state)/∂(layer input), [d, hidden], for layers above the first (the first's input is exact).</summary>
        public required double[]? Input { get; init; }

        /// <summary>ℓ: the step's own rounding error per unit roundoff, [d].</summary>
        public required double[] Local { get; init; }

        /// <summary>W_ih x + b_ih and W_hh h + b_hh, and their sums of |terms|, [gates·hidden].</summary>
        public required double[] A { get; init; }

        public required double[] B { get; init; }

        /// <summary>The two affine sums' own rounding per unit roundoff, [gates·hidden].</summary>
        public required double[] ErrorA { get; init; }

        public required double[] ErrorB { get; init; }
    }

    private Linear Linearize(int k, RecurrentReference.StepRecord record)
    {
        int h = _hidden, gates = Model.Gates, rows = gates * h, inputs = Model.LayerInput(k);
        double[] wIh = Model.WeightIh[k], wHh = Model.WeightHh[k];
        (double[] a, double[] sa) = Affine(wIh, Model.BiasIh[k], record.X);
        (double[] b, double[] sb) = Affine(wHh, Model.BiasHh[k], record.H);
        var errorA = new double[rows];
        var errorB = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            errorA[r] = Gamma(inputs + 1) * sa[r] + (inputs + 1) * Eta / 2;
            errorB[r] = Gamma(h + 1) * sb[r] + (h + 1) * Eta / 2;
        }
        int d = _d;
        var self = new double[d * d];
        double[]? input = k > 0 ? new double[d * h] : null;
        var local = new double[d];
        double[] g = record.Gates;
        if (Lstm)
        {
            for (int j = 0; j < h; j++)
            {
                double i = g[j], f = g[h + j], c = g[2 * h + j], o = g[3 * h + j];
                double cell = record.C[j], tau = Math.Tanh(record.Extra[j]);
                double si = i * (1 - i), sf = f * (1 - f), tc = 1 - c * c, so = o * (1 - o), tt = 1 - tau * tau;
                // ∂c'/∂z for the rows i, f, g; ∂h'/∂c' = β; ∂h'/∂z_o.
                double ci = c * si, cf = cell * sf, cg = i * tc, beta = o * tt, co = tau * so;
                int hRow = j, cRow = h + j;
                Rows(wHh, h, j, h, ci, cf, cg, co, beta, self.AsSpan(hRow * d, h), self.AsSpan(cRow * d, h));
                self[cRow * d + h + j] = f;
                self[hRow * d + h + j] = beta * f;
                if (input is not null)
                    Rows(wIh, inputs, j, h, ci, cf, cg, co, beta, input.AsSpan(hRow * h, h), input.AsSpan(cRow * h, h));

                // ℓ: each gate's pre-activation (two sums and their sum), through its activation and its own rounding.
                double ei = si * (errorA[j] + errorB[j] + Math.Abs(a[j] + b[j])) + SigmoidRounding * (i + Eta / 2);
                double ef = sf * (errorA[h + j] + errorB[h + j] + Math.Abs(a[h + j] + b[h + j])) + SigmoidRounding * (f + Eta / 2);
                double eg = tc * (errorA[2 * h + j] + errorB[2 * h + j] + Math.Abs(a[2 * h + j] + b[2 * h + j])) + TanhRounding * (Math.Abs(c) + Eta / 2);
                double eo = so * (errorA[3 * h + j] + errorB[3 * h + j] + Math.Abs(a[3 * h + j] + b[3 * h + j])) + SigmoidRounding * (o + Eta / 2);
                // c' = f·c + i·g: two products and a sum; h' = o·tanh c'.
                double ec = Math.Abs(c) * ei + Math.Abs(cell) * ef + i * eg + Gamma(2) * (Math.Abs(f * cell) + Math.Abs(i * c)) + Eta;
                double eTau = tt * ec + TanhRounding * (Math.Abs(tau) + Eta / 2);
                local[cRow] = ec;
                local[hRow] = o * eTau + Math.Abs(tau) * eo + Math.Abs(o * tau) + Eta / 2;
            }
        }
        else
        {
            for (int j = 0; j < h; j++)
            {
                double r = g[j], z = g[h + j], n = g[2 * h + j], bn = record.Extra[j], hj = record.H[j], hNext = record.HNext[j];
                double sr = r * (1 - r), sz = z * (1 - z), tn = 1 - n * n, kappa = (1 - z) * tn, gap = hj - n;
                // h' = n + z (h − n) = (1 − z) n + z h, n = tanh(a_n + r b_n).
                RowsGru(wHh, h, j, h, kappa * r, kappa * bn * sr, gap * sz, self.AsSpan(j * d, h));
                self[j * d + j] += z;
                if (input is not null)
                    RowsGru(wIh, inputs, j, h, kappa, kappa * bn * sr, gap * sz, input.AsSpan(j * h, h));

                double er = sr * (errorA[j] + errorB[j] + Math.Abs(a[j] + b[j])) + SigmoidRounding * (r + Eta / 2);
                double ez = sz * (errorA[h + j] + errorB[h + j] + Math.Abs(a[h + j] + b[h + j])) + SigmoidRounding * (z + Eta / 2);
                double pre = a[2 * h + j] + r * bn;
                double ePre = errorA[2 * h + j] + r * errorB[2 * h + j] + Math.Abs(bn) * er + Math.Abs(r * bn) + Math.Abs(pre) + Eta / 2;
                double en = tn * ePre + TanhRounding * (Math.Abs(n) + Eta / 2);
                // The generated code's n + z (h − n) rounds h − n, the product and the sum; the reference's (1 − z) n + z h
                // rounds 1 − z, two products and the sum: the larger of the two.
                double rounding = Math.Max(2 * Math.Abs(z * gap), 2 * Math.Abs((1 - z) * n) + Math.Abs(z * hj)) + Math.Abs(hNext);
                local[j] = (1 - z) * en + Math.Abs(gap) * ez + rounding + Eta;
            }
        }
        return new Linear { Self = self, Input = input, Local = local, A = a, B = b, ErrorA = errorA, ErrorB = errorB };
    }

    /// <summary>
    /// An LSTM unit j's rows of ∂/∂v for v = h or x (<paramref name="w"/> is W_hh or W_ih, [4·hidden, columns]):
    /// ∂c'_j/∂v = ci·W[i_j] + cf·W[f_j] + cg·W[g_j], ∂h'_j/∂v = β·∂c'_j/∂v + co·W[o_j].
    /// </summary>
    private static void Rows(double[] w, int columns, int j, int h, double ci, double cf, double cg, double co, double beta, Span<double> hRow, Span<double> cRow)
    {
        for (int q = 0; q < columns; q++)
        {
            double dc = ci * w[j * columns + q] + cf * w[(h + j) * columns + q] + cg * w[(2 * h + j) * columns + q];
            cRow[q] = dc;
            hRow[q] = beta * dc + co * w[(3 * h + j) * columns + q];
        }
    }

    /// <summary>A GRU unit j's row of ∂h'_j/∂v: cn·W[n_j] + cr·W[r_j] + cz·W[z_j].</summary>
    private static void RowsGru(double[] w, int columns, int j, int h, double cn, double cr, double cz, Span<double> row)
    {
        for (int q = 0; q < columns; q++)
            row[q] = cn * w[(2 * h + j) * columns + q] + cr * w[j * columns + q] + cz * w[(h + j) * columns + q];
    }

    /// <summary>W v + b and Σ|W v| + |b| per row.</summary>
    private static (double[] Value, double[] Magnitude) Affine(double[] w, double[] bias, double[] v)
    {
        var value = new double[bias.Length];
        var magnitude = new double[bias.Length];
        for (int r = 0; r < bias.Length; r++)
        {
            double sum = bias[r], abs = Math.Abs(bias[r]);
            for (int q = 0; q < v.Length; q++)
            {
                double term = w[r * v.Length + q] * v[q];
                sum += term;
                abs += Math.Abs(term);
            }
            (value[r], magnitude[r]) = (sum, abs);
        }
        return (value, magnitude);
    }

    private static double[][][][] NewStates(int layers, int streams, int steps)
    {
        var states = new double[layers][][][];
        for (int k = 0; k < layers; k++)
        {
            states[k] = new double[streams][][];
            for (int s = 0; s < streams; s++)
                states[k][s] = new double[steps][];
        }
        return states;
    }

    /// <summary>
    /// The signed products of one window: row i holds, for the state's element i, the coefficients of the window's
    /// starting bound (the first n columns, M(m, m₀)) and of every source added since (one column each, M(m, s)·ℓ_s).
    /// </summary>
    private sealed class Window
    {
        private readonly int _n, _capacity;
        private readonly double[][] _rows;
        private readonly double[][] _scratch;
        private readonly double[] _base;
        private int _sources;

        public Window(int n, int capacity, int scratchRows)
        {
            (_n, _capacity) = (n, capacity);
            _rows = new double[n][];
            for (int i = 0; i < n; i++)
                _rows[i] = new double[n + capacity];
            _scratch = new double[scratchRows][];
            for (int i = 0; i < scratchRows; i++)
                _scratch[i] = new double[n + capacity];
            _base = new double[n];
            _sources = _capacity;
        }

        public int Free => _capacity - _sources;

        private int Columns => _n + _sources;

        /// <summary>Starts a window from the bound <paramref name="bound"/> on the state's error.</summary>
        public void Restart(ReadOnlySpan<double> bound)
        {
            int used = Columns;
            for (int i = 0; i < _n; i++)
            {
                Array.Clear(_rows[i], 0, used);
                _rows[i][i] = 1;
            }
            bound.CopyTo(_base);
            _sources = 0;
        }

        /// <summary>rows[target + r] ← Σ_q self[r, q] rows[target + q] + Σ_q input[r, q] rows[from + q] (a layer's step).</summary>
        public void Apply(int target, int width, double[] self, int from, int inputWidth, double[]? input)
        {
            int columns = Columns;
            for (int r = 0; r < width; r++)
            {
                double[] acc = _scratch[r];
                Array.Clear(acc, 0, columns);
                for (int q = 0; q < width; q++)
                    Axpy(self[r * width + q], _rows[target + q], acc, columns);
                if (input is not null)
                {
                    for (int q = 0; q < inputWidth; q++)
                        Axpy(input[r * inputWidth + q], _rows[from + q], acc, columns);
                }
            }
            for (int r = 0; r < width; r++)
                Array.Copy(_scratch[r], _rows[target + r], columns);
        }

        /// <summary>
        /// The transposed step, for the adjoint: rows[target + q] ← Σ_r self[r, q] rows[target + r] and
        /// rows[from + q] += Σ_r input[r, q] rows[target + r].
        /// </summary>
        public void ApplyTransposed(int target, int width, double[] self, int from, int inputWidth, double[]? input)
        {
            int columns = Columns;
            for (int q = 0; q < width; q++)
            {
                double[] acc = _scratch[q];
                Array.Clear(acc, 0, columns);
                for (int r = 0; r < width; r++)
                    Axpy(self[r * width + q], _rows[target + r], acc, columns);
            }
            if (input is not null)
            {
                for (int q = 0; q < inputWidth; q++)
                {
                    for (int r = 0; r < width; r++)
                        Axpy(input[r * inputWidth + q], _rows[target + r], _rows[from + q], columns);
                }
            }
            for (int q = 0; q < width; q++)
                Array.Copy(_scratch[q], _rows[target + q], columns);
        }

        /// <summary>A new error source per element: element start + j is off by at most <paramref name="local"/>[j] more.</summary>
        public void AddSources(int start, ReadOnlySpan<double> local)
        {
            for (int j = 0; j < local.Length; j++)
            {
                if (local[j] == 0)
                    continue;
                if (_sources == _capacity)
                    throw new InvalidOperationException("the window holds no more sources");
                _rows[start + j][_n + _sources++] = local[j];
            }
        }

        /// <summary>|M(m, m₀)| b(m₀) + Σ_s |M(m, s) ℓ_s| for the rows start … start + count − 1.</summary>
        public void Bound(int start, int count, Span<double> destination)
        {
            for (int i = 0; i < count; i++)
            {
                double[] row = _rows[start + i];
                double sum = 0;
                for (int j = 0; j < _n; j++)
                    sum += Math.Abs(row[j]) * _base[j];
                destination[i] = sum + AbsSum(row, _n, _sources);
            }
        }

        private static void Axpy(double a, double[] x, double[] y, int count)
        {
            if (a == 0)
                return;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var va = new Vector<double>(a);
                for (; i <= count - Vector<double>.Count; i += Vector<double>.Count)
                    (va * new Vector<double>(x, i) + new Vector<double>(y, i)).CopyTo(y, i);
            }
            for (; i < count; i++)
                y[i] += a * x[i];
        }

        private static double AbsSum(double[] x, int start, int count)
        {
            int i = 0;
            double sum = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var acc = Vector<double>.Zero;
                for (; i <= count - Vector<double>.Count; i += Vector<double>.Count)
                    acc += Vector.Abs(new Vector<double>(x, start + i));
                sum = Vector.Sum(acc);
            }
            for (; i < count; i++)
                sum += Math.Abs(x[start + i]);
            return sum;
        }
    }
}
