using System;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Sdk;

namespace DenseGen.Tests.Networks;

/// <summary>
/// A network's Backward agrees with central finite differences of a scalar loss computed from its Forward alone, in
/// double, through three layers and every activation: the gradients are those of the function the network computes.
/// </summary>
/// <remarks>
/// <para>
/// Loss: L = Σ_j sin(y_j + c_j), so Backward receives ∂L/∂y = cos(y + c). The central difference
/// (L(θ + h) − L(θ − h)) / 2h differs from the true derivative by at most h²/6 · max|L‴| (truncation) plus
/// (δL₊ + δL₋) / 2h, where δL bounds the rounding of computing L at each point. Backward's own error is bounded by
/// <see cref="ChainReference"/> in double, seeded with the error of the cos(ŷ + c) it is given. The test asserts that the
/// network's gradient and the difference are within the sum of the three.
/// </para>
/// <para>
/// L‴ = Σ_j (−cos·y′³ − 3 sin·y′y″ + cos·y‴), so |L‴| ≤ Σ_j (y′³ + 3y′y″ + y‴), with y′, y″, y‴ bounds on the first three
/// derivatives of each output with respect to θ over [θ − h, θ + h], propagated forward: a parameter of layer k moves
/// only its own pre-activation z (slope |x_i| for W[o, i], 1 for b[o], an input x_i slope |W[:, i]|), and through each
/// later layer z⁽ⁿ⁾ ≤ |W| v⁽ⁿ⁾ and y′ ≤ A₁z′, y″ ≤ A₁z″ + A₂z′², y‴ ≤ A₁z‴ + 3A₂z′z″ + A₃z′³, with Aₙ the largest |act⁽ⁿ⁾|:
/// tanh 1, 4/(3√3), 2; sigmoid ¼, √3/18, ⅛; ReLU and LeakyReLU 1, 0, 0 as long as no step reaches a kink (asserted:
/// every such |z| exceeds h·z′ plus its rounding bound); none 1, 0, 0.
/// </para>
/// <para>
/// δL at a point is Σ_j (err y_j + u) + γ(N)·N: each output off by the chain's forward bound at that point (computed at
/// the perturbed parameters), sin adding an ulp (|sin| ≤ 1) and carrying y's error with slope at most 1, and a sum of
/// N terms of magnitude at most 1.
/// </para>
/// </remarks>
public class NetworkFiniteDifferenceTests
{
    private const double Step = 1e-4;

    [Fact]
    public void ThroughLeakyReLUTanhAndSigmoid()
    {
        var network = new SmoothNet();
        network.Initialize(seed: 21);
        Check(network, [network.A, network.B, network.C], samples: 2, seed: 22);
    }

    [Fact]
    public void ThroughReLUSigmoidAndNone()
    {
        var network = new KinkNet();
        network.Initialize(seed: 23);
        Check(network, [network.A, network.B, network.C], samples: 3, seed: 24);
    }

    [Fact]
    public void ThroughELUTanhAndELU()
    {
        var network = new EluNet();
        network.Initialize(seed: 25);
        Check(network, [network.A, network.B, network.C], samples: 3, seed: 26);
    }

    [Fact]
    public void ThroughSiLUTanhAndSiLU()
    {
        var network = new SiLUNet();
        network.Initialize(seed: 27);
        Check(network, [network.A, network.B, network.C], samples: 3, seed: 28);
    }

