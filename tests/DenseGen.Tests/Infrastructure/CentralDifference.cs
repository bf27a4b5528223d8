using System;

namespace DenseGen.Tests.Infrastructure;

/// <summary>The central difference of a loss in one value, which is restored afterwards.</summary>
internal static class CentralDifference
{
    /// <summary><c>(L(v + step) − L(v − step)) / 2·step</c> for <c>v = values[index]</c>.</summary>
    public static double Of(Span<double> values, int index, double step, Func<double> loss)
    {
        double original = values[index];
        values[index] = original + step;
        double plus = loss();
        values[index] = original - step;
        double minus = loss();
        values[index] = original;
        return (plus - minus) / (2 * step);
    }
}
