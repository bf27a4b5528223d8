using System;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Layers;
using Xunit;
using Xunit.Sdk;

namespace DenseGen.Tests;

/// <summary>
/// Backward agrees with central finite differences of a scalar loss computed from Forward alone, in double:
/// the gradients are those of the function Forward computes, whatever the reference says.
/// </summary>
/// <remarks>
/// Loss: L = Σ_{s,o} sin(y[s,o] + c[s,o]), so ∂L/∂y = cos(y + c) is what Backward receives.
/// Error of the central difference (L(θ+h) − L(θ−h)) / 2h against the true derivative:
/// truncation ≤ h²/6 · max|∂³L/∂θ³|, and since y is linear in each parameter θ,
/// ∂³L/∂θ³ = −Σ cos(y + c)·(∂y/∂θ)³, bounded by Σ |∂y/∂θ|³ over the outputs θ touches;
/// rounding ≤ 2·δL / 2h, where δL bounds the error of computing L in double: each y within
/// γ(In+1)·Σ|terms| (see ErrorBound), sin adding one ulp, and the sum over N = k·Out terms γ(N)·N.
/// Backward's own error: each of its n terms is dy·v with |v| < 1 (inputs and weights are drawn from [−1, 1))
/// and dy = cos(y + c) off by at most δy + u, where δy is the largest error bound of a y; with the
/// summation's γ(n) that gives n·(γ(n) + δy + u). It is far below the other two and added for completeness.
///
/// With an activation, y = act(z) and z is linear in each parameter with slope a = ∂z/∂θ, so
/// ∂³L/∂θ³ = a³·(sin∘act)‴(z) = a³·(sin‴·act′³ + 3 sin″·act′·act″ + sin′·act‴), bounded by a³ times
/// C = max|act′|³ + 3 max|act′·act″| + max|act‴|: 1 + 3·(4/(3√3)) + 2 &lt; 5.4 for tanh, 1/64 + 3·(1/4)·(√3/18) + 1/8 &lt; 0.22
/// for sigmoid, 1.1³ + 3·0.33 + 0.31 &lt; 2.64 for SiLU (maxima found on a fine grid: |act′| ≤ 1.0998, |act′·act″| ≤ 0.3274,
/// |act‴| ≤ 0.3082), 1 + 3 + 1 = 5 for ELU below 0 (act′ = act″ = act‴ = e^z ≤ 1; above 0 it is the identity), and slope³ ≤ 1
/// for ReLU and LeakyReLU, where, as for ELU, whose act″ jumps at 0, the step never crosses the kink (asserted: every |z|
/// stays above 2h, while a step moves z by at most h since |x|, |W| &lt; 1). Each y gains the activation's rounding
/// (Reference.ActivationRounding, ≤ 8u) and keeps the linear part's error (|act′| ≤ 1); Backward's dZ gains ≤ 3u·|dY|
/// plus the derivative's change with y's error (≤ 2δy for tanh's 1 − y², δy for ELU's y + 1; SiLU's layer takes its
/// derivative at its recomputed z, whose error is at most δy, with |act″| ≤ ½).
/// </remarks>
public class FiniteDifferenceTests
{
    private const double Step = 1e-4;

    [Fact]
    public void SmallLayer() => Check(new D3x5(), samples: 3);

    [Fact]
    public void OddLayer() => Check(new D17x33(), samples: 4);

    [Fact]
    public void StructLayer() => Check(new SD3x2(), samples: 2);

    [Fact]
    public void ReLULayer() => Check(new D3x5ReLU(), samples: 3);

    [Fact]
    public void LeakyReLULayer() => Check(new D17x33LeakyReLU(), samples: 2);

    [Fact]
    public void SigmoidLayer() => Check(new D6x5Sigmoid(), samples: 3);

    [Fact]
    public void TanhLayer() => Check(new D41x10Tanh(), samples: 2);

    [Fact]
    public void ELULayer() => Check(new D19x9ELU(), samples: 3);

