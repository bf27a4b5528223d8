using System;
using System.Collections.Concurrent;
using System.Numerics;
using Xunit;
using Xunit.Sdk;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// Checks one generated layer against <see cref="Reference"/>: forward, weight, bias and input gradients,
/// accumulation over two Backward calls, and ZeroGradients. Used for the layers compiled into this project
/// and for the random layers the property tests compile in memory.
/// </summary>
internal static class LayerChecks
{
    /// <summary>Largest |layer − reference| seen per element type, and the largest ratio of error to allowed bound.</summary>
    public static readonly ConcurrentDictionary<Type, (double AbsoluteError, double BoundRatio)> LargestErrors = new();

    public static void CheckAgainstReference<T>(IDenseLayer<T> layer, int samples, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize;
        var random = new Random(seed);
        T[] w = RandomValues<T>(random, inputs * outputs);
        T[] b = RandomValues<T>(random, outputs);
        T[] x = RandomValues<T>(random, samples * inputs);
        T[] dy = RandomValues<T>(random, samples * outputs);
        T[] dy2 = RandomValues<T>(random, samples * outputs);
        bool biased = UseBias(layer, b);
        w.CopyTo(layer.Weights);
        if (biased)
            b.CopyTo(layer.Bias);
        layer.ZeroGradients();

        string shape = $"{inputs}→{outputs}{(biased ? "" : " without bias")}, batch {samples}, {typeof(T).Name}";

        var y = new T[samples * outputs];
        layer.Forward(x, y);
        var forward = Reference.Forward(Wide(w), Wide(b), Wide(x), inputs, outputs);
        Compare(y, forward, terms: inputs + 1, $"Forward output ({shape})");

        var dx = new T[samples * inputs];
        layer.Backward(x, dy, dx);
        var dw = Reference.WeightGradient(Wide(x), Wide(dy), inputs, outputs);
        var db = Reference.BiasGradient(Wide(dy), outputs);
        Compare(layer.WeightGradients.ToArray(), dw, terms: samples, $"WeightGradients ({shape})");
        if (biased)
            Compare(layer.BiasGradients.ToArray(), db, terms: samples, $"BiasGradients ({shape})");
        Compare(dx, Reference.InputGradient(Wide(w), Wide(dy), inputs, outputs), terms: outputs, $"input gradient ({shape})");

        // A second call accumulates: the gradients are the sums over both batches (2k terms each), and an
        // empty input gradient is skipped.
        layer.Backward(x, dy2, Span<T>.Empty);
        var dw2 = Reference.WeightGradient(Wide(x), Wide(dy2), inputs, outputs);
        var db2 = Reference.BiasGradient(Wide(dy2), outputs);
        Compare(layer.WeightGradients.ToArray(), Add(dw, dw2), terms: 2 * samples, $"accumulated WeightGradients ({shape})");
        if (biased)
            Compare(layer.BiasGradients.ToArray(), Add(db, db2), terms: 2 * samples, $"accumulated BiasGradients ({shape})");

        // Parameters are untouched by Backward.
        Assert.Equal(w, layer.Weights.ToArray());
        Assert.Equal(biased ? b : [], layer.Bias.ToArray());

        layer.ZeroGradients();
        Assert.All(layer.WeightGradients.ToArray(), g => Assert.Equal(T.Zero, g));
        Assert.All(layer.BiasGradients.ToArray(), g => Assert.Equal(T.Zero, g));
    }

