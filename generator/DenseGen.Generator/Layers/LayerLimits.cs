using DenseGen.Generator.Layers.Dense;
namespace DenseGen.Generator.Layers;

/// <summary>Size limits that decide diagnostics and storage; shared by the parser and the emitter.</summary>
internal static class LayerLimits
{
    /// <summary>The most elements a .NET array or span can hold (<c>Array.MaxLength</c>).</summary>
    public const long MaxElements = 0x7FFFFFC7;

    /// <summary>
    /// The largest buffer a struct layer may store as an <c>[InlineArray]</c> field. The runtime refuses to load a type
    /// with an inline field somewhere between 64 MiB (loads) and 128 MiB (TypeLoadException); a layer keeps two
    /// weight-sized buffers, so each stays at or below 16 MiB, well clear of that. Class layers keep their buffers in
    /// cache-line-aligned arrays and have no such limit.
    /// </summary>
    public const long MaxInlineBufferBytes = 16L * 1024 * 1024;

    /// <summary>
    /// A struct layer larger than this draws a warning: a local of it takes a quarter of the 1 MiB main-thread
    /// stack Windows gives a program, and every copy of the struct takes as much again.
    /// </summary>
    public const long StructStackWarningBytes = 256L * 1024;

    /// <summary>
    /// The backward pass of a layer with an activation needs <c>dZ = dY ⊙ act′</c> before its kernels run. It is
    /// computed into a stack buffer, a chunk of samples at a time, of at most this many bytes: small beside any
    /// thread's stack, yet 64 samples of a 128-output float layer, so usual batches take one chunk.
    /// </summary>
    public const int ActivationScratchBytes = 32 * 1024;

    /// <summary>The samples per chunk of that buffer; at least one.</summary>
    public static int ActivationChunkSamples(DenseSpec spec) =>
        System.Math.Max(1, ActivationScratchBytes / (spec.Out * spec.ElementSize));

    /// <summary>
    /// The widest layer an activation is allowed on: one sample's <c>dZ</c> must fit the scratch buffer, so that
    /// no backward pass needs a heap allocation or a large stack frame.
    /// </summary>
    public static bool ActivationFitsScratch(int outputs, int elementSize) => (long)outputs * elementSize <= ActivationScratchBytes;
}