    private static void Check(ITrainableModule<double> network, IDenseParameters<double>[] layers, int samples, int seed)
    {
        var random = new Random(seed);
        double[] x = LayerChecks.RandomValues<double>(random, samples * network.InputSize);
        double[] c = LayerChecks.RandomValues<double>(random, samples * network.OutputSize);
        double u = ErrorBound.DoubleRoundoff;

        var y = new double[c.Length];
        network.Forward(x, y);
        double[] dy = y.Select((value, j) => Math.Cos(value + c[j])).ToArray();
        var dx = new double[x.Length];
        network.ZeroGradients();
        network.Backward(x, dy, dx);

        // Backward's bound: the exact chain, fed cos(y + c) of the exact outputs, and the error of the cos(ŷ + c) the
        // network was given (its outputs' forward bound, carried through cos with slope ≤ 1, plus cos's own ulp).
        ChainReference.LayerValues[] values = layers.Select(ChainReference.Layer).ToArray();
        ChainReference.Chain exact = ChainReference.Compute(u, x, new double[c.Length], values);
        double[] exactGradient = exact.Output.Select((value, j) => Math.Cos(value + c[j])).ToArray();
        double[] givenError = exact.OutputError.Select(e => e + u).ToArray();
        ChainReference.Chain chain = ChainReference.Compute(u, x, exactGradient, values, givenError);

        for (int k = 0; k < layers.Length; k++)
        {
            IDenseParameters<double> layer = layers[k];
            double[] analyticWeights = layer.WeightGradients.ToArray(), analyticBias = layer.BiasGradients.ToArray();
            for (int p = 0; p < layer.Weights.Length; p++)
            {
                int o = p / layer.InputSize, i = p % layer.InputSize;
                double numeric = Central(layer.Weights, p, network, layers, x, c, out double rounding);
                double truncation = Truncation(values, Inputs(values, x, k), k, slope: (s, row) => row == o ? Math.Abs(Inputs(values, x, k)[s * layer.InputSize + i]) : 0, samples);
                AssertClose(analyticWeights[p], numeric, truncation + rounding + chain.WeightGradientErrors[k][p], $"layer {k} dW[{o},{i}]");
            }
            for (int o = 0; o < layer.OutputSize; o++)
            {
                double numeric = Central(layer.Bias, o, network, layers, x, c, out double rounding);
                double truncation = Truncation(values, Inputs(values, x, k), k, slope: (_, row) => row == o ? 1 : 0, samples);
                AssertClose(analyticBias[o], numeric, truncation + rounding + chain.BiasGradientErrors[k][o], $"layer {k} db[{o}]");
            }
        }
        int inputs = network.InputSize;
        for (int j = 0; j < x.Length; j++)
        {
            int sample = j / inputs, i = j % inputs;
            double numeric = Central(x, j, network, layers, x, c, out double rounding);
            double truncation = Truncation(values, x, 0, slope: (s, row) => s == sample ? Math.Abs(values[0].Weights[row * inputs + i]) : 0, samples);
            AssertClose(dx[j], numeric, truncation + rounding + chain.InputGradientError[j], $"dx[{sample},{i}]");
        }
    }

    /// <summary>The central difference of L in <paramref name="values"/>[<paramref name="index"/>], and its rounding bound / 2h.</summary>
    private static double Central(
        Span<double> values, int index, ITrainableModule<double> network, IDenseParameters<double>[] layers, double[] x, double[] c, out double rounding)
    {
        double original = values[index];
        values[index] = original + Step;
        double plus = Loss(network, layers, x, c, out double plusError);
        values[index] = original - Step;
        double minus = Loss(network, layers, x, c, out double minusError);
        values[index] = original;
        rounding = (plusError + minusError) / (2 * Step);
        return (plus - minus) / (2 * Step);
    }

    private static double Loss(ITrainableModule<double> network, IDenseParameters<double>[] layers, double[] x, double[] c, out double error)
    {
        var y = new double[c.Length];
        network.Forward(x, y);
        double u = ErrorBound.DoubleRoundoff, loss = 0;
        ChainReference.Chain bounds = ChainReference.Compute(u, x, new double[c.Length], layers.Select(ChainReference.Layer).ToArray());
        error = ErrorBound.Gamma(c.Length, u) * c.Length;
        for (int j = 0; j < y.Length; j++)
        {
            loss += Math.Sin(y[j] + c[j]);
            error += bounds.OutputError[j] + u;
        }
        return loss;
    }

    /// <summary>The input of layer <paramref name="k"/> for every sample, computed in double from the chain's start.</summary>
    internal static double[] Inputs(ChainReference.LayerValues[] values, double[] x, int k)
    {
        double[] v = x;
        for (int l = 0; l < k; l++)
            v = PreActivations(values[l], v).Select(z => Reference.Activate(values[l].Activation, z)).ToArray();
        return v;
    }

