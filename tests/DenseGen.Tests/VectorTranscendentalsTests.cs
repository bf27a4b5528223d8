using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests;

/// <summary>
/// The float activations computed in vectors, on this process's <see cref="System.Numerics.Vector{T}"/>: their error
/// bounds and special values (<see cref="VectorTranscendentalsChecks"/>, which also runs on the other vector widths).
/// </summary>
public class VectorTranscendentalsTests(ITestOutputHelper output)
{
    [Fact]
    public void EachFunctionIsWithinItsDerivedBound()
    {
        output.WriteLine($"Vector<float> holds {System.Numerics.Vector<float>.Count} floats");
        foreach (VectorTranscendentalsChecks.Measurement m in VectorTranscendentalsChecks.Run())
            output.WriteLine($"{m.Name}: max error {m.MaxUlps:F3} ulp at {m.At:R} (bound {m.Bound})");
    }

    /// <summary>
    /// The exponential the activations and softmax cross-entropy share, over the whole range where e^x is finite and not
    /// 0, subnormal results included: e^r − 1 within 1.5 ulps of 1 + p, and the reduction's r within half an ulp of
    /// |n · Ln2Low| below 0.032 of it: 2 ulps.
    /// </summary>
    [Fact]
    public void ExpIsWithinTwoUlps()
    {
        VectorTranscendentalsChecks.Measurement m = VectorTranscendentalsChecks.Measure("exp", VectorTranscendentals.Exp, System.Math.Exp, -104f, 89f, bound: 2);
        output.WriteLine($"exp: max error {m.MaxUlps:F3} ulp at {m.At:R}");
        Assert.InRange(m.MaxUlps, 0, m.Bound);
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 89f, -104f];
        VectorTranscendentals.Exp(special);
        Assert.True(float.IsNaN(special[0]));
        Assert.Equal([float.PositiveInfinity, 0f, 1f, 1f, float.PositiveInfinity, 0f], special[1..]);
    }

    [Fact]
    public void SpecialValuesGiveTheLimits() => VectorTranscendentalsChecks.CheckSpecialValues();
}