    [Fact]
    public void SiLULayer() => Check(new D19x9SiLU(), samples: 3);

    [Fact]
    public void ChunkedSiLULayer() => Check(new D5x1100SiLU(), samples: 4);

    [Fact]
    public void ChunkedTanhLayer() => Check(new D5x1100Tanh(), samples: 4);

    /// <summary>One layer's Forward and Backward, whether or not it has an activation.</summary>
    private sealed class Network(IDenseParameters<double> parameters, Activation activation)
    {
        public IDenseParameters<double> Parameters => parameters;
        public Activation Activation => activation;

        public void Forward(double[] x, double[] y)
        {
            if (parameters is IActivatedDenseLayer<double> activated)
                activated.Forward(x, y);
            else
                ((IDenseLayer<double>)parameters).Forward(x, y);
        }

        public void Backward(double[] x, double[] y, double[] dy, double[] dx)
        {
            if (parameters is IActivatedDenseLayer<double> activated)
                activated.Backward(x, y, dy, dx);
            else
                ((IDenseLayer<double>)parameters).Backward(x, dy, dx);
        }

        /// <summary>C in the remarks: bounds |(sin∘act)‴| where the third derivative exists.</summary>
        public double ThirdDerivativeFactor => activation switch
        {
            Activation.Tanh => 5.4,
            Activation.Sigmoid => 0.22,
            Activation.ELU => 5,
            Activation.SiLU => 2.64,
            _ => 1,
        };

        /// <summary>How much act′, computed from y, moves when y moves by δy, per δy.</summary>
        public double DerivativeSlope => activation switch
        {
            Activation.Tanh => 2,
            Activation.Sigmoid => 1,
            Activation.ELU => 1,
            Activation.SiLU => 0.5,
            _ => 0,
        };
    }

    private static void Check(IDenseLayer<double> layer, int samples) => Check(new Network(layer, Activation.None), samples);

    private static void Check(IActivatedDenseLayer<double> layer, int samples) => Check(new Network(layer, layer.Activation), samples);

    private static void Check(Network network, int samples)
    {
        IDenseParameters<double> layer = network.Parameters;
        int inputs = layer.InputSize, outputs = layer.OutputSize;
        var random = new Random(11);
        LayerChecks.RandomValues<double>(random, inputs * outputs).CopyTo(layer.Weights);
        LayerChecks.RandomValues<double>(random, outputs).CopyTo(layer.Bias);
        double[] x = LayerChecks.RandomValues<double>(random, samples * inputs);
        double[] c = LayerChecks.RandomValues<double>(random, samples * outputs);

        var y = new double[samples * outputs];
        network.Forward(x, y);
        if (network.Activation is Activation.ReLU or Activation.LeakyReLU or Activation.ELU)
        {
            double[] z = Reference.Forward(layer.Weights.ToArray(), layer.Bias.ToArray(), x, inputs, outputs).Value;
            Assert.All(z, value => Assert.True(Math.Abs(value) > 2 * Step, $"z = {value:R} is within 2h of the kink; pick another seed."));
        }
        var dy = new double[y.Length];
        for (int j = 0; j < y.Length; j++)
            dy[j] = Math.Cos(y[j] + c[j]);
        var dx = new double[x.Length];
        layer.ZeroGradients();
        network.Backward(x, y, dy, dx);
        double[] dw = layer.WeightGradients.ToArray(), db = layer.BiasGradients.ToArray();

        (double lossError, double outputError) = LossErrorBound(layer, x, samples, Reference.Lipschitz(network.Activation));
        double factor = network.ThirdDerivativeFactor;
        // dZ = dY·act′(y): ≤ 3u·|dY| of rounding, and act′ moves by DerivativeSlope·δy with y's error. SiLU's act′ at its
        // recomputed z rounds more (Reference.DerivativeError: 8|act′| + σ(12|w| + |1 + w|) + 1 ≤ 8.8 + 3.4 + 1.3 + 1 < 15).
        double derivativeError = (network.Activation == Activation.SiLU ? 15 : 3) * ErrorBound.DoubleRoundoff + network.DerivativeSlope * outputError;
        for (int p = 0; p < inputs * outputs; p++)
        {
            int o = p / inputs, i = p % inputs;
            double thirdDerivative = 0; // Σ_s |∂y[s,o]/∂W[o,i]|³ = Σ_s |x[s,i]|³
            for (int s = 0; s < samples; s++)
                thirdDerivative += Math.Pow(Math.Abs(x[s * inputs + i]), 3);
            double numeric = Central(layer.Weights, p, () => Loss(network, x, c));
            AssertClose(dw[p], numeric, factor * thirdDerivative, lossError, outputError + derivativeError, samples, $"dL/dW[{o},{i}]");
        }
        for (int o = 0; o < outputs; o++)
        {
            double numeric = Central(layer.Bias, o, () => Loss(network, x, c)); // ∂z[s,o]/∂b[o] = 1: Σ_s 1³ = samples
            AssertClose(db[o], numeric, thirdDerivative: factor * samples, lossError, outputError + derivativeError, samples, $"dL/db[{o}]");
        }
        for (int j = 0; j < x.Length; j++)
        {
            int s = j / inputs, i = j % inputs;
            double thirdDerivative = 0; // Σ_o |W[o,i]|³
            for (int o = 0; o < outputs; o++)
                thirdDerivative += Math.Pow(Math.Abs(layer.Weights[o * inputs + i]), 3);
            double numeric = Central(x, j, () => Loss(network, x, c));
            AssertClose(dx[j], numeric, factor * thirdDerivative, lossError, outputError + derivativeError, outputs, $"dL/dx[{s},{i}]");
        }
    }

