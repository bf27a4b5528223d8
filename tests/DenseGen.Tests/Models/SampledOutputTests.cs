using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// The sampled outputs of ML-Agents' exports (RandomNormalLike, Multinomial), compiled with their default outputs: the
/// same draws for the same seed, whatever <c>MaxBatch</c> (the same bits in deterministic mode); and over 100,000 draws for one observation, the mean and
/// variance of the continuous actions and the frequencies of the discrete ones within 4 standard errors of the
/// distribution the graph describes (its parameters from the double reference).
/// </summary>
public class SampledOutputTests(ITestOutputHelper output)
{
    internal const int Draws = 100_000;

    [ExternalModelFact]
    public void ContinuousActionsFollowTheClippedNormalOfTheExport()
    {
        byte[] file = File.ReadAllBytes(ExternalModels.Path("mlagents_3DBall.onnx"));
        float[] observation = LayerChecks.RandomValues<float>(new Random(3), 8);
        float[] observations = Repeat(observation, Draws);
        const string call = "m.Forward(i[0], (float[])o[0], (float[])o[1], new global::DenseGen.SeededRandom(seed))";
        float[] Run(string arguments, ulong seed)
        {
            var actions = new float[Draws * 2];
            Invoke(file, arguments, call, [observations], [actions, new float[Draws * 2]], seed);
            return actions;
        }

        float[] first = Run("", 42);
        Assert.Equal(first, Run("", 42));
        Assert.NotEqual(first, Run("", 43));
        // The draws do not depend on MaxBatch; the dense layers' rounding does (a batch of one takes another kernel),
        // except in deterministic mode, where every batch size sums in one order.
        Assert.Equal(Run(", Deterministic = true", 42), Run(", Deterministic = true, MaxBatch = 1", 42));
        float[] oneAtATime = Run(", MaxBatch = 1", 42);
        Assert.All(Enumerable.Range(0, first.Length), j => Assert.True(Math.Abs(first[j] - oneAtATime[j]) <= 1e-6, $"action {j}: {first[j]} and {oneAtATime[j]}"));

        // continuous_actions = clip(μ + σ·N(0, 1), −3, 3) / 3, with μ and σ as the graph computes them for the observation.
        var reference = new OnnxReference(file, new Dictionary<string, float[]> { ["obs_0"] = observation }, 1);
        double[] mu = reference["onnx::Mul_32"].Values, sigma = reference["onnx::Mul_36"].Values;
        for (int a = 0; a < 2; a++)
        {
            (double mean, double variance, double fourth) = ClippedNormalMoments(mu[a], sigma[a]);
            double[] values = Enumerable.Range(0, Draws).Select(s => (double)first[s * 2 + a]).ToArray();
            double sampleMean = values.Average(), sampleVariance = values.Sum(v => (v - sampleMean) * (v - sampleMean)) / (Draws - 1);
            double meanError = Math.Sqrt(variance / Draws), varianceError = Math.Sqrt((fourth - variance * variance) / Draws);
            output.WriteLine($"action {a}: μ {mu[a]:F4}, σ {sigma[a]:F4}; mean {sampleMean:F5} (expected {mean:F5} ± {meanError:E1}), variance {sampleVariance:F5} (expected {variance:F5} ± {varianceError:E1})");
            Assert.True(Math.Abs(sampleMean - mean) <= 4 * meanError, $"action {a}: mean {sampleMean} is more than 4 standard errors from {mean}");
            Assert.True(Math.Abs(sampleVariance - variance) <= 4 * varianceError, $"action {a}: variance {sampleVariance} is more than 4 standard errors from {variance}");
        }
    }

    [ExternalModelFact]
    public void DiscreteActionsFollowTheMaskedSoftmaxOfTheExport()
    {
        byte[] file = File.ReadAllBytes(ExternalModels.Path("mlagents_Basic.onnx"));
        float[] observation = LayerChecks.RandomValues<float>(new Random(5), 20);
        const string call = "m.Forward(i[0], i[1], (int[])o[0], (int[])o[1], new global::DenseGen.SeededRandom(seed))";
        foreach (float[] mask in new[] { new[] { 1f, 1f, 1f }, new[] { 1f, 0f, 1f } })
        {
            int[] Run(string arguments, ulong seed)
            {
                var actions = new int[Draws];
                Invoke(file, arguments, call, [Repeat(observation, Draws), Repeat(mask, Draws)], [actions, new int[Draws]], seed);
                return actions;
            }

            int[] first = Run("", 7);
            Assert.Equal(first, Run("", 7));
            Assert.Equal(first, Run(", MaxBatch = 3", 7));

            var reference = new OnnxReference(file, new Dictionary<string, float[]> { ["obs_0"] = observation, ["action_masks"] = mask }, 1);
            double[] p = reference["onnx::Log_27"].Values;
            for (int c = 0; c < 3; c++)
            {
                double frequency = first.Count(a => a == c) / (double)Draws, error = Math.Sqrt(p[c] * (1 - p[c]) / Draws);
                output.WriteLine($"mask [{string.Join(", ", mask)}], action {c}: frequency {frequency:F5}, probability {p[c]:F5} ± {error:E1}");
                Assert.True(Math.Abs(frequency - p[c]) <= 4 * error, $"action {c}: frequency {frequency} is more than 4 standard errors from {p[c]}");
                if (mask[c] == 0)
                    Assert.Equal(0, frequency);
            }
        }
    }

