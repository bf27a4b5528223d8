using System;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>The public activation helpers that generated layers call: edge values and argument checks.</summary>
public class ActivationsTests
{
    [Fact]
    public void ReLUKeepsNaNAndZeroesNegatives()
    {
        // 19 values: two full vectors of 8 floats (or one of 16) and a scalar tail, whatever the hardware.
        float[] values = [-1f, 0f, 2f, float.NaN, -0.5f, 3f, float.NegativeInfinity, float.PositiveInfinity, -2f, 1f, -3f, 4f, -5f, 6f, -7f, 8f, float.NaN, -9f, 10f];
        Activations.ReLU<float>(values);
        Assert.Equal([0f, 0f, 2f, float.NaN, 0f, 3f, 0f, float.PositiveInfinity, 0f, 1f, 0f, 4f, 0f, 6f, 0f, 8f, float.NaN, 0f, 10f], values);
    }

    [Fact]
    public void ReLUFusedIntoTheForwardKernelsKeepsNaNAndZeroesNegatives()
    {
        // Zero weights, so each output is ReLU(0 + b): the kernels apply ReLU as they store, in their vector tiles (784→128),
        // their scalar tails (17→33: 33 rows are eight 4-row tiles and one row) and in double (3→5). Five samples: a
        // 4-sample tile and a lone sample.
        float[] pattern = [-1f, 2f, float.NaN, -0.5f, float.NegativeInfinity, float.PositiveInfinity, 0f, -0f, 3f];
        CheckFused(new F784x128ReLU());
        CheckFused(new F17x33ReLU());
        var layer = new D3x5ReLU();
        for (int o = 0; o < 5; o++)
            layer.Bias[o] = pattern[o + 2];
        var output = new double[5 * 5];
        layer.Forward(new double[5 * 3], output);
        for (int i = 0; i < output.Length; i++)
            Assert.Equal(Expected(pattern[i % 5 + 2]), output[i]);

        void CheckFused(IActivatedDenseLayer<float> f)
        {
            for (int o = 0; o < f.OutputSize; o++)
                f.Bias[o] = pattern[o % pattern.Length];
            var input = new float[5 * f.InputSize];
            new Random(1).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.AsSpan()));
            for (int i = 0; i < input.Length; i++)
                input[i] = float.IsFinite(input[i]) ? input[i] : 1f;
            var y = new float[5 * f.OutputSize];
            f.Forward(input, y);
            for (int i = 0; i < y.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits((float)Expected(pattern[i % f.OutputSize % pattern.Length])), BitConverter.SingleToInt32Bits(y[i]));
        }

        // 0 + b, then ReLU: negative values (and −∞) become +0, NaN stays NaN, −0 becomes +0 already in the sum.
        static double Expected(float bias)
        {
            float z = 0f + bias;
            return z < 0 ? 0 : z;
        }
    }

    [Fact]
    public void LeakyReLUScalesNegativesByAHundredth()
    {
        double[] values = [-100, 50, -1, 0, -0.25, 7, -8, 9, -10, 11];
        Activations.LeakyReLU<double>(values);
        Assert.Equal([-1, 50, -0.01, 0, -0.0025, 7, -0.08, 9, -0.1, 11], values);
    }

    [Fact]
    public void SigmoidAndTanhAreBoundedAtExtremes()
    {
        float[] sigmoid = [-1000f, 0f, 1000f];
        Activations.Sigmoid<float>(sigmoid);
        Assert.Equal([0f, 0.5f, 1f], sigmoid);
        float[] tanh = [-1000f, 0f, 1000f];
        Activations.Tanh<float>(tanh);
        Assert.Equal([-1f, 0f, 1f], tanh);
    }

    [Theory]
    [InlineData(Activation.None, 3.0)]
    [InlineData(Activation.ReLU, 3.0)]
    [InlineData(Activation.LeakyReLU, 3.0)]
    [InlineData(Activation.Sigmoid, 3.0 * 0.25 * 0.75)]
    [InlineData(Activation.Tanh, 3.0 * (1 - 0.25 * 0.25))]
    public void BackwardMultipliesByTheDerivativeAtTheOutput(Activation activation, double expected)
    {
        // Output 0.25 (positive, so ReLU's derivative is 1), output gradient 3; every product here is exact.
        double[] result = new double[1];
        Activations.Backward<double>(activation, [0.25], [3.0], result);
        Assert.Equal(expected, result[0]);
    }

    [Fact]
    public void BackwardAtNegativeOutputs()
    {
        double[] relu = new double[2], leaky = new double[2];
        Activations.ReLUBackward<double>([-0.5, 0], [2, 2], relu);
        Activations.LeakyReLUBackward<double>([-0.5, 0], [2, 2], leaky);
        Assert.Equal([0.0, 0.0], relu);
        Assert.Equal([0.02, 0.02], leaky);
    }

    [Fact]
    public void MismatchedLengthsAndUnknownActivationsAreRejected()
    {
        float[] result = [7f, 7f];
        ArgumentException exception = Assert.Throws<ArgumentException>(() => Activations.TanhBackward<float>([0f, 0f], [1f], result));
        Assert.Equal("outputGradient", exception.ParamName);
        exception = Assert.Throws<ArgumentException>(() => Activations.ReLUBackward<float>([0f, 0f], [1f, 1f], result.AsSpan(0, 1)));
        Assert.Equal("inputGradient", exception.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Activations.Apply<float>((Activation)7, result));
        Assert.Equal([7f, 7f], result);
    }

    /// <summary>SiLU's backward takes the pre-activation, and says so; the by-value dispatch, which takes outputs, refuses it.</summary>
    [Fact]
    public void SiLUBackwardTakesThePreActivation()
    {
        float[] result = [7f, 7f];
        ArgumentException exception = Assert.Throws<ArgumentException>(() => Activations.SiLUBackward<float>([0f, 0f], [1f], result));
        Assert.Equal("outputGradient has length 1; expected 2, the length of preActivation. (Parameter 'outputGradient')", exception.Message);
        exception = Assert.Throws<ArgumentException>(() => Activations.Backward<float>(Activation.SiLU, [0f, 0f], [1f, 1f], result));
        Assert.Contains("SiLUBackward", exception.Message, StringComparison.Ordinal);
        Assert.Equal([7f, 7f], result);

        // At z = 0, σ = ½ and SiLU′ = ½; in place over the pre-activation, as generated layers call it.
        float[] z = [0f, 2f];
        Activations.SiLUBackward<float>(z, [2f, 1f], z);
        double s = 1 / (1 + Math.Exp(-2.0));
        Assert.Equal(1f, z[0]);
        // Within Reference.DerivativeError's float bound at z = 2: (8·1.09 + 0.88·(12·0.24 + 1.24) + 1)u ≈ 13.3u < 1e-6.
        Assert.Equal(s * (1 + 2 * (1 - s)), z[1], 1e-6);

        // Where e^(−z) leaves the range, the limits: 1 far above (not ∞·0 = NaN), 0 far below.
        float[] extremes = [float.PositiveInfinity, 200f, float.NegativeInfinity, -200f];
        Activations.SiLUBackward<float>(extremes, [3f, 3f, 3f, 3f], extremes);
        Assert.Equal([3f, 3f, 0f, 0f], extremes);
        double[] extremesD = [double.PositiveInfinity, 800d, double.NegativeInfinity, -800d];
        Activations.SiLUBackward<double>(extremesD, [3d, 3d, 3d, 3d], extremesD);
        Assert.Equal([3d, 3d, 0d, 0d], extremesD);
        double[] deterministic = [double.PositiveInfinity, 800d, double.NegativeInfinity, -800d];
        DenseGen.CompilerServices.DeterministicActivations.SiLUBackward(deterministic, [3d, 3d, 3d, 3d], deterministic);
        Assert.Equal([3d, 3d, 0d, 0d], deterministic);
    }
}