    private static double Central(Span<double> values, int index, Func<double> loss) => CentralDifference.Of(values, index, Step, loss);

    private static double Loss(Network network, double[] x, double[] c)
    {
        var y = new double[c.Length];
        network.Forward(x, y);
        double loss = 0;
        for (int j = 0; j < y.Length; j++)
            loss += Math.Sin(y[j] + c[j]);
        return loss;
    }

    /// <summary>A bound on the error of computing L, and the largest bound on the error of one y.</summary>
    private static (double Loss, double Output) LossErrorBound(IDenseParameters<double> layer, double[] x, int samples, double lipschitz)
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize;
        double u = ErrorBound.DoubleRoundoff, total = 0, largest = 0;
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                // Parameters move by at most Step while differencing, so bound |W|, |x| by |value| + Step.
                double scale = Math.Abs(layer.Bias[o]) + Step;
                for (int i = 0; i < inputs; i++)
                    scale += (Math.Abs(layer.Weights[o * inputs + i]) + Step) * (Math.Abs(x[s * inputs + i]) + Step);
                // The linear part's bound, carried through an activation with |act′| ≤ lipschitz (1, SiLU's 1.1), plus its
                // rounding (≤ 8u, |y| ≤ lipschitz·scale).
                double outputError = lipschitz * (ErrorBound.Gamma(inputs + 1, u) * scale + 8 * u * scale);
                largest = Math.Max(largest, outputError);
                total += outputError + u;
            }
        }
        int terms = samples * outputs;
        return (total + ErrorBound.Gamma(terms, u) * terms, largest);
    }

    private static void AssertClose(
        double analytic, double numeric, double thirdDerivative, double lossError, double outputError, int backwardTerms, string what)
    {
        double u = ErrorBound.DoubleRoundoff;
        double truncation = Step * Step / 6 * thirdDerivative;
        double rounding = lossError / Step;
        double backward = backwardTerms * (ErrorBound.Gamma(backwardTerms, u) + outputError + u);
        double allowed = truncation + rounding + backward;
        if (!(Math.Abs(analytic - numeric) <= allowed))
            throw new XunitException($"{what}: Backward gives {analytic:R}, finite difference {numeric:R}; difference {Math.Abs(analytic - numeric):E3} exceeds {allowed:E3}.");
    }
}