    /// <summary>
    /// Checks a deterministic layer bit for bit against <see cref="DeterministicOrder{T}"/>: forward, a backward onto
    /// gradients that already hold values (the sums continue from them), and a second backward without dX.
    /// </summary>
    public static void CheckDeterministicOrder<T>(IDenseLayer<T> layer, int samples, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize;
        var random = new Random(seed);
        T[] w = RandomValues<T>(random, inputs * outputs), b = RandomValues<T>(random, outputs);
        T[] x = RandomValues<T>(random, samples * inputs);
        T[] dy = RandomValues<T>(random, samples * outputs), dy2 = RandomValues<T>(random, samples * outputs);
        T[] dw = RandomValues<T>(random, inputs * outputs), db = RandomValues<T>(random, outputs);
        if (!UseBias(layer, b))
        {
            // The fixed order of a bias-free layer adds no bias term, not even a zero one, and has no bias gradient.
            b = [];
            db = [];
        }
        w.CopyTo(layer.Weights);
        b.CopyTo(layer.Bias);
        dw.CopyTo(layer.WeightGradients);
        db.CopyTo(layer.BiasGradients);
        string shape = $"deterministic {inputs}→{outputs}, batch {samples}, {typeof(T).Name}";

        var y = new T[samples * outputs];
        layer.Forward(x, y);
        DeterministicOrder<T>.RequireSameBits(y, DeterministicOrder<T>.Forward(w, b, x, inputs, outputs, samples), $"Forward output ({shape})");

        var dx = new T[samples * inputs];
        layer.Backward(x, dy, dx);
        T[] expectedDx = DeterministicOrder<T>.Backward(w, x, dy, dw, db, inputs, outputs, samples);
        DeterministicOrder<T>.RequireSameBits(dx, expectedDx, $"input gradient ({shape})");
        DeterministicOrder<T>.RequireSameBits(layer.WeightGradients, dw, $"WeightGradients ({shape})");
        DeterministicOrder<T>.RequireSameBits(layer.BiasGradients, db, $"BiasGradients ({shape})");

        layer.Backward(x, dy2, Span<T>.Empty);
        DeterministicOrder<T>.Backward(w, x, dy2, dw, db, inputs, outputs, samples);
        DeterministicOrder<T>.RequireSameBits(layer.WeightGradients, dw, $"accumulated WeightGradients ({shape})");
        DeterministicOrder<T>.RequireSameBits(layer.BiasGradients, db, $"accumulated BiasGradients ({shape})");
    }

    /// <summary>
    /// Checks a layer with a fused activation against the reference. The forward error is the linear part's
    /// bound carried through the activation (Lipschitz constant 1, but 1.1 for SiLU) plus the activation's own rounding
    /// (<see cref="Reference.ActivationRounding"/>). The backward's dZ is computed by the layer from its own output;
    /// the reference takes the derivative from that same output, so the only extra error is the rounding of dZ,
    /// at most 3u·|dY| per element (<see cref="Reference.ActivationDerivative(Activation, double)"/>), which a dot product
    /// carries as 3u·Σ|dY·v| on top of γ(n)·Σ|dZ·v|. SiLU's layer takes its derivative at the z it recomputes, within
    /// the linear bound of the exact one (<see cref="Reference.DerivativeError"/>).
    /// </summary>
    public static void CheckActivatedAgainstReference<T>(IActivatedDenseLayer<T> layer, int samples, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize;
        Activation activation = layer.Activation;
        // Leaky ReLU's slope, as the layer's attribute declares it (0.01 unless it says otherwise).
        double slope = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<DenseAttribute>(layer.GetType())?.NegativeSlope ?? Activations.LeakyReLUNegativeSlope;
        var random = new Random(seed);
        T[] w = RandomValues<T>(random, inputs * outputs);
        T[] b = RandomValues<T>(random, outputs);
        T[] x = RandomValues<T>(random, samples * inputs);
        T[] dy = RandomValues<T>(random, samples * outputs);
        bool biased = UseBias(layer, b);
        w.CopyTo(layer.Weights);
        if (biased)
            b.CopyTo(layer.Bias);
        layer.ZeroGradients();
        string shape = $"{inputs}→{outputs} {activation}{(biased ? "" : " without bias")}, batch {samples}, {typeof(T).Name}";
        double u = ErrorBound.Roundoff<T>();

        var y = new T[samples * outputs];
        layer.Forward(x, y);
        var (z, zScale) = Reference.Forward(Wide(w), Wide(b), Wide(x), inputs, outputs);
        var expected = Array.ConvertAll(z, v => Reference.Activate(activation, v, slope));
        // z's error reaches y through |act′| ≤ Lipschitz (1 but for SiLU); Compare allows it once.
        double[] zError = Array.ConvertAll(zScale, scale => ErrorBound.Allowed<T>(inputs + 1, scale));
        var extra = new double[expected.Length];
        for (int j = 0; j < extra.Length; j++)
            extra[j] = Reference.ActivationRounding(activation) * u * Math.Abs(expected[j]) + (Reference.Lipschitz(activation) - 1) * zError[j];
        Compare(y, (expected, zScale), terms: inputs + 1, $"Forward output ({shape})", extra);

        var dx = new T[samples * inputs];
        layer.Backward(x, y, dy, dx);
        double[] dz = new double[dy.Length];
        // Each dZ element's own error (Reference.DerivativeError), which the gradients' sums carry as Σ error·|v|: the
        // references below, fed these errors, return that sum as their Scale.
        double[] dzError = new double[dy.Length];
        for (int j = 0; j < dz.Length; j++)
        {
            dz[j] = double.CreateChecked(dy[j]) * Reference.ActivationDerivative(activation, z[j], double.CreateChecked(y[j]), slope);
            dzError[j] = Math.Abs(double.CreateChecked(dy[j])) * Reference.DerivativeError(activation, z[j], zError[j], u);
        }
        double[] Carried((double[] Value, double[] Scale) ofError) => ofError.Scale;
        Compare(layer.WeightGradients.ToArray(), Reference.WeightGradient(Wide(x), dz, inputs, outputs), terms: samples,
            $"WeightGradients ({shape})", Carried(Reference.WeightGradient(Wide(x), dzError, inputs, outputs)));
        if (biased)
        {
            Compare(layer.BiasGradients.ToArray(), Reference.BiasGradient(dz, outputs), terms: samples,
                $"BiasGradients ({shape})", Carried(Reference.BiasGradient(dzError, outputs)));
        }
        Compare(dx, Reference.InputGradient(Wide(w), dz, inputs, outputs), terms: outputs,
            $"input gradient ({shape})", Carried(Reference.InputGradient(Wide(w), dzError, inputs, outputs)));

        Assert.Equal(w, layer.Weights.ToArray());
        Assert.Equal(biased ? b : [], layer.Bias.ToArray());
    }

