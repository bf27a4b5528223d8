using System;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Models;

/// <summary>
/// The one-sample kernels of an <c>[OnnxModel]</c> class's layers (<c>OneSampleKernel</c>, from the kept copy of
/// <c>Wᵀ</c>), on whichever kernels the process runs: the children <see cref="VectorPathTests"/> starts with wider vectors
/// disabled run <see cref="Run"/> with <see cref="KernelChecks"/>, so the Vector256, Vector128 and scalar forms run too.
/// A network 7 → 64 ReLU → 128 tanh → 3 (the first two layers take the kernel: 7 inputs spelled out, odd, 64 looped)
/// runs 8 samples one call at a time, two at a time and all at once, each output against a double reference within a
/// bound propagated through the layers.
/// </summary>
/// <remarks>
/// With u = 2⁻²⁴, a layer's float output differs from the exact one on its float input by at most
/// γ(n + 1)(|W| |a| + |b|) (n products summed in any order, then the bias: Higham's γ(k) = ku / (1 − ku)); an error e of
/// its input adds |W| e; ReLU and tanh are 1-Lipschitz, and DenseGen's tanh adds at most 5 ulp ≤ 5 · 2⁻²³ |y| (docs/math.md).
/// The double reference's own error is below 10⁻¹² here and is covered by doubling the bound's last term.
/// </remarks>
public static class OneSampleModelChecks
{
    private const int Samples = 8;

    public static int Run()
    {
        var random = new Random(17);
        float[] Values(int count, double scale) => Enumerable.Range(0, count).Select(_ => (float)((2 * random.NextDouble() - 1) * scale)).ToArray();
        float[] w1 = Values(64 * 7, 0.5), b1 = Values(64, 0.1), w2 = Values(128 * 64, 0.2), b2 = Values(128, 0.1), w3 = Values(3 * 128, 0.15), b3 = Values(3, 0.1);
        byte[] model = new OnnxBuilder()
            .Input("x", "batch", 7L)
            .Initializer("w1", [64, 7], w1).Initializer("b1", [64], b1)
            .Initializer("w2", [128, 64], w2).Initializer("b2", [128], b2)
            .Initializer("w3", [3, 128], w3).Initializer("b3", [3], b3)
            .Node("Gemm", "first", ["x", "w1", "b1"], ["z1"], ("transB", 1L))
            .Node("Relu", "relu", ["z1"], ["a1"])
            .Node("Gemm", "second", ["a1", "w2", "b2"], ["z2"], ("transB", 1L))
            .Node("Tanh", "tanh", ["z2"], ["a2"])
            .Node("Gemm", "third", ["a2", "w3", "b3"], ["y"], ("transB", 1L))
            .Output("y", "batch", 3L)
            .Build();
        const string Runner = """
            namespace Test;

            public static class Runner
            {
                public static void Run(float[] x, float[] y, int perCall)
                {
                    var model = new Model();
                    for (int first = 0; first < x.Length / Model.XSize; first += perCall)
                        model.Forward(new System.ReadOnlySpan<float>(x, first * Model.XSize, perCall * Model.XSize), new System.Span<float>(y, first * Model.YSize, perCall * Model.YSize));
                }
            }
            """;
        Assembly assembly = ModelHarness.CompileAndLoad(model, ModelHarness.Declaration(), Runner);
        MethodInfo run = assembly.GetType("Test.Runner")!.GetMethod("Run")!;
        string source = ModelHarness.Source(ModelHarness.Generate(model, ModelHarness.Declaration()).Result);
        if (source.Split("__DenseTransposeWeights();").Length - 1 != 4)
            throw new InvalidOperationException("the model's first two layers should keep Wᵀ, refreshed in LoadBakedWeights and LoadOnnx");

        float[] x = Values(Samples * 7, 2);
        (double[] expected, double[] bound) = Reference(x, w1, b1, w2, b2, w3, b3);
        int checks = 0;
        foreach (int perCall in new[] { 1, 2, Samples })
        {
            var y = new float[Samples * 3];
            run.Invoke(null, [x, y, perCall]);
            for (int k = 0; k < y.Length; k++)
            {
                double error = Math.Abs(y[k] - expected[k]);
                if (!(error <= bound[k]))
                    throw new InvalidOperationException($"{KernelChecks.ActiveKernels()}, {perCall} sample(s) per call, output {k}: {y[k]:R}, reference {expected[k]:R}, |error| {error:G3} > bound {bound[k]:G3}");
            }
            checks++;
        }
        return checks;
    }

    private static (double[] Values, double[] Bounds) Reference(float[] x, float[] w1, float[] b1, float[] w2, float[] b2, float[] w3, float[] b3)
    {
        const double U = 1.0 / (1 << 24);
        double Gamma(int terms) => terms * U / (1 - terms * U);
        var values = new double[Samples * 3];
        var bounds = new double[Samples * 3];
        for (int s = 0; s < Samples; s++)
        {
            double[] a0 = x.Skip(s * 7).Take(7).Select(v => (double)v).ToArray(), e0 = new double[7];
            (double[] z1, double[] e1) = Layer(a0, e0, w1, b1, 64, Gamma);
            double[] a1 = z1.Select(v => Math.Max(v, 0)).ToArray();
            (double[] z2, double[] e2) = Layer(a1, e1, w2, b2, 128, Gamma);
            double[] a2 = z2.Select(Math.Tanh).ToArray();
            double[] f2 = e2.Select((e, j) => e + 5 * 2 * U * Math.Abs(a2[j])).ToArray();
            (double[] y, double[] e3) = Layer(a2, f2, w3, b3, 3, Gamma);
            Array.Copy(y, 0, values, s * 3, 3);
            Array.Copy(e3, 0, bounds, s * 3, 3);
        }
        return (values, bounds);
    }

    // One layer on the reference activations a (whose float counterparts are within e of them): the exact affine map
    // and the bound on the float layer's distance from it.
    private static (double[] Z, double[] Error) Layer(double[] a, double[] e, float[] w, float[] b, int outputs, Func<int, double> gamma)
    {
        int n = a.Length;
        var z = new double[outputs];
        var error = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = b[o], magnitude = Math.Abs(b[o]), propagated = 0;
            for (int i = 0; i < n; i++)
            {
                sum += w[o * n + i] * a[i];
                magnitude += Math.Abs(w[o * n + i]) * (Math.Abs(a[i]) + e[i]);
                propagated += Math.Abs(w[o * n + i]) * e[i];
            }
            z[o] = sum;
            error[o] = propagated + 2 * gamma(n + 1) * magnitude;
        }
        return (z, error);
    }
}

/// <summary>The same checks on this process's widest kernels.</summary>
public sealed class OneSampleModelTests
{
    [Fact]
    public void TheOneSampleKernelsComputeTheModelWithinTheBound() => Assert.Equal(3, OneSampleModelChecks.Run());
}
