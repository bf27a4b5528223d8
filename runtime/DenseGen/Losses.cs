using System;
using System.Globalization;

namespace DenseGen;

/// <summary>
/// Loss functions for training generated layers. Each returns the loss of a batch and writes its gradient with
/// respect to the predictions into a caller's span (skipped when that span is empty), ready for a layer's
/// <c>Backward</c>. Arguments are checked before anything is written; nothing is allocated.
/// </summary>
/// <remarks>
/// On .NET 8 and later <c>T</c> is any IEEE floating-point type; the .NET Standard builds take <see cref="float"/> and
/// <see cref="double"/>, with the same formulas in the same order, so a loss is the same to the bit on both (except
/// that .NET Standard 2.0, which has no <c>MathF</c>, computes the float exponential and logarithm in double and
/// rounds them).
/// </remarks>
public static partial class Losses
{
    // The argument checks both builds make, in the same order, before anything is written.
    private static void CheckMeanSquaredError<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient)
    {
        if (prediction.IsEmpty)
            throw new ArgumentException("prediction is empty; expected at least one element.", nameof(prediction));
        if (target.Length != prediction.Length)
            throw new ArgumentException(Format("target has length {0}; expected {1}, the length of prediction.", target.Length, prediction.Length), nameof(target));
        RequireGradient(gradient, prediction.Length, "the length of prediction");
        RequireDisjoint(gradient, prediction, nameof(prediction));
        RequireDisjoint(gradient, target, nameof(target));
    }

    /// <summary>Checks the arguments of <c>SoftmaxCrossEntropy</c>; returns the number of classes.</summary>
    private static int CheckSoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> gradient)
    {
        if (labels.IsEmpty)
            throw new ArgumentException("labels is empty; expected one label per sample, at least one sample.", nameof(labels));
        if (logits.IsEmpty || logits.Length % labels.Length != 0)
        {
            throw new ArgumentException(
                Format("logits has length {0}; expected a positive multiple of {1}, the number of labels (one row of class scores per label).", logits.Length, labels.Length),
                nameof(logits));
        }
        int classes = logits.Length / labels.Length;
        for (int s = 0; s < labels.Length; s++)
        {
            if ((uint)labels[s] >= (uint)classes)
                throw new ArgumentException(Format("labels[{0}] is {1}; expected a class in [0, {2}).", s, labels[s], classes), nameof(labels));
        }
        RequireGradient(gradient, logits.Length, "the length of logits");
        RequireDisjoint(gradient, logits, nameof(logits));
        return classes;
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
