using System;
using System.ComponentModel;

namespace DenseGen.CompilerServices;

/// <summary>
/// The operations of <c>[OnnxModel]</c> classes that are not layers: exp, log, softmax and argmax over the samples of a
/// chunk. Each has a deterministic form, DenseGen's own functions, which deterministic models call, and the default
/// form uses them too where the process runs in deterministic mode. Like everything in <c>DenseGen.CompilerServices</c>,
/// called by generated code and not part of the supported API.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ModelOps
{
    /// <summary>Writes <c>e^x</c> of each element.</summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y)
    {
        if (DeterministicMode.IsEnabled)
        {
            DeterministicExp(x, y);
            return;
        }
        for (int i = 0; i < y.Length; i++)
            y[i] = ExpOf(x[i]);
    }

    /// <summary>Writes <c>e^x</c> of each element with DenseGen's own exp: the same bits on every machine.</summary>
    public static void DeterministicExp(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++)
            y[i] = DeterministicMath.Exp(x[i]);
    }

    /// <summary>Writes the natural logarithm of each element.</summary>
    public static void Log(ReadOnlySpan<float> x, Span<float> y)
    {
        if (DeterministicMode.IsEnabled)
        {
            DeterministicLog(x, y);
            return;
        }
        for (int i = 0; i < y.Length; i++)
            y[i] = LogOf(x[i]);
    }

    /// <summary>Writes the natural logarithm of each element with DenseGen's own log.</summary>
    public static void DeterministicLog(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++)
            y[i] = DeterministicMath.Log(x[i]);
    }

    /// <summary>Writes ELU of each element with the given alpha: <c>x</c> where <c>x &gt; 0</c>, else <c>alpha (e^x − 1)</c>, computed in double.</summary>
    public static void Elu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        if (DeterministicMode.IsEnabled)
        {
            DeterministicElu(x, y, alpha);
            return;
        }
        for (int i = 0; i < y.Length; i++)
            y[i] = x[i] > 0 ? x[i] : (float)(alpha * (Math.Exp(x[i]) - 1.0));
    }

    /// <summary>ELU with DenseGen's own <c>e^x − 1</c>: the same bits on every machine.</summary>
    public static void DeterministicElu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        for (int i = 0; i < y.Length; i++)
            y[i] = x[i] > 0 ? x[i] : (float)(alpha * DeterministicMath.ExpM1(x[i]));
    }

    /// <summary>
    /// Softmax of each run of <paramref name="row"/> elements: <c>e^(x − max) / Σ e^(x − max)</c>, the maximum taken
    /// first so that no exponential overflows, and each element divided by the sum (as ONNX Runtime's reference does).
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y, int row) => Softmax(x, y, row, DeterministicMode.IsEnabled);

    /// <summary>Softmax with DenseGen's own exp, summed in order: the same bits on every machine.</summary>
    public static void DeterministicSoftmax(ReadOnlySpan<float> x, Span<float> y, int row) => Softmax(x, y, row, deterministic: true);

    private static void Softmax(ReadOnlySpan<float> x, Span<float> y, int row, bool deterministic)
    {
        for (int start = 0; start + row <= y.Length; start += row)
        {
            ReadOnlySpan<float> input = x.Slice(start, row);
            Span<float> output = y.Slice(start, row);
            float max = input[0];
            for (int i = 1; i < row; i++)
            {
                // NaN wins, so that a row holding one gives NaN throughout, as the exponentials below would.
                if (input[i] > max || float.IsNaN(input[i]))
                    max = input[i];
            }
            float sum = 0;
            for (int i = 0; i < row; i++)
            {
                float e = deterministic ? DeterministicMath.Exp(input[i] - max) : ExpOf(input[i] - max);
                output[i] = e;
                sum += e;
            }
            for (int i = 0; i < row; i++)
                output[i] /= sum;
        }
    }

    /// <summary>The index of the largest of each run of <paramref name="row"/> elements, the first of equal ones (ONNX's default); a NaN is never the largest unless all are.</summary>
    public static void ArgMax(ReadOnlySpan<float> x, Span<int> y, int row)
    {
        for (int sample = 0; sample < y.Length; sample++)
        {
            ReadOnlySpan<float> input = x.Slice(sample * row, row);
            int best = 0;
            for (int i = 1; i < row; i++)
            {
                if (input[i] > input[best] || (float.IsNaN(input[best]) && !float.IsNaN(input[i])))
                    best = i;
            }
            y[sample] = best;
        }
    }

    /// <summary>
    /// For each sample, <paramref name="samples"/> classes drawn from the softmax of its row of <paramref name="row"/>
    /// unnormalized log probabilities, one uniform draw in [0, 1) each: the first class whose cumulative weight
    /// <c>Σ e^(x − max)</c> exceeds the draw times the total. A class of log probability −∞ (a masked action) is never drawn.
    /// </summary>
    public static void Multinomial(ReadOnlySpan<float> logits, ReadOnlySpan<double> uniforms, Span<int> classes, int row, int samples) =>
        Multinomial(logits, uniforms, classes, row, samples, DeterministicMode.IsEnabled);

    /// <summary>Multinomial draws with DenseGen's own exp: the same classes on every machine for the same draws.</summary>
    public static void DeterministicMultinomial(ReadOnlySpan<float> logits, ReadOnlySpan<double> uniforms, Span<int> classes, int row, int samples) =>
        Multinomial(logits, uniforms, classes, row, samples, deterministic: true);

    private static void Multinomial(ReadOnlySpan<float> logits, ReadOnlySpan<double> uniforms, Span<int> classes, int row, int samples, bool deterministic)
    {
        for (int sample = 0; sample * samples < classes.Length; sample++)
        {
            ReadOnlySpan<float> x = logits.Slice(sample * row, row);
            float max = x[0];
            for (int i = 1; i < row; i++)
            {
                if (x[i] > max)
                    max = x[i];
            }
            double total = 0;
            for (int i = 0; i < row; i++)
                total += Weight(x[i], max, deterministic);
            for (int draw = 0; draw < samples; draw++)
            {
                double target = uniforms[sample * samples + draw] * total, cumulative = 0;
                int chosen = -1;
                for (int i = 0; i < row; i++)
                {
                    double weight = Weight(x[i], max, deterministic);
                    cumulative += weight;
                    if (weight > 0)
                        chosen = i; // the last class of positive weight, should rounding leave the target unreached
                    if (cumulative > target && weight > 0)
                        break;
                }
                classes[sample * samples + draw] = Math.Max(chosen, 0);
            }
        }
    }

    private static double Weight(float x, float max, bool deterministic) =>
        float.IsNegativeInfinity(x) ? 0 : deterministic ? DeterministicMath.Exp((double)x - max) : Math.Exp((double)x - max);

#if NET8_0_OR_GREATER
    private static float ExpOf(float x) => MathF.Exp(x);

    private static float LogOf(float x) => MathF.Log(x);
#else
    private static float ExpOf(float x) => (float)Math.Exp(x);

    private static float LogOf(float x) => (float)Math.Log(x);
#endif
}
