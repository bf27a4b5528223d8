using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>Seeded initialization: reproducible to the bit, and distributed as each scheme says.</summary>
public class InitializerTests
{
    [Fact]
    public void SplitMix64MatchesItsPublishedOutput()
    {
        // The first outputs of the reference splitmix64.c (Vigna) from seed 1234567.
        ulong state = 1234567;
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        foreach (ulong value in expected)
            Assert.Equal(value, SeededRandom.SplitMix64(ref state));
    }

    [Fact]
    public void SameSeedGivesTheSameBitsEverywhere()
    {
        // Pinned values: integer arithmetic and correctly rounded IEEE operations only, so any machine, OS or
        // runtime must produce exactly these. A change here breaks every user's saved seed.
        var layer = new D3x5();
        Initializer.Initialize(layer, Initialization.HeNormal, seed: 42);
        var again = new D3x5();
        Initializer.Initialize(again, Initialization.HeNormal, seed: 42);
        Assert.Equal(layer.Weights.ToArray(), again.Weights.ToArray());
        Assert.Equal(Pinned.HeNormalSeed42, layer.Weights[..4].ToArray().Select(BitConverter.DoubleToInt64Bits).ToArray());

        var random = new SeededRandom(7);
        Assert.Equal(Pinned.Seed7, new[] { random.NextUInt64(), random.NextUInt64(), random.NextUInt64() });
    }

    [Fact]
    public void NextSingleIsTheTop24BitsOfADrawTimesTwoToTheMinus24()
    {
        // Pinned through the committed xoshiro256** outputs for seed 7: the same floats on every machine.
        var random = new SeededRandom(7);
        float[] expected = Pinned.Seed7.Select(bits => (float)(bits >> 40) / (1 << 24)).ToArray();
        Assert.Equal(expected, new[] { random.NextSingle(), random.NextSingle(), random.NextSingle() });

        // In [0, 1) and uniform: the mean of 100,000 draws within 5 standard errors (1/√12 / √n) of 1/2.
        double sum = 0;
        for (int i = 0; i < 100_000; i++)
        {
            float value = random.NextSingle();
            Assert.InRange(value, 0f, 1f - 1f / (1 << 24));
            sum += value;
        }
        Assert.InRange(sum / 100_000, 0.5 - 5 / Math.Sqrt(12 * 100_000.0), 0.5 + 5 / Math.Sqrt(12 * 100_000.0));
    }

