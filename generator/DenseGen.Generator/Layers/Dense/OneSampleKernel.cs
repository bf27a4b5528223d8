using DenseGen.Generator.Shared;
using static DenseGen.Generator.Layers.Dense.KernelWriter;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// The forward kernel of an <c>[OnnxModel]</c> layer for a sample or two at a time (up to <see cref="MaxSamples"/>):
/// vectorized along the outputs, as <see cref="AlongOutputsKernel"/> is, from a copy of <c>Wᵀ</c> the layer keeps.
/// </summary>
/// <remarks>
/// <para>
/// One sample's dot-product kernel ends every four rows in a horizontal sum, whose shuffles and adds wait on the rows'
/// last multiply-adds: a large share of the time of a layer of 128 inputs, and nearly all of a layer of 8
/// (docs/performance.md). Here each input is broadcast and multiplied into whole vectors of outputs, one row of
/// <c>Wᵀ</c> after another (the whole of it in order when the outputs fit one tile), and no horizontal sum is left. Even and odd inputs go into two sets of accumulators, so that
/// two chains of multiply-adds overlap; each output is their sum, then the bias, then the fused activation.
/// </para>
/// <para>
/// The copy is kept in the layer, not written per call as <see cref="AlongOutputsKernel"/> writes its own, because a
/// layer of an <c>[OnnxModel]</c> class is private to it and its weights change only through the class's
/// <c>LoadBakedWeights</c> and <c>LoadOnnx</c>, which call <see cref="RefreshMethod"/> after writing them; a declared
/// layer's weights change through training steps and direct writes to <c>Weights</c>, so it never gets this kernel.
/// The copy adds the weights' bytes to the layer's storage (<c>StorageBytes</c> counts it).
/// </para>
/// <para>
/// Only the order of the additions inside each dot product differs from the other kernels, which the float error bound
/// of a dot product covers; so one or two samples (a batch of them, or the last chunk of a larger one) may differ from
/// the same samples in a larger batch in the last bits, as the batched kernels already differ from each other.
/// Outputs past the last whole vector at a narrower width than <see cref="Applies"/> sizes for are scalar dot products
/// over the rows of <c>W</c>.
/// </para>
/// </remarks>
internal static class OneSampleKernel
{
    /// <summary>
    /// The most samples one call runs through this kernel, one after the other: the dot-product kernels' tiles of samples
    /// (four at Vector512, three at Vector256, two at Vector128) begin to share each weight load between samples from
    /// there, which this kernel does not.
    /// </summary>
    public const int MaxSamples = 2;

    /// <summary>The layer's copy of <c>Wᵀ</c>, <c>[InputSize, OutputSize]</c> row-major.</summary>
    public const string TransposedField = "__denseWeightsTransposed";

    /// <summary>The layer's method that rewrites <see cref="TransposedField"/> from <c>Weights</c>.</summary>
    public const string RefreshMethod = "__DenseTransposeWeights";

    /// <summary>
    /// Whether a layer gets this kernel and the copy: a class layer that asks for it (<see cref="DenseSpec.KeepsTransposedWeights"/>),
    /// in full output and not deterministic (those run the element-by-element kernels), whose outputs are at least
    /// <see cref="MinOutputBytes"/> of whole 64-byte vectors. With a remainder of outputs, or one or two vectors of them, the
    /// scalar tail or the short multiply-add chains made the kernel several times slower than the dot products
    /// (docs/performance.md).
    /// </summary>
    public static bool Applies(DenseSpec spec, bool portable) =>
        spec.KeepsTransposedWeights && !spec.IsStruct && !portable && !spec.Deterministic
        && (long)spec.Out * spec.ElementSize % 64 == 0 && (long)spec.Out * spec.ElementSize >= MinOutputBytes;

    /// <summary>The least output a layer needs for this kernel: four Vector512s (64 floats), so that even a tile at the widest vectors has four pairs of chains.</summary>
    public const int MinOutputBytes = 256;

    /// <summary>The bytes the copy adds to the layer's storage.</summary>
    public static long TransposedBytes(DenseSpec spec, bool portable) => Applies(spec, portable) ? (long)spec.WeightCount * spec.ElementSize : 0;

    public static string ForwardName(VectorWidth v) => "__DenseForwardOneSample" + v.Name;

    // Vectors of outputs per register tile, two accumulators each: Vector512 hardware has 32 registers (2 × 8 + 2
    // broadcasts), the others 16 (2 × 4 + 2, and Vector128 without FMA needs a register per product).
    private static int TileVectors(VectorWidth v) => v.Bits == 512 ? 8 : 4;

    // Inputs spelled out entirely up to this many; more are looped two at a time, so that the body stays small.
    private const int UnrolledInputs = 16;

    /// <summary>The copy's field and the method that refreshes it.</summary>
    public static void WriteStorage(IndentedWriter w, DenseSpec spec)
    {
        string t = spec.ElementKeyword;
        w.Line("/// <summary><c>Wᵀ</c>, <c>[InputSize, OutputSize]</c>: what the one-sample kernel reads, rewritten from <c>Weights</c> by " + RefreshMethod + ".</summary>");
        GeneratedFile.Field(w);
        w.Line($"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{t}> {TransposedField} = new({Number(spec.WeightCount)});");
        w.Line();
        w.Line("/// <summary>Rewrites the copy of <c>Wᵀ</c> from <c>Weights</c>; the model class calls it after every write of the weights.</summary>");
        GeneratedFile.Member(w);
        w.Open($"internal void {RefreshMethod}()");
        w.Line($"global::System.ReadOnlySpan<{t}> weights = Weights;");
        w.Line($"global::System.Span<{t}> transposed = {TransposedField}.Span;");
        w.Line($"for (int o = 0; o < {Number(spec.Out)}; o++)");
        w.Line($"    for (int i = 0; i < {Number(spec.In)}; i++)");
        w.Line($"        transposed[i * {Number(spec.Out)} + o] = weights[o * {Number(spec.In)} + i];");
        w.Close();
        w.Line();
    }

