using System;
using System.IO;
using DenseGen.Samples.Mnist;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>The MNIST sample's data, split and accuracy target, checked by running its own code.</summary>
[Trait("Category", "Integration")]
public class MnistSampleTests
{
    private static MnistData BuiltIn() => MnistData.LoadBuiltIn(Path.Combine(AppContext.BaseDirectory, "data"));

    [Fact]
    public void BuiltInDataIsSplitAsDocumented()
    {
        MnistData data = BuiltIn();
        Assert.Equal(8004, data.Train.Count);
        Assert.Equal(1996, data.Test.Count);
        Assert.Equal(data.Train.Count * 784, data.Train.Pixels.Length);
        Assert.All(data.Train.Pixels, p => Assert.InRange(p, 0f, 1f));
        // Within each digit, samples 4, 9, 14, … are held out: ⌊n / 5⌋ of its n samples.
        for (int digit = 0; digit < 10; digit++)
        {
            int train = Array.FindAll(data.Train.Labels, l => l == digit).Length;
            int test = Array.FindAll(data.Test.Labels, l => l == digit).Length;
            Assert.Equal((train + test) / 5, test);
        }
    }

    [Fact]
    public void DefaultSettingsReach94PercentInTenEpochsAndAreDeterministic()
    {
        // The sample's defaults: batch 32, Adam at 0.001, seed 1, 10 epochs. Two runs must agree to the bit.
        double first = Train(), second = Train();
        Assert.True(first >= 0.94, $"test accuracy {first:P2} after 10 epochs");
        Assert.Equal(first, second);

        static double Train()
        {
            MnistData data = BuiltIn();
            var network = new MnistNetwork();
            network.Initialize(seed: 1);
            var epoch = new EpochRunner(network, new Adam<float>(network, 0.001), data.Train, batchSize: 32, seed: 1);
            for (int e = 0; e < 10; e++)
                epoch.Run();
            return Evaluation.Evaluate(network, data.Test).Accuracy;
        }
    }
}
