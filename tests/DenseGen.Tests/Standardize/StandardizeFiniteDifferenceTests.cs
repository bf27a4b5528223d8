using System;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Networks;
using Xunit;
using Xunit.Sdk;

namespace DenseGen.Tests.Standardize;

/// <summary>
/// A network <c>Standardize → Dense(tanh) → Dense</c>, trained a few steps, agrees with central finite differences of a
/// scalar loss computed from its Forward alone, in double: the dense layers' gradients and the input gradient through the
/// standardizing layer, both where its clamp is active (0) and where it is not (<c>∂L/∂h / σ</c>).
/// </summary>
/// <remarks>
/// <para>
/// The loss and the bounds are <see cref="NetworkFiniteDifferenceTests"/>' (L = Σ sin(y + c); truncation h²/6·max|L‴|
/// from the chain's derivative bounds; the rounding of L at each point; Backward's own error from
/// <see cref="ChainReference"/>), with the dense chain's input being what the standardizing layer computed, <c>ĥ</c>: the
/// network's dense layers see exactly those bits, so for their parameters the network is the dense chain at <c>ĥ</c>.
/// </para>
/// <para>
/// For an input element whose clamp is active at both points x ± s, the layer gives ±Clip exactly at both, the network
/// computes the same loss twice, and the difference is exactly 0, as the analytic gradient (+0) must be. For one inside
/// the clamp at both points, h is linear in x with slope 1/σ, so the truncation is the dense chain's with its first
/// layer's slopes |W[:, i]| / σ. Beyond the chain's rounding, L at each point is off by the layer's own error: ĥ is
/// within γ(2)|ĥ| of the exact h of the point evaluated, which is itself within u|x ± s| / σ of the intended x ± s (the
/// perturbed input is rounded when formed); that moves L by at most G·Δh, with G = Σ_o Σ_k |W₂[o, k]|·|W₁[k, i]| ≥
/// |∂L/∂h_i| (|cos| ≤ 1, |tanh′| ≤ 1). The analytic gradient is taken at ĥ rather than the exact h: that moves it by at
/// most Σ_b H[i, b]·Δh_b / σ, with H bounding the loss's second derivatives in h (|sin|, |cos| ≤ 1, |tanh″| ≤ 4/(3√3)),
/// and its last division adds u.
/// </para>
/// </remarks>
public class StandardizeFiniteDifferenceTests
{
    private const double Step = 1e-4;
    private const double TanhSecond = 0.7698003589195010; // 4 / (3√3), the largest |tanh″|

    [Fact]
    public void ThroughTheClampAfterAFewTrainingSteps()
    {
        var network = new StandardizedDoubleNet();
        network.Initialize(seed: 41);
        double[] mean = [0.5, -0.25, 0, 1, -1, 0.25], std = [0.5, 1.5, 1, 2, 0.75, 1.25];
        mean.CopyTo(network.Normalize.Mean);
        std.CopyTo(network.Normalize.Std);
        Train(network, steps: 5, seed: 42);
        Assert.Equal(mean, network.Normalize.Mean.ToArray());
        Assert.Equal(std, network.Normalize.Std.ToArray());

        const int Samples = 3;
        var random = new Random(43);
        double[] x = Enumerable.Range(0, Samples * 6).Select(_ => 6 * random.NextDouble() - 3).ToArray();
        double[] c = LayerChecks.RandomValues<double>(random, Samples * 3);
        Check(network, x, c, Samples);
    }

    private static void Train(StandardizedDoubleNet network, int steps, int seed)
    {
        var random = new Random(seed);
        double[] x = Enumerable.Range(0, 4 * 6).Select(_ => 6 * random.NextDouble() - 3).ToArray();
        double[] target = LayerChecks.RandomValues<double>(random, 4 * 3);
        var adam = new Adam<double>(network, learningRate: 0.05);
        double[] y = new double[target.Length], dy = new double[target.Length];
        for (int step = 0; step < steps; step++)
        {
            network.Forward(x, y);
            Losses.MeanSquaredError<double>(y, target, dy);
            network.ZeroGradients();
            network.Backward(x, dy, []);
            adam.Step();
        }
    }

