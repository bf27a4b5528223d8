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

#if NET8_0_OR_GREATER
    private static float ExpOf(float x) => MathF.Exp(x);

    private static float LogOf(float x) => MathF.Log(x);
#else
    private static float ExpOf(float x) => (float)Math.Exp(x);

    private static float LogOf(float x) => (float)Math.Log(x);
#endif
}