    /// <summary>
    /// Whether <paramref name="layer"/> has a bias. A bias-free one (<c>Bias = false</c>) must have empty <c>Bias</c> and
    /// <c>BiasGradients</c>; its drawn bias <paramref name="b"/> (drawn for every layer, so the random values of the
    /// other tensors stay what they were) is zeroed, which makes the reference <c>W x</c>. Its bias gradient checks
    /// are skipped, as it has none.
    /// </summary>
    private static bool UseBias<T>(IDenseParameters<T> layer, T[] b) where T : unmanaged
    {
        if (layer.Bias.Length > 0)
            return true;
        Assert.Equal(0, layer.BiasGradients.Length);
        Array.Clear(b);
        return false;
    }

    /// <summary>Uniform values in [-1, 1), generated in <typeparamref name="T"/> so widening them is exact.</summary>
    public static T[] RandomValues<T>(Random random, int count) where T : IFloatingPointIeee754<T>
    {
        var values = new T[count];
        for (int i = 0; i < count; i++)
            values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return values;
    }

    public static double[] Wide<T>(T[] values) where T : IFloatingPointIeee754<T> =>
        Array.ConvertAll(values, v => double.CreateChecked(v));

    private static (double[] Value, double[] Scale) Add((double[] Value, double[] Scale) a, (double[] Value, double[] Scale) b)
    {
        var value = new double[a.Value.Length];
        var scale = new double[a.Value.Length];
        for (int i = 0; i < value.Length; i++)
        {
            value[i] = a.Value[i] + b.Value[i];
            scale[i] = a.Scale[i] + b.Scale[i];
        }
        return (value, scale);
    }

    private static void Compare<T>(T[] actual, (double[] Value, double[] Scale) expected, int terms, string what, double[]? extraAllowance = null)
        where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Value.Length, actual.Length);
        double largestError = 0, largestRatio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double value = double.CreateChecked(actual[i]);
            double error = Math.Abs(value - expected.Value[i]);
            double allowed = ErrorBound.Allowed<T>(terms, expected.Scale[i]) + (extraAllowance?[i] ?? 0);
            if (!(error <= allowed))
            {
                throw new XunitException(
                    $"{what}: element {i} is {value:R}, reference {expected.Value[i]:R}; error {error:E3} exceeds the bound {allowed:E3} " +
                    $"(γ({terms}) × Σ|terms| = {expected.Scale[i]:R}).");
            }
            largestError = Math.Max(largestError, error);
            if (allowed > 0)
                largestRatio = Math.Max(largestRatio, error / allowed);
        }
        LargestErrors.AddOrUpdate(
            typeof(T),
            (largestError, largestRatio),
            (_, old) => (Math.Max(old.AbsoluteError, largestError), Math.Max(old.BoundRatio, largestRatio)));
    }
}