    private static void Check(StandardizedDoubleNet network, double[] x, double[] c, int samples)
    {
        double u = ErrorBound.DoubleRoundoff;
        const double clip = NormD6Clip.Clip;
        IDenseParameters<double>[] layers = [network.Hidden, network.Output];
        ChainReference.LayerValues[] values = layers.Select(ChainReference.Layer).ToArray();
        double[] std = network.Normalize.Std.ToArray();

        double[] h = Standardized(network, x);
        var y = new double[c.Length];
        network.Forward(x, y);
        double[] dy = y.Select((value, j) => Math.Cos(value + c[j])).ToArray();
        var dx = new double[x.Length];
        network.ZeroGradients();
        network.Backward(x, dy, dx);

        // Backward's bound for the dense chain at ĥ, as NetworkFiniteDifferenceTests computes it at its input.
        ChainReference.Chain exact = ChainReference.Compute(u, h, new double[c.Length], values);
        double[] exactGradient = exact.Output.Select((value, j) => Math.Cos(value + c[j])).ToArray();
        double[] givenError = exact.OutputError.Select(e => e + u).ToArray();
        ChainReference.Chain chain = ChainReference.Compute(u, h, exactGradient, values, givenError);

        for (int k = 0; k < layers.Length; k++)
        {
            IDenseParameters<double> layer = layers[k];
            double[] analyticWeights = layer.WeightGradients.ToArray(), analyticBias = layer.BiasGradients.ToArray();
            double[] input = NetworkFiniteDifferenceTests.Inputs(values, h, k);
            for (int p = 0; p < layer.Weights.Length; p++)
            {
                int o = p / layer.InputSize, i = p % layer.InputSize;
                double numeric = Central(layer.Weights, p, network, x, c, out double rounding);
                double truncation = NetworkFiniteDifferenceTests.Truncation(values, input, k, (s, row) => row == o ? Math.Abs(input[s * layer.InputSize + i]) : 0, samples);
                AssertClose(analyticWeights[p], numeric, truncation + rounding + chain.WeightGradientErrors[k][p], $"layer {k + 1} dW[{o},{i}]");
            }
            for (int o = 0; o < layer.OutputSize; o++)
            {
                double numeric = Central(layer.Bias, o, network, x, c, out double rounding);
                double truncation = NetworkFiniteDifferenceTests.Truncation(values, input, k, (_, row) => row == o ? 1 : 0, samples);
                AssertClose(analyticBias[o], numeric, truncation + rounding + chain.BiasGradientErrors[k][o], $"layer {k + 1} db[{o}]");
            }
        }

        const int Size = 6;
        int clamped = 0, inside = 0;
        for (int j = 0; j < x.Length; j++)
        {
            int sample = j / Size, i = j % Size;
            double original = x[j];
            x[j] = original + Step;
            double[] hPlus = Standardized(network, x);
            double plus = Loss(network, x, hPlus, c, values, out double plusError);
            double xPlus = x[j];
            x[j] = original - Step;
            double[] hMinus = Standardized(network, x);
            double minus = Loss(network, x, hMinus, c, values, out double minusError);
            double xMinus = x[j];
            x[j] = original;
            double numeric = (plus - minus) / (2 * Step);

            if (Math.Abs(hPlus[j]) == clip && hPlus[j] == hMinus[j])
            {
                // Clamped at both points: the same loss twice, and no gradient.
                Assert.True(numeric == 0, $"dx[{sample},{i}]: clamped at both points, yet the difference is {numeric:R}");
                Assert.True(dx[j] == 0 && double.IsPositive(dx[j]), $"dx[{sample},{i}]: clamped, yet Backward gives {dx[j]:R}");
                clamped++;
                continue;
            }
            // Inside the clamp over the whole step: each end's exact z is within its bound of the computed one.
            double reachPlus = Math.Abs(hPlus[j]) * (1 + ErrorBound.Gamma(2, u)) + u * Math.Abs(xPlus) / std[i];
            double reachMinus = Math.Abs(hMinus[j]) * (1 + ErrorBound.Gamma(2, u)) + u * Math.Abs(xMinus) / std[i];
            Assert.True(reachPlus < clip && reachMinus < clip, $"x[{sample},{i}] = {original:R} lies within a step of the clamp; pick another seed.");
            inside++;

            double g = Sensitivity(values, i);
            double layerError = g * (ErrorBound.Gamma(2, u) * (Math.Abs(hPlus[j]) + Math.Abs(hMinus[j])) + u * (Math.Abs(xPlus) + Math.Abs(xMinus)) / std[i]);
            double truncation = NetworkFiniteDifferenceTests.Truncation(values, h, 0, (s, row) => s == sample ? Math.Abs(values[0].Weights[row * Size + i]) / std[i] : 0, samples);
            double rounding = (plusError + minusError + layerError) / (2 * Step);
            // The analytic gradient: dĥ / σ from the chain at ĥ, rounded once more, and taken at ĥ rather than the exact h.
            double moved = 0;
            for (int b = 0; b < Size; b++)
                moved += Curvature(values, i, b) * ErrorBound.Gamma(2, u) * Math.Abs(h[sample * Size + b]);
            double analyticError = (chain.InputGradientError[j] + moved) / std[i] + u * Math.Abs(dx[j]) * 2;
            AssertClose(dx[j], numeric, truncation + rounding + analyticError, $"dx[{sample},{i}]");
        }
        // The data must reach both sides of the clamp for the check to mean anything.
        Assert.True(clamped > 0 && inside > 0, $"{clamped} clamped and {inside} inside; pick other inputs.");
    }

