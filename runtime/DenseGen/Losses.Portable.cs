using System;
using System.Runtime.InteropServices;

namespace DenseGen;

// The losses for the .NET Standard builds, which have no generic math: the same public generic methods as the .NET 8
// build, each dispatching on T to a float or a double loop with the .NET 8 build's operations in its order.
public static partial class Losses
{
    /// <summary>
    /// Mean squared error over every element, <c>L = Σ (p − t)² / N</c> (PyTorch's <c>MSELoss</c> with its default
    /// mean reduction), and its gradient <c>∂L/∂p = 2 (p − t) / N</c>.
    /// </summary>
    /// <param name="prediction">The network's output, any layout; <c>N</c> elements, <c>N ≥ 1</c>.</param>
    /// <param name="target">The wanted output, laid out like <paramref name="prediction"/>.</param>
    /// <param name="gradient">Receives <c>∂L/∂p</c>, <c>N</c> elements, or is empty to compute the loss alone.
    /// Must not overlap <paramref name="prediction"/> or <paramref name="target"/>.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">A length does not match, or <paramref name="gradient"/> overlaps an input.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient) where T : unmanaged
    {
        CheckMeanSquaredError(prediction, target, gradient);
        if (typeof(T) == typeof(float))
            return Return<T, float>(MeanSquaredError(Cast<T, float>(prediction), Cast<T, float>(target), Cast<T, float>(gradient)));
        if (typeof(T) == typeof(double))
            return Return<T, double>(MeanSquaredError(Cast<T, double>(prediction), Cast<T, double>(target), Cast<T, double>(gradient)));
        throw UnsupportedElement<T>();
    }

    /// <summary>
    /// Softmax followed by cross-entropy, fused and numerically stable, averaged over a batch (PyTorch's
    /// <c>CrossEntropyLoss</c> on logits with its default mean reduction): for each sample
    /// <c>log Σ_j e^(z_j − m) + m − z_label</c> with <c>m = max_j z_j</c>, so no exponential overflows; the gradient is
    /// <c>(softmax(z) − onehot(label)) / k</c>.
    /// </summary>
    /// <param name="logits"><c>k</c> samples of <c>C</c> unnormalized scores, <c>[k, C]</c> row-major; <c>C</c> is
    /// the length divided by <c>k</c>.</param>
    /// <param name="labels">The class of each sample, <c>k ≥ 1</c> of them, each in <c>[0, C)</c>.</param>
    /// <param name="gradient">Receives <c>∂L/∂z</c>, <c>[k, C]</c>, or is empty to compute the loss alone. Must not
    /// overlap <paramref name="logits"/>.</param>
    /// <returns>The mean loss over the <c>k</c> samples.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="labels"/> is empty, the length of <paramref name="logits"/> is not a multiple of it, a label is
    /// out of range, or <paramref name="gradient"/> has the wrong length or overlaps <paramref name="logits"/>.
    /// </exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="float"/> nor <see cref="double"/>.</exception>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> gradient) where T : unmanaged
    {
        int classes = CheckSoftmaxCrossEntropy(logits, labels, gradient);
        if (typeof(T) == typeof(float))
            return Return<T, float>(SoftmaxCrossEntropy(Cast<T, float>(logits), labels, Cast<T, float>(gradient), classes));
        if (typeof(T) == typeof(double))
            return Return<T, double>(SoftmaxCrossEntropy(Cast<T, double>(logits), labels, Cast<T, double>(gradient), classes));
        throw UnsupportedElement<T>();
    }

    private static float MeanSquaredError(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient)
    {
        float count = prediction.Length;
        float sum = 0f;
        for (int i = 0; i < prediction.Length; i++)
        {
            float difference = prediction[i] - target[i];
            sum += difference * difference;
        }
        if (!gradient.IsEmpty)
        {
            float scale = 2f / count;
            for (int i = 0; i < prediction.Length; i++)
                gradient[i] = scale * (prediction[i] - target[i]);
        }
        return sum / count;
    }

    private static double MeanSquaredError(ReadOnlySpan<double> prediction, ReadOnlySpan<double> target, Span<double> gradient)
    {
        double count = prediction.Length;
        double sum = 0d;
        for (int i = 0; i < prediction.Length; i++)
        {
            double difference = prediction[i] - target[i];
            sum += difference * difference;
        }
        if (!gradient.IsEmpty)
        {
            double scale = 2d / count;
            for (int i = 0; i < prediction.Length; i++)
                gradient[i] = scale * (prediction[i] - target[i]);
        }
        return sum / count;
    }

