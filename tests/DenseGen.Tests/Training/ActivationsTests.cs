using System;
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
}
