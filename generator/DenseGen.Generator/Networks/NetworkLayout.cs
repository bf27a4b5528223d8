using DenseGen.Generator.Model;
using DenseGen.Generator.Layers;

namespace DenseGen.Generator.Networks;

/// <summary>
/// Where a network keeps its buffers, in elements, in one block of <see cref="Length"/>: shared by the parser (which
/// checks the sizes) and the emitter (which writes the offsets as constants).
/// </summary>
/// <remarks>
/// A trainable network keeps the output of every layer but the last (the next layer's input, which its backward
/// needs), the last layer's output too when its Backward takes it (an activation's derivative comes from it), and
/// two buffers the gradient between layers ping-pongs through. A frozen network keeps only two ping-pong buffers for
/// the activations, as inference needs nothing more. Each buffer holds <see cref="NetworkSpec.Rows"/> rows: in a
/// network of sequences, every step of every stream. A frozen network of sequences also keeps a chunk of its input and
/// of its output, <c>[MaxBatch, MaxSteps]</c> steps each, through which a longer sequence runs <c>MaxSteps</c> at a time.
/// </remarks>
internal sealed class NetworkLayout
{
    private readonly long[] _activations;

    private NetworkLayout(long[] activations, long gradients0, long gradients1, long length, long chunkInput = -1, long chunkOutput = -1)
    {
        _activations = activations;
        Gradients0 = gradients0;
        Gradients1 = gradients1;
        Length = length;
        ChunkInput = chunkInput;
        ChunkOutput = chunkOutput;
    }

    /// <summary>Where layer <paramref name="index"/>'s output is kept for <see cref="NetworkSpec.MaxBatch"/> samples; -1 if it goes straight to the caller.</summary>
    public long Activations(int index) => _activations[index];

    /// <summary>The first gradient ping-pong buffer; -1 for a frozen or one-layer network.</summary>
    public long Gradients0 { get; }

    /// <summary>The second gradient ping-pong buffer.</summary>
    public long Gradients1 { get; }

    /// <summary>A frozen network of sequences: where a chunk of the input's time steps is gathered; -1 otherwise.</summary>
    public long ChunkInput { get; }

    /// <summary>A frozen network of sequences: where a chunk's output is written before it is scattered to the caller's; -1 otherwise.</summary>
    public long ChunkOutput { get; }

    /// <summary>Elements of all buffers together; 0 when the network needs none.</summary>
    public long Length { get; }

    /// <summary>The runtime's <c>AlignedBuffer.Alignment</c>: a cache line.</summary>
    public const int AlignmentBytes = 64;

    public static NetworkLayout Of(NetworkSpec spec)
    {
        int count = spec.Layers.Count;
        long batch = spec.Rows;
        // Every buffer is whole cache lines, so each starts on one when the block does (see the runtime's AlignedBuffer).
        long line = AlignmentBytes / spec.ElementSize;
        long Lines(long elements) => (elements + line - 1) / line * line;
        long widest = Lines(batch * spec.WidestHidden);
        var activations = new long[count];
        long next = 0;
        if (!spec.IsTrainable)
        {
            // Layer i's output alternates between two buffers; the last layer writes to the caller's span.
            for (int i = 0; i < count; i++)
                activations[i] = i == count - 1 ? -1 : (i % 2) * widest;
            long pingPong = count > 1 ? 2 * widest : 0;
            if (!spec.IsSequence)
                return new NetworkLayout(activations, -1, -1, pingPong);
            long chunkOutput = pingPong + Lines(batch * spec.First.In);
            return new NetworkLayout(activations, -1, -1, chunkOutput + Lines(batch * spec.Last.Out), pingPong, chunkOutput);
        }
        for (int i = 0; i < count; i++)
        {
            NetworkLayer layer = spec.Layers[i];
            if (i < count - 1 || layer.KeepsOutput)
            {
                activations[i] = next;
                next += Lines(batch * layer.Out);
            }
            else
            {
                activations[i] = -1;
            }
        }
        if (count < 2)
            return new NetworkLayout(activations, -1, -1, next);
        long gradients0 = next, gradients1 = next + widest;
        return new NetworkLayout(activations, gradients0, gradients1, gradients1 + widest);
    }

    /// <summary>
    /// Bytes of data the network holds: its buffers, every layer's parameters and gradients, and a trainable network's
    /// count of the last Forward's samples (an <c>int</c>; and of its steps, for a network of sequences), padded to the element size as a struct's fields are. For a
    /// struct network of struct layers this is <c>Unsafe.SizeOf</c> of the network.
    /// </summary>
    public static long StorageBytes(NetworkSpec spec)
    {
        long bytes = Of(spec).Length * spec.ElementSize;
        foreach (NetworkLayer layer in spec.Layers)
            bytes += layer.Contract.StorageBytes(spec.ElementSize);
        if (spec.IsTrainable)
            bytes += spec.IsSequence ? 2 * sizeof(int) : sizeof(int);
        return (bytes + spec.ElementSize - 1) / spec.ElementSize * spec.ElementSize;
    }
}