    [Fact]
    public void MultinomialDrawsEachClassAsOftenAsItsProbability()
    {
        // Two draws per sample from log probabilities of 0.1, 0.2, 0.3, 0.4 (unnormalized: Multinomial normalizes).
        byte[] file = new OnnxBuilder()
            .Input("logits", "batch", 4L)
            .Node("Multinomial", "draw", ["logits"], ["classes"], ("sample_size", 2L), ("dtype", 7L))
            .Int64Output("classes", "batch", 2L).Build();
        double[] p = [0.1, 0.2, 0.3, 0.4];
        float[] logits = p.Select(v => (float)Math.Log(v * 5)).ToArray();
        var classes = new int[Draws * 2];
        Invoke(file, "", "m.Forward(i[0], (int[])o[0], new global::DenseGen.SeededRandom(seed))", [Repeat(logits, Draws)], [classes], 11);
        for (int c = 0; c < 4; c++)
        {
            double frequency = classes.Count(a => a == c) / (double)classes.Length, error = Math.Sqrt(p[c] * (1 - p[c]) / classes.Length);
            output.WriteLine($"class {c}: frequency {frequency:F5}, probability {p[c]} ± {error:E1}");
            Assert.True(Math.Abs(frequency - p[c]) <= 4 * error, $"class {c}: frequency {frequency} is more than 4 standard errors from {p[c]}");
        }
    }

    [Fact]
    public void RandomNormalLikeTakesItsMeanAndScale()
    {
        byte[] file = new OnnxBuilder()
            .Input("x", "batch", 3L)
            .Node("RandomNormalLike", "noise", ["x"], ["output"], ("mean", 1f), ("scale", 2f), ("seed", 5f))
            .Output("output", "batch", 3L).Build();
        var values = new float[Draws * 3];
        Invoke(file, "", "m.Forward(i[0], (float[])o[0], new global::DenseGen.SeededRandom(seed))", [new float[Draws * 3]], [values], 13);
        double mean = values.Average(v => (double)v), variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        // A normal of variance 4: the mean's standard error is 2/√n, the variance's 4·√(2/n).
        output.WriteLine($"mean {mean:F5}, variance {variance:F5}");
        Assert.True(Math.Abs(mean - 1) <= 4 * 2 / Math.Sqrt(values.Length));
        Assert.True(Math.Abs(variance - 4) <= 4 * 4 * Math.Sqrt(2.0 / values.Length));
    }

    internal static float[] Repeat(float[] sample, int count) => Enumerable.Range(0, count).SelectMany(_ => sample).ToArray();

    internal static void Invoke(byte[] file, string arguments, string call, float[][] inputs, object[] outputs, ulong seed)
    {
        string runner = $$"""
            namespace Test;

            public static class Runner
            {
                public static void Run(float[][] i, object[] o, ulong seed)
                {
                    var m = new Model();
                    {{call}};
                }
            }
            """;
        Assembly assembly = ModelHarness.CompileAndLoad(file, ModelHarness.Declaration(arguments), runner);
        assembly.GetType("Test.Runner")!.GetMethod("Run")!.Invoke(null, [inputs, outputs, seed]);
    }

    /// <summary>
    /// The mean, variance and fourth central moment of clip(μ + σZ, −3, 3) / 3 for a standard normal Z: Simpson's rule over
    /// z in [−12, 12] (beyond it the density is below 1e-31), 24,000 intervals.
    /// </summary>
    internal static (double Mean, double Variance, double Fourth) ClippedNormalMoments(double mu, double sigma)
    {
        double Action(double z) => Math.Clamp(mu + sigma * z, -3, 3) / 3;
        double Integral(Func<double, double> f)
        {
            const int n = 24_000;
            const double from = -12, h = 24.0 / n;
            double sum = 0;
            for (int i = 0; i <= n; i++)
            {
                double z = from + i * h, weight = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
                sum += weight * f(z) * Math.Exp(-z * z / 2);
            }
            return sum * h / 3 / Math.Sqrt(2 * Math.PI);
        }
        double mean = Integral(Action);
        double variance = Integral(z => Math.Pow(Action(z) - mean, 2));
        double fourth = Integral(z => Math.Pow(Action(z) - mean, 4));
        return (mean, variance, fourth);
    }
}
