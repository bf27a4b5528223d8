using System;
using System.Globalization;
using System.Numerics;

namespace DenseGen;

/// <summary>
/// Loss functions for training generated layers. Each returns the loss of a batch and writes its gradient with
/// respect to the predictions into a caller's span (skipped when that span is empty), ready for a layer's
/// <c>Backward</c>. Arguments are checked before anything is written; nothing is allocated.
/// </summary>
public static class Losses
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
        if (prediction.IsEmpty)
            throw new ArgumentException("prediction is empty; expected at least one element.", nameof(prediction));
        if (target.Length != prediction.Length)
            throw new ArgumentException(Format("target has length {0}; expected {1}, the length of prediction.", target.Length, prediction.Length), nameof(target));
        RequireGradient(gradient, prediction.Length, "the length of prediction");
        RequireDisjoint(gradient, prediction, nameof(prediction));
        RequireDisjoint(gradient, target, nameof(target));

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
        if (labels.IsEmpty)
            throw new ArgumentException("labels is empty; expected one label per sample, at least one sample.", nameof(labels));
        if (logits.IsEmpty || logits.Length % labels.Length != 0)
            throw new ArgumentException(
                Format("logits has length {0}; expected a positive multiple of {1}, the number of labels (one row of class scores per label).", logits.Length, labels.Length),
                nameof(logits));
        int classes = logits.Length / labels.Length;
        for (int s = 0; s < labels.Length; s++)
        {
            if ((uint)labels[s] >= (uint)classes)
                throw new ArgumentException(Format("labels[{0}] is {1}; expected a class in [0, {2}).", s, labels[s], classes), nameof(labels));
        }
        RequireGradient(gradient, logits.Length, "the length of logits");
        RequireDisjoint(gradient, logits, nameof(logits));

        T samples = T.CreateChecked(labels.Length);
        T total = T.Zero;
        for (int s = 0; s < labels.Length; s++)
        {
            ReadOnlySpan<T> z = logits.Slice(s * classes, classes);
            T max = z[0];
            for (int j = 1; j < classes; j++)
                max = T.Max(max, z[j]);
            T sum = T.Zero;
            for (int j = 0; j < classes; j++)
                sum += T.Exp(z[j] - max);
            total += T.Log(sum) + max - z[labels[s]];
            if (!gradient.IsEmpty)
            {
                Span<T> g = gradient.Slice(s * classes, classes);
                T scale = T.One / (sum * samples);
                for (int j = 0; j < classes; j++)
                    g[j] = T.Exp(z[j] - max) * scale;
                g[labels[s]] -= T.One / samples;
            }
        }
        return total / samples;
    }

    private static void RequireGradient<T>(Span<T> gradient, int expected, string expectedName)
    {
        if (!gradient.IsEmpty && gradient.Length != expected)
            throw new ArgumentException(Format("gradient has length {0}; expected {1} ({2}), or 0 to skip it.", gradient.Length, expected, expectedName), nameof(gradient));
    }

    private static void RequireDisjoint<T>(Span<T> gradient, ReadOnlySpan<T> other, string otherName)
    {
        if (((ReadOnlySpan<T>)gradient).Overlaps(other))
            throw new ArgumentException("gradient overlaps " + otherName + "; pass a separate buffer.", nameof(gradient));
    }

    private static string Format(string format, params object[] values) => string.Format(CultureInfo.InvariantCulture, format, values);
}