    [Fact]
    public void SplitMix64IsNotPublic()
    {
        // A seeding detail of SeededRandom, not API a user should build on.
        Assert.Null(typeof(SeededRandom).GetMethod(nameof(SeededRandom.SplitMix64), System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static));
        Assert.NotNull(typeof(SeededRandom).GetMethod(nameof(SeededRandom.SplitMix64), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWeights()
    {
        var a = new F17x33();
        var b = new F17x33();
        Initializer.Initialize(a, Initialization.PyTorchDefault, seed: 1);
        Initializer.Initialize(b, Initialization.PyTorchDefault, seed: 2);
        Assert.NotEqual(a.Weights.ToArray(), b.Weights.ToArray());
    }

    [Theory]
    [InlineData(Initialization.PyTorchDefault)]
    [InlineData(Initialization.XavierUniform)]
    [InlineData(Initialization.HeUniform)]
    public void UniformSchemesStayInTheirBoundsWithTheRightVariance(Initialization scheme)
    {
        var layer = new D784x128();
        Initializer.Initialize(layer, scheme, seed: 5);
        double bound = scheme switch
        {
            Initialization.PyTorchDefault => 1 / Math.Sqrt(784),
            Initialization.XavierUniform => Math.Sqrt(6.0 / (784 + 128)),
            _ => Math.Sqrt(6.0 / 784),
        };
        double[] w = layer.Weights.ToArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        // Uniform on [−a, a): variance a²/3. With n = 100,352 draws the sample variance's relative standard error is
        // √(0.8/n) ≈ 0.0028 (kurtosis 1.8 for a uniform); 5 standard errors is 1.4%. The mean's standard error is
        // a/√(3n); allow 5 of those.
        AssertMoments(w, expectedVariance: bound * bound / 3, varianceTolerance: 0.014, meanTolerance: 5 * bound / Math.Sqrt(3 * w.Length));
        if (scheme == Initialization.PyTorchDefault)
            Assert.All(layer.Bias.ToArray(), v => Assert.InRange(v, -bound, bound));
        else
            Assert.All(layer.Bias.ToArray(), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(Initialization.XavierNormal)]
    [InlineData(Initialization.HeNormal)]
    public void NormalSchemesHaveTheRightStandardDeviation(Initialization scheme)
    {
        var layer = new D784x128();
        Initializer.Initialize(layer, scheme, seed: 6);
        double sigma = scheme == Initialization.HeNormal ? Math.Sqrt(2.0 / 784) : Math.Sqrt(2.0 / (784 + 128));
        double[] w = layer.Weights.ToArray();
        // Normal: the sample variance's relative standard error is √(2/n) ≈ 0.0045; 5 of those is 2.3%.
        AssertMoments(w, expectedVariance: sigma * sigma, varianceTolerance: 0.023, meanTolerance: 5 * sigma / Math.Sqrt(w.Length));
        Assert.All(layer.Bias.ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void TheInitializersLogarithmAgreesWithTheMathLibrary()
    {
        // Within 4 units in the last place over (0, 1], where the Gaussian sampler uses it, and beyond.
        var random = new SeededRandom(9);
        for (int i = 0; i < 100_000; i++)
        {
            double x = i < 50_000 ? random.NextDouble() + 1e-300 : Math.Exp(40 * (random.NextDouble() - 0.5));
            double expected = Math.Log(x);
            double ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            Assert.True(Math.Abs(DeterministicMath.LogOfNormal(x) - expected) <= 4 * ulp + 1e-300, $"ln {x:R}: {DeterministicMath.LogOfNormal(x):R} vs {expected:R}");
        }
    }

    [Fact]
    public void PortableBigMulMatchesMathBigMul()
    {
        // The .NET Standard builds draw bounded integers through this instead of Math.BigMul.
        ulong[] edges = [0, 1, 2, uint.MaxValue, (ulong)uint.MaxValue + 1, ulong.MaxValue - 1, ulong.MaxValue, 0x8000_0000_0000_0000UL];
        var random = new SeededRandom(10);
        IEnumerable<(ulong, ulong)> pairs = edges.SelectMany(a => edges.Select(b => (a, b)))
            .Concat(Enumerable.Range(0, 100_000).Select(_ => (random.NextUInt64(), random.NextUInt64())));
        foreach ((ulong a, ulong b) in pairs)
        {
            ulong high = Math.BigMul(a, b, out ulong low);
            ulong portableHigh = Bits.BigMulPortable(a, b, out ulong portableLow);
            Assert.True(high == portableHigh && low == portableLow, $"{a} × {b}");
        }
    }

    [Fact]
    public void StructLayersAreInitializedInPlace()
    {
        SF3x5 layer = default;
        Initializer.Initialize<float, SF3x5>(ref layer, Initialization.PyTorchDefault, seed: 3);
        Assert.DoesNotContain(0f, layer.Weights.ToArray());
    }

    [Fact]
    public void UnknownSchemeIsRejected()
    {
        var layer = new F3x5();
        Assert.Throws<ArgumentOutOfRangeException>(() => Initializer.Initialize(layer, (Initialization)99, seed: 1));
        Assert.All(layer.Weights.ToArray(), w => Assert.Equal(0f, w));
    }

    private static void AssertMoments(double[] values, double expectedVariance, double varianceTolerance, double meanTolerance)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        Assert.InRange(mean, -meanTolerance, meanTolerance);
        Assert.InRange(variance / expectedVariance, 1 - varianceTolerance, 1 + varianceTolerance);
    }

    private static class Pinned
    {
        public static readonly long[] HeNormalSeed42 = [-4619855949481782109, 4595687581640643266, 4600499062301743158, 4608107244861822725];
        public static readonly ulong[] Seed7 = [12923355070828475994, 5142052590334782674, 15488392906492639638];
    }
}
