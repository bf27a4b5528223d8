using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace DenseGen;

// The losses for .NET 8 and later, in generic math.
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
    public static T MeanSquaredError<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMeanSquaredError(prediction, target, gradient);

        T count = T.CreateChecked(prediction.Length);
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T difference = prediction[i] - target[i];
            sum += difference * difference;
        }
        if (!gradient.IsEmpty)
        {
            T scale = (T.One + T.One) / count;
            for (int i = 0; i < prediction.Length; i++)
                gradient[i] = scale * (prediction[i] - target[i]);
        }
        return sum / count;
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
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classes = CheckSoftmaxCrossEntropy(logits, labels, gradient);

        T samples = T.CreateChecked(labels.Length);
        T total = T.Zero;
        for (int s = 0; s < labels.Length; s++)
        {
            ReadOnlySpan<T> z = logits.Slice(s * classes, classes);
            T max = z[0];
            for (int j = 1; j < classes; j++)
                max = T.Max(max, z[j]);
            Span<T> g = gradient.IsEmpty ? default : gradient.Slice(s * classes, classes);
            T sum;
            if (typeof(T) == typeof(float) && !DeterministicMode.IsEnabled)
            {
                // The exponentials in vectors, each written to the gradient to be scaled below.
                float floatSum = VectorTranscendentals.SumOfShiftedExp(MemoryMarshal.Cast<T, float>(z), float.CreateTruncating(max), MemoryMarshal.Cast<T, float>(g));
                sum = T.CreateTruncating(floatSum);
            }
            else
            {
                sum = T.Zero;
                for (int j = 0; j < classes; j++)
                    sum += Exp(z[j] - max);
                for (int j = 0; j < g.Length; j++)
                    g[j] = Exp(z[j] - max);
            }
            total += Log(sum) + max - z[labels[s]];
            if (!g.IsEmpty)
            {
                T scale = T.One / (sum * samples);
                for (int j = 0; j < classes; j++)
                    g[j] *= scale;
                g[labels[s]] -= T.One / samples;
            }
        }
        return total / samples;
    }

    // DenseGen's own functions in deterministic mode (see DeterministicMode), the C runtime's otherwise.
    private static T Exp<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        !DeterministicMode.IsEnabled ? T.Exp(x)
        : typeof(T) == typeof(float) ? T.CreateTruncating(DeterministicMath.Exp(float.CreateTruncating(x)))
        : typeof(T) == typeof(double) ? T.CreateTruncating(DeterministicMath.Exp(double.CreateTruncating(x)))
        : T.Exp(x);

    private static T Log<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        !DeterministicMode.IsEnabled ? T.Log(x)
        : typeof(T) == typeof(float) ? T.CreateTruncating(DeterministicMath.Log(float.CreateTruncating(x)))
        : typeof(T) == typeof(double) ? T.CreateTruncating(DeterministicMath.Log(double.CreateTruncating(x)))
        : T.Log(x);
}
