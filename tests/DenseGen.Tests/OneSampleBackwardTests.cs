using System;
using System.Numerics;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// One sample's Backward runs a kernel of its own (dW and dX in one sweep over the rows). It adds the same terms in the
/// same order as the batched kernels, so three one-sample calls must give, to the bit, what one three-sample call gives:
/// the same dX for each sample and the same accumulated dW. (The numerical bounds against a double reference are
/// checked for every layer in <see cref="NumericalTests"/>; this pins the fused kernel to the batched ones.)
/// </summary>
public class OneSampleBackwardTests
{
    [Fact]
    public void Float784x128() => Check(new F784x128(), new F784x128());

    [Fact]
    public void Float17x33WithScalarTails() => Check(new F17x33(), new F17x33());

    [Fact]
    public void Double17x33() => Check(new D17x33(), new D17x33());

    [Fact]
    public void Double130x15() => Check(new D130x15(), new D130x15());

    [Fact]
    public void ActivatedFloat17x33() => Check(new F17x33ReLU(), new F17x33ReLU());

    private static void Check<T>(IDenseParameters<T> batched, IDenseParameters<T> single) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Samples = 3;
        int inputs = batched.InputSize, outputs = batched.OutputSize;
        var random = new Random(11);
        T[] w = LayerChecks.RandomValues<T>(random, inputs * outputs), b = LayerChecks.RandomValues<T>(random, outputs);
        T[] x = LayerChecks.RandomValues<T>(random, Samples * inputs), dy = LayerChecks.RandomValues<T>(random, Samples * outputs);
        foreach (IDenseParameters<T> layer in new[] { batched, single })
        {
            w.CopyTo(layer.Weights);
            b.CopyTo(layer.Bias);
            layer.ZeroGradients();
        }

        var batchedDx = new T[Samples * inputs];
        Backward(batched, x, dy, batchedDx);
        var singleDx = new T[Samples * inputs];
        for (int s = 0; s < Samples; s++)
            Backward(single, x.AsSpan(s * inputs, inputs), dy.AsSpan(s * outputs, outputs), singleDx.AsSpan(s * inputs, inputs));

        Assert.Equal(batchedDx, singleDx);
        Assert.Equal(batched.WeightGradients.ToArray(), single.WeightGradients.ToArray());
        Assert.Equal(batched.BiasGradients.ToArray(), single.BiasGradients.ToArray());
    }

    private static void Backward<T>(IDenseParameters<T> layer, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (layer is IActivatedDenseLayer<T> activated)
        {
            var y = new T[dy.Length];
            activated.Forward(x, y);
            activated.Backward(x, y, dy, dx);
        }
        else
        {
            ((IDenseLayer<T>)layer).Backward(x, dy, dx);
        }
    }
}