    /// <summary>
    /// The dispatch in <c>Forward</c>: up to <see cref="MaxSamples"/> samples through the widest accelerated kernel of
    /// this kind, else the scalar one; <paramref name="refs"/> are <c>ref x, ref y, ref w[, ref b]</c>, and the copy's ref
    /// is named with <paramref name="refPrefix"/> as they are.
    /// </summary>
    public static void WriteCall(IndentedWriter w, DenseSpec spec, string refs, string samples, string refPrefix)
    {
        VectorWidth[] widths = VectorWidth.ForOutputs(spec);
        w.Line($"ref {spec.ElementKeyword} {refPrefix}wt = ref {Marshal}.GetReference({TransposedField}.Span);");
        for (int i = 0; i < widths.Length; i++)
        {
            w.Line($"{(i == 0 ? "if" : "else if")} ({widths[i].Static}.IsHardwareAccelerated)");
            w.Line($"    {ForwardName(widths[i])}({refs}, ref {refPrefix}wt, {samples});");
        }
        w.Line("else");
        w.Line($"    {LoopKernels.ForwardName}({refs}, {samples});");
    }

    public static void WriteForward(KernelWriter k, VectorWidth v)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int vectors = spec.Out / v.Lanes, vectorOutputs = vectors * v.Lanes;
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {ForwardName(v)}(ref {t} x, ref {t} y, ref {t} w{k.BiasParameter}, ref {t} wt, int samples)");
        k.Open("for (int sample = 0; sample < samples; sample++)");
        k.Tiles(vectors, TileVectors(v), v.Lanes, "c", "nuint", unroll: false, (c, count) => Tile(k, v, c, count));
        if (vectorOutputs < spec.Out)
        {
            k.Open($"for (int o = {Number(vectorOutputs)}; o < {Number(spec.Out)}; o++)");
            k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, o * {Number(spec.In)});");
            k.Line($"{t} sum = {k.Zero};");
            k.Open($"for (int i = 0; i < {Number(spec.In)}; i++)");
            k.Op($"sum += {Unsafe}.Add(ref row, i) * {Unsafe}.Add(ref x, i);");
            k.Close();
            k.Op($"{Unsafe}.Add(ref y, o) = {k.Activated(k.PlusBias("sum", $"{Unsafe}.Add(ref b, o)"))};");
            k.Close();
        }
        k.Line($"x = ref {Unsafe}.Add(ref x, {Number(spec.In)});");
        k.Line($"y = ref {Unsafe}.Add(ref y, {Number(spec.Out)});");
        k.Close();
        k.Close();
        k.Line("");
    }

    /// <summary><paramref name="count"/> vectors of outputs from <paramref name="c"/> for the sample at <c>x</c>/<c>y</c>.</summary>
    private static void Tile(KernelWriter k, VectorWidth v, string c, int count)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        for (int j = 0; j < count; j++)
        {
            k.Line($"{v.Type} even{j} = {v.Type}.Zero;");
            k.Line($"{v.Type} odd{j} = {v.Type}.Zero;");
        }
        k.Line($"ref {t} panel = ref {Unsafe}.Add(ref wt, {c});");
        k.Repeat(spec.In / 2, 2, "i", "nuint", unroll: spec.In <= UnrolledInputs, i =>
        {
            k.Line($"ref {t} row = ref {Unsafe}.Add(ref panel, {Scaled(i, 0, spec.Out)});");
            Input(k, v, count, "even", i, "row", 0);
            Input(k, v, count, "odd", Plus(i, 1), "row", spec.Out);
        });
        if (spec.In % 2 == 1)
        {
            k.Open("");
            k.Line($"ref {t} row = ref {Unsafe}.Add(ref panel, {Number((spec.In - 1) * spec.Out)});");
            Input(k, v, count, "even", Number(spec.In - 1), "row", 0);
            k.Close();
        }
        for (int j = 0; j < count; j++)
        {
            string at = Plus(c, j * v.Lanes);
            string bias = spec.Bias ? $"{v.Static}.LoadUnsafe(ref b, {at})" : "";
            k.Op($"{v.Static}.StoreUnsafe({k.Activated(k.PlusBias($"(even{j} + odd{j})", bias))}, ref y, {at});");
        }
    }

    // One input broadcast and multiplied into the tile's vectors of one accumulator set, from Wᵀ's row at `row` + offset.
    private static void Input(KernelWriter k, VectorWidth v, int count, string set, string input, string row, int offset)
    {
        k.Op($"{v.Type} x{set} = {v.Static}.Create({Unsafe}.Add(ref x, {input}));");
        for (int j = 0; j < count; j++)
            k.Op($"{set}{j} = {MultiplyAdd}(x{set}, {v.Static}.LoadUnsafe(ref {row}, {Number(offset + j * v.Lanes)}), {set}{j});");
    }
}