    private static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, int classes)
    {
        float samples = labels.Length;
        float total = 0f;
        for (int s = 0; s < labels.Length; s++)
        {
            ReadOnlySpan<float> z = logits.Slice(s * classes, classes);
            float max = z[0];
            for (int j = 1; j < classes; j++)
                max = Max(max, z[j]);
            Span<float> g = gradient.IsEmpty ? default : gradient.Slice(s * classes, classes);
            float sum;
            if (DeterministicMode.IsEnabled)
            {
                sum = 0f;
                for (int j = 0; j < classes; j++)
                    sum += DeterministicMath.Exp(z[j] - max);
                for (int j = 0; j < g.Length; j++)
                    g[j] = DeterministicMath.Exp(z[j] - max);
            }
            else
            {
                // The exponentials in vectors, each written to the gradient to be scaled below.
                sum = VectorTranscendentals.SumOfShiftedExp(z, max, g);
            }
            total += LogF(sum) + max - z[labels[s]];
            if (!g.IsEmpty)
            {
                float scale = 1f / (sum * samples);
                for (int j = 0; j < classes; j++)
                    g[j] *= scale;
                g[labels[s]] -= 1f / samples;
            }
        }
        return total / samples;
    }

    private static double SoftmaxCrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> gradient, int classes)
    {
        double samples = labels.Length;
        double total = 0d;
        for (int s = 0; s < labels.Length; s++)
        {
            ReadOnlySpan<double> z = logits.Slice(s * classes, classes);
            double max = z[0];
            for (int j = 1; j < classes; j++)
                max = Max(max, z[j]);
            double sum = 0d;
            for (int j = 0; j < classes; j++)
                sum += ExpD(z[j] - max);
            total += LogD(sum) + max - z[labels[s]];
            if (!gradient.IsEmpty)
            {
                Span<double> g = gradient.Slice(s * classes, classes);
                double scale = 1d / (sum * samples);
                for (int j = 0; j < classes; j++)
                    g[j] = ExpD(z[j] - max) * scale;
                g[labels[s]] -= 1d / samples;
            }
        }
        return total / samples;
    }

    // IEEE 754:2019 maximum, as .NET 8's float.Max: NaN if either is NaN, and +0 above −0. .NET Framework's Math.Max
    // orders the zeros by argument position instead.
    private static float Max(float a, float b) =>
        float.IsNaN(a) || float.IsNaN(b) ? float.NaN : a == b ? (IsNegative(a) ? b : a) : a > b ? a : b;

    private static double Max(double a, double b) =>
        double.IsNaN(a) || double.IsNaN(b) ? double.NaN : a == b ? (IsNegative(a) ? b : a) : a > b ? a : b;

    private static bool IsNegative(double value) => BitConverter.DoubleToInt64Bits(value) < 0;

    private static ReadOnlySpan<TTo> Cast<T, TTo>(ReadOnlySpan<T> values) where T : unmanaged where TTo : unmanaged => MemoryMarshal.Cast<T, TTo>(values);

    private static Span<TTo> Cast<T, TTo>(Span<T> values) where T : unmanaged where TTo : unmanaged => MemoryMarshal.Cast<T, TTo>(values);

    /// <summary>Returns a float or double result as <typeparamref name="T"/>, which it is, without boxing.</summary>
    private static T Return<T, TValue>(TValue value) where T : unmanaged where TValue : unmanaged
    {
        Span<TValue> result = stackalloc TValue[1];
        result[0] = value;
        return MemoryMarshal.Cast<TValue, T>(result)[0];
    }

    private static NotSupportedException UnsupportedElement<T>() =>
        new("The .NET Standard build of DenseGen computes losses of float and double, not " + typeof(T).Name + ".");

    // DenseGen's own functions in deterministic mode (see DeterministicMode), the C runtime's otherwise.
    private static double ExpD(double z) => DeterministicMode.IsEnabled ? DeterministicMath.Exp(z) : Math.Exp(z);

    private static double LogD(double z) => DeterministicMode.IsEnabled ? DeterministicMath.Log(z) : Math.Log(z);

#if NETSTANDARD2_1
    private static float LogF(float z) => DeterministicMode.IsEnabled ? DeterministicMath.Log(z) : MathF.Log(z);
#else
    // .NET Standard 2.0 has no MathF: round the double result, which is at least as accurate.
    private static float LogF(float z) => DeterministicMode.IsEnabled ? DeterministicMath.Log(z) : (float)Math.Log(z);
#endif
}