    private static double[] PreActivations(ChainReference.LayerValues layer, double[] v)
    {
        int samples = v.Length / layer.In;
        var z = new double[samples * layer.Out];
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < layer.Out; o++)
            {
                double sum = layer.Bias[o];
                for (int i = 0; i < layer.In; i++)
                    sum += layer.Weights[o * layer.In + i] * v[s * layer.In + i];
                z[s * layer.Out + o] = sum;
            }
        }
        return z;
    }

    /// <summary>
    /// h²/6 · Σ_j (y′³ + 3y′y″ + y‴) over the network's outputs, for a parameter that moves layer <paramref name="k"/>'s
    /// pre-activation (sample s, row o) with slope <paramref name="slope"/>(s, o); asserts no kink is within reach.
    /// </summary>
    internal static double Truncation(ChainReference.LayerValues[] values, double[] input, int k, Func<int, int, double> slope, int samples)
    {
        double[] v = input;
        double[] d1 = new double[samples * values[k].In], d2 = new double[d1.Length], d3 = new double[d1.Length];
        for (int l = k; l < values.Length; l++)
        {
            ChainReference.LayerValues layer = values[l];
            double[] z = PreActivations(layer, v);
            var z1 = new double[z.Length];
            var z2 = new double[z.Length];
            var z3 = new double[z.Length];
            for (int s = 0; s < samples; s++)
            {
                for (int o = 0; o < layer.Out; o++)
                {
                    int j = s * layer.Out + o;
                    if (l == k)
                    {
                        z1[j] = slope(s, o);
                        continue;
                    }
                    for (int i = 0; i < layer.In; i++)
                    {
                        double w = Math.Abs(layer.Weights[o * layer.In + i]);
                        z1[j] += w * d1[s * layer.In + i];
                        z2[j] += w * d2[s * layer.In + i];
                        z3[j] += w * d3[s * layer.In + i];
                    }
                }
            }
            (double a1, double a2, double a3) = layer.Activation switch
            {
                Activation.Tanh => (1, 4 / (3 * Math.Sqrt(3)), 2),
                Activation.Sigmoid => (0.25, Math.Sqrt(3) / 18, 0.125),
                // Below 0, e^z for all three; above, the identity. act″ jumps at 0, a kink as ReLU's is.
                Activation.ELU => (1.0, 1.0, 1.0),
                // Maxima of |act′|, |act″|, |act‴| on a fine grid: 1.0998, 0.5, 0.3082.
                Activation.SiLU => (1.1, 0.5, 0.31),
                _ => (1.0, 0.0, 0.0),
            };
            if (layer.Activation is Activation.ReLU or Activation.LeakyReLU or Activation.ELU)
            {
                for (int j = 0; j < z.Length; j++)
                    Assert.True(Math.Abs(z[j]) > 2 * Step * z1[j], $"layer {l}: z = {z[j]:R} is within a step of the kink; pick another seed.");
            }
            d1 = z1.Select(t => a1 * t).ToArray();
            d2 = z1.Select((t, j) => a1 * z2[j] + a2 * t * t).ToArray();
            d3 = z1.Select((t, j) => a1 * z3[j] + 3 * a2 * t * z2[j] + a3 * t * t * t).ToArray();
            v = z.Select(t => Reference.Activate(layer.Activation, t)).ToArray();
        }
        double third = 0;
        for (int j = 0; j < d1.Length; j++)
            third += Math.Pow(d1[j], 3) + 3 * d1[j] * d2[j] + d3[j];
        return Step * Step / 6 * third;
    }

    private static void AssertClose(double analytic, double numeric, double allowed, string what)
    {
        if (!(Math.Abs(analytic - numeric) <= allowed))
            throw new XunitException($"{what}: Backward gives {analytic:R}, finite difference {numeric:R}; difference {Math.Abs(analytic - numeric):E3} exceeds {allowed:E3}.");
    }
}
