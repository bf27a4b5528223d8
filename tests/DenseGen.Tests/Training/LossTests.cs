using System;
using System.Linq;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>The losses against hand-computed values, their gradients, their numerical stability and their argument checks.</summary>
public class LossTests
{
    [Fact]
    public void MeanSquaredErrorMatchesHandComputedValues()
    {
        // Differences 1, 0, −2: L = (1 + 0 + 4) / 3; ∂L/∂p = 2 (p − t) / 3. Every value below is exact in double
        // but 5/3 and 2/3 (one rounding each, the same in the implementation and here).
        double[] gradient = new double[3];
        double loss = Losses.MeanSquaredError<double>([1, 2, 3], [0, 2, 5], gradient);
        Assert.Equal(5.0 / 3, loss, 15);
        Assert.Equal([2.0 / 3, 0, -4.0 / 3], gradient);
    }

    [Fact]
    public void MeanSquaredErrorWithoutGradientReturnsTheLossOnly()
    {
        float loss = Losses.MeanSquaredError<float>([0.5f, -0.5f], [0, 0], []);
        Assert.Equal(0.25f, loss);
    }

    [Fact]
    public void SoftmaxCrossEntropyMatchesTheDefinition()
    {
        // Two samples of three classes; the reference is −log(softmax(z)[label]) computed directly in double,
        // fine for these small logits. Mean over the batch; gradient (softmax − onehot) / 2.
        double[] logits = [1, 2, 3, -1, 0.5, 0.25];
        int[] labels = [2, 0];
        double[] gradient = new double[6];
        double loss = Losses.SoftmaxCrossEntropy<double>(logits, labels, gradient);

        double expectedLoss = 0;
        double[] expectedGradient = new double[6];
        for (int s = 0; s < 2; s++)
        {
            double[] z = logits.Skip(3 * s).Take(3).ToArray();
            double sum = z.Sum(Math.Exp);
            expectedLoss += -Math.Log(Math.Exp(z[labels[s]]) / sum) / 2;
            for (int j = 0; j < 3; j++)
                expectedGradient[3 * s + j] = (Math.Exp(z[j]) / sum - (j == labels[s] ? 1 : 0)) / 2;
        }
        // A handful of roundings in each: 1e-15 is about ten units in the last place of values near 1.
        Assert.Equal(expectedLoss, loss, 1e-15);
        for (int j = 0; j < 6; j++)
            Assert.Equal(expectedGradient[j], gradient[j], 1e-15);
        // Each sample's gradient sums to zero: the softmax sums to one, the one-hot too.
        Assert.Equal(0, gradient[..3].Sum(), 1e-16);
    }

    [Fact]
    public void SoftmaxCrossEntropyIsStableForLargeLogits()
    {
        // e^1000 overflows even a double; subtracting the maximum first keeps everything finite.
        float[] gradient = new float[2];
        float loss = Losses.SoftmaxCrossEntropy<float>([1000f, 0f], [1], gradient);
        Assert.Equal(1000f, loss);
        Assert.Equal([1f, -1f], gradient);
        Assert.Equal(0f, Losses.SoftmaxCrossEntropy<float>([0f, 1000f], [1], []));
    }

    [Fact]
    public void SoftmaxCrossEntropyRejectsBadArgumentsWithoutWriting()
    {
        float[] gradient = [7f, 7f, 7f, 7f];
        AssertRejected("labels", "labels[1] is 2", () => Losses.SoftmaxCrossEntropy<float>([1f, 2f, 3f, 4f], [0, 2], gradient));
        AssertRejected("labels", "labels[0] is -1", () => Losses.SoftmaxCrossEntropy<float>([1f, 2f, 3f, 4f], [-1, 0], gradient));
        AssertRejected("logits", "multiple of 3", () => Losses.SoftmaxCrossEntropy<float>([1f, 2f, 3f, 4f], [0, 0, 0], gradient));
        AssertRejected("labels", "empty", () => Losses.SoftmaxCrossEntropy<float>([1f, 2f], [], gradient));
        AssertRejected("gradient", "length 3", () => Losses.SoftmaxCrossEntropy<float>([1f, 2f, 3f, 4f], [0, 1], gradient.AsSpan(0, 3)));
        AssertRejected("gradient", "overlaps logits", () => Losses.SoftmaxCrossEntropy<float>(gradient, [0, 1], gradient));
        Assert.Equal([7f, 7f, 7f, 7f], gradient);
    }

    [Fact]
    public void MeanSquaredErrorRejectsBadArgumentsWithoutWriting()
    {
        double[] gradient = [7, 7];
        AssertRejected("target", "length 3", () => Losses.MeanSquaredError<double>([1, 2], [1, 2, 3], gradient));
        AssertRejected("prediction", "empty", () => Losses.MeanSquaredError<double>([], [], []));
        AssertRejected("gradient", "length 1", () => Losses.MeanSquaredError<double>([1, 2], [1, 2], gradient.AsSpan(0, 1)));
        AssertRejected("gradient", "overlaps target", () => Losses.MeanSquaredError<double>([1, 2], gradient, gradient));
        Assert.Equal([7.0, 7.0], gradient);
    }

    private static void AssertRejected(string paramName, string messagePart, Action call)
    {
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(paramName, exception.ParamName);
        Assert.Contains(messagePart, exception.Message, StringComparison.Ordinal);
    }
}
