using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace DenseGen.CompilerServices;

/// <summary>
/// Argument checks shared by generated layers, so every layer throws the same, precise exceptions without repeating
/// the message text in each generated file.
/// Like everything in <c>DenseGen.CompilerServices</c>, it is called by generated code and is not part of the
/// supported API: it may change in any release.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DenseGuard
{
    /// <summary>
    /// Returns the number of samples in a sample-major batch of <paramref name="length"/> elements, or throws
    /// when the length is not a positive multiple of <paramref name="sampleSize"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The length is zero or not a multiple of <paramref name="sampleSize"/>.</exception>
    public static int SampleCount(int length, int sampleSize, string paramName, string sizeName)
    {
        if (length == 0 || length % sampleSize != 0)
            ThrowNotWholeSamples(length, sampleSize, paramName, sizeName);
        return length / sampleSize;
    }

    /// <summary>Throws unless <paramref name="length"/> equals <paramref name="samples"/> × <paramref name="sampleSize"/>.</summary>
    /// <exception cref="ArgumentException">The length differs.</exception>
    public static void RequireSamples(int length, int samples, int sampleSize, string paramName, string sizeName)
    {
        if (length != (long)samples * sampleSize)
            ThrowWrongLength(length, samples, sampleSize, paramName, sizeName, allowEmpty: false);
    }

    /// <summary>Like <see cref="RequireSamples"/>, but an empty span is accepted too (it means "skip this output").</summary>
    /// <exception cref="ArgumentException">The length is neither zero nor the expected one.</exception>
    public static void RequireSamplesOrEmpty(int length, int samples, int sampleSize, string paramName, string sizeName)
    {
        if (length != 0 && length != (long)samples * sampleSize)
            ThrowWrongLength(length, samples, sampleSize, paramName, sizeName, allowEmpty: true);
    }

    /// <summary>
    /// Throws when <paramref name="written"/>, a span the method is about to write, shares memory with
    /// <paramref name="other"/>, which the method reads or writes too, since the result would be corrupted.
    /// </summary>
    /// <exception cref="ArgumentException">The spans overlap.</exception>
    public static void RequireDisjoint<T>(ReadOnlySpan<T> written, string writtenName, ReadOnlySpan<T> other, string otherName)
    {
        if (written.Overlaps(other))
            ThrowOverlap(writtenName, otherName);
    }

    /// <summary>
    /// Throws unless the network's last <c>Forward</c> had exactly <paramref name="samples"/> samples, at most
    /// <paramref name="maxBatch"/>: a network's <c>Backward</c> needs that call's activations, and its buffers keep them
    /// for at most <paramref name="maxBatch"/> samples.
    /// </summary>
    /// <exception cref="InvalidOperationException">More than MaxBatch samples (the message says how to raise it or chunk the batch), or the last Forward had another number of samples, or there was none.</exception>
    public static void RequireForwardOf(int samples, int lastForwardSamples, int maxBatch)
    {
        if (samples > maxBatch)
            ThrowMoreThanMaxBatch(samples, maxBatch);
        if (samples != lastForwardSamples)
            ThrowNoForward(samples, lastForwardSamples, maxBatch);
    }

    /// <summary>
    /// Returns the number of streams in <paramref name="length"/> elements of sequences of <paramref name="steps"/> time
    /// steps of <paramref name="stepSize"/> each (<c>[streams, steps, stepSize]</c>), or throws: a network of sequences
    /// keeps state for at most <paramref name="maxStreams"/> streams, and refuses more rather than running them in chunks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The length is not a positive whole number of such sequences, or they are more than <paramref name="maxStreams"/>.</exception>
    public static int StreamCount(int length, int steps, int stepSize, int maxStreams, string paramName, string sizeName)
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "A sequence has at least one time step.");
        long sequence = (long)steps * stepSize;
        if (length == 0 || length % sequence != 0)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "{0} has length {1}; expected a positive multiple of {2} time step{3} × {4} ({5}): one or more streams' whole sequences.",
                paramName, length, steps, steps == 1 ? "" : "s", sizeName, stepSize), paramName);
        }
        long streams = length / sequence;
        if (streams > maxStreams)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "{0} holds {1} streams, more than MaxBatch ({2}), the streams the network's recurrent layers keep state for.",
                paramName, streams, maxStreams), paramName);
        }
        return (int)streams;
    }

    /// <summary>Throws unless a trainable network of sequences can keep <paramref name="steps"/> time steps for <c>Backward</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is more than <paramref name="maxSteps"/>.</exception>
    public static void RequireKeptSteps(int steps, int maxSteps)
    {
        if (steps > maxSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, string.Format(CultureInfo.InvariantCulture,
                "A trainable network keeps at most MaxSteps ({0}) time steps for Backward; raise MaxSteps on its trainable recurrent layers, or run longer sequences with Step.",
                maxSteps));
        }
    }

    /// <summary>
    /// Returns the rows (streams × steps) of the last <c>Forward</c> of a network of sequences, which <c>Backward</c> goes
    /// back through, or throws unless <paramref name="length"/> is that Forward's input length.
    /// </summary>
    /// <exception cref="InvalidOperationException">No complete Forward has run since the network was created or its last <c>Step</c>.</exception>
    /// <exception cref="ArgumentException">The length is not that of the last Forward's input.</exception>
    public static int RequireSequenceForward(int length, int stepSize, int lastStreams, int lastSteps, string paramName, string sizeName)
    {
        if (lastStreams == 0)
        {
            throw new InvalidOperationException(
                "Backward goes back through the time steps of the last Forward, and no complete Forward has run since the network was created or its last Step; call Forward(input, output, steps) first.");
        }
        long rows = (long)lastStreams * lastSteps;
        if (length != rows * stepSize)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "{0} has length {1}; the last Forward ran {2} stream{3} × {4} time step{5} × {6} ({7}) = {8}, which Backward goes back through.",
                paramName, length, lastStreams, lastStreams == 1 ? "" : "s", lastSteps, lastSteps == 1 ? "" : "s", sizeName, stepSize, rows * stepSize), paramName);
        }
        return (int)rows;
    }

    /// <summary>Throws unless a scratch span has at least <paramref name="required"/> elements.</summary>
    /// <exception cref="ArgumentException">It is shorter.</exception>
    public static void RequireScratch(int length, int required, string paramName)
    {
        if (length < required)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "{0} has length {1}; expected at least {2} (ForwardScratchLength).", paramName, length, required), paramName);
        }
    }

    [DoesNotReturn]
    private static void ThrowNoForward(int samples, int lastForwardSamples, int maxBatch) =>
        throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture,
            "Backward was given {0} sample{1}, but {2}. Backward needs the activations of a Forward of the same samples, at most MaxBatch = {3}; call Forward on this batch first.",
            samples, samples == 1 ? "" : "s",
            lastForwardSamples == 0 ? "no complete Forward has run since the network was created" : "the last Forward had " + lastForwardSamples.ToString(CultureInfo.InvariantCulture),
            maxBatch));

    // Forward takes any number of samples in chunks of MaxBatch but keeps the activations of the last chunk only, so a
    // Backward of more than MaxBatch samples cannot run whatever Forward did: calling Forward first would not help.
    [DoesNotReturn]
    private static void ThrowMoreThanMaxBatch(int samples, int maxBatch) =>
        throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture,
            "Backward was given {0} samples, more than MaxBatch = {1}: the network keeps the activations of at most {1} sample{2} for Backward. Raise MaxBatch to at least {0} in [Sequential(MaxBatch = ...)], or call Forward and Backward on chunks of at most {1} sample{2}.",
            samples, maxBatch, maxBatch == 1 ? "" : "s"));

    /// <summary>The exception for a parameter-tensor index outside <c>[0, count)</c>, for generated <c>ITrainable</c> members to throw.</summary>
    public static ArgumentOutOfRangeException TensorIndexOutOfRange(int index, int count) =>
        new("index", index, string.Format(CultureInfo.InvariantCulture, "There are {0} parameter tensors; the index must be in [0, {0}).", count));

    [DoesNotReturn]
    private static void ThrowNotWholeSamples(int length, int sampleSize, string paramName, string sizeName) =>
        throw new ArgumentException(
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} has length {1}; expected a positive multiple of {2} ({3}): one or more whole samples.",
                paramName, length, sizeName, sampleSize),
            paramName);

    [DoesNotReturn]
    private static void ThrowWrongLength(int length, int samples, int sampleSize, string paramName, string sizeName, bool allowEmpty) =>
        throw new ArgumentException(
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} has length {1}; expected {2} ({3} sample{4} × {5} {6}){7}.",
                paramName, length, (long)samples * sampleSize, samples, samples == 1 ? "" : "s", sizeName, sampleSize,
                allowEmpty ? ", or 0 to skip it" : ""),
            paramName);

    [DoesNotReturn]
    private static void ThrowOverlap(string writtenName, string otherName) =>
        throw new ArgumentException(
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} overlaps {1}; the layer would overwrite values it still has to read. Pass a separate buffer.",
                writtenName, otherName),
            writtenName);
}