    /// <summary>What the network's dense layers receive: the standardizing layer's own output for <paramref name="x"/>.</summary>
    private static double[] Standardized(StandardizedDoubleNet network, double[] x)
    {
        var h = new double[x.Length];
        network.Normalize.Forward(x, h);
        return h;
    }

    /// <summary>The central difference of L in <paramref name="values"/>[<paramref name="index"/>] (a dense parameter), and its rounding bound / 2h.</summary>
    private static double Central(Span<double> values, int index, StandardizedDoubleNet network, double[] x, double[] c, out double rounding)
    {
        ChainReference.LayerValues[] Values() => [ChainReference.Layer(network.Hidden), ChainReference.Layer(network.Output)];
        double original = values[index];
        double[] h = Standardized(network, x);
        values[index] = original + Step;
        double plus = Loss(network, x, h, c, Values(), out double plusError);
        values[index] = original - Step;
        double minus = Loss(network, x, h, c, Values(), out double minusError);
        values[index] = original;
        rounding = (plusError + minusError) / (2 * Step);
        return (plus - minus) / (2 * Step);
    }

    /// <summary>L from the network's Forward, and the bound on its rounding given the dense chain's input <paramref name="h"/>.</summary>
    private static double Loss(StandardizedDoubleNet network, double[] x, double[] h, double[] c, ChainReference.LayerValues[] values, out double error)
    {
        var y = new double[c.Length];
        network.Forward(x, y);
        double u = ErrorBound.DoubleRoundoff, loss = 0;
        ChainReference.Chain bounds = ChainReference.Compute(u, h, new double[c.Length], values);
        error = ErrorBound.Gamma(c.Length, u) * c.Length;
        for (int j = 0; j < y.Length; j++)
        {
            loss += Math.Sin(y[j] + c[j]);
            error += bounds.OutputError[j] + u;
        }
        return loss;
    }

    /// <summary>G ≥ |∂L/∂h_i| for one sample: Σ_o Σ_k |W₂[o, k]|·|W₁[k, i]|.</summary>
    private static double Sensitivity(ChainReference.LayerValues[] values, int i)
    {
        ChainReference.LayerValues first = values[0], second = values[1];
        double g = 0;
        for (int o = 0; o < second.Out; o++)
        {
            for (int k = 0; k < first.Out; k++)
                g += Math.Abs(second.Weights[o * second.In + k]) * Math.Abs(first.Weights[k * first.In + i]);
        }
        return g;
    }

    /// <summary>H[a, b] ≥ |∂²L/∂h_a∂h_b| for one sample: Σ_o (P[o, a]·P[o, b] + Σ_k |W₂[o, k]|·|tanh″|max·|W₁[k, a]|·|W₁[k, b]|).</summary>
    private static double Curvature(ChainReference.LayerValues[] values, int a, int b)
    {
        ChainReference.LayerValues first = values[0], second = values[1];
        double total = 0;
        for (int o = 0; o < second.Out; o++)
        {
            double pa = 0, pb = 0, second2 = 0;
            for (int k = 0; k < first.Out; k++)
            {
                double w2 = Math.Abs(second.Weights[o * second.In + k]);
                pa += w2 * Math.Abs(first.Weights[k * first.In + a]);
                pb += w2 * Math.Abs(first.Weights[k * first.In + b]);
                second2 += w2 * TanhSecond * Math.Abs(first.Weights[k * first.In + a]) * Math.Abs(first.Weights[k * first.In + b]);
            }
            total += pa * pb + second2;
        }
        return total;
    }

    private static void AssertClose(double analytic, double numeric, double allowed, string what)
    {
        if (!(Math.Abs(analytic - numeric) <= allowed))
            throw new XunitException($"{what}: Backward gives {analytic:R}, finite difference {numeric:R}; difference {Math.Abs(analytic - numeric):E3} exceeds {allowed:E3}.");
    }
}
