using DenseGen.Generator.Model;
using static DenseGen.Generator.Layers.Dense.KernelWriter;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// The batched forward kernel of a layer with few inputs (up to <see cref="MaxInputs"/>): vectorized along the outputs
/// instead of along each dot product. <see cref="VectorKernels"/> reduces <c>W[o, :] · x</c> a vector of inputs at a time, and a row of 10 inputs
/// fills no Vector512 and barely one Vector256: measured on an AVX-512 Xeon, a 10→64 layer ran at a tenth of the rate
/// of a 64→64 one. Here each sample's outputs are computed a vector at a time,
/// <c>y[s, o..o+V) = Σ_i x[s, i] · Wᵀ[i, o..o+V) + b[o..o+V)</c>: every lane is busy whatever the row length, and no
/// horizontal sums are left at the end.
/// </summary>
/// <remarks>
/// <para>
/// <c>Wᵀ</c> (<c>[InputSize, vector part of OutputSize]</c>) is written into a stack buffer at every call: the weights
/// change through training steps, loads and direct writes to <c>Weights</c>, so a copy kept beside them could go stale,
/// and a buffer inside the layer would break <c>Forward</c>'s promise that it only reads the layer (several threads may
/// call it at once, and a struct layer's <c>Forward</c> is <c>readonly</c>). The copy costs <c>In × Out</c> moves, which a
/// batch of <see cref="MinSamples"/> or more repays; smaller batches keep the dot-product kernels.
/// </para>
/// <para>
/// Each output is still a sum of the products over the inputs from zero (in input order, one multiply-add each), then
/// the bias, then the fused activation, as in the other kernels; only the order of the additions inside the dot
/// product differs, which the float error bound of a dot product covers. The outputs past the last whole vector
/// (<c>Out mod lanes</c>) are scalar dot products over the rows of <c>W</c>.
/// </para>
/// </remarks>
internal static class AlongOutputsKernel
{
    /// <summary>
    /// The most inputs a layer may have for this kernel: a panel of <c>Wᵀ</c> (<see cref="TilePanel"/>) for this many
    /// inputs, 256 bytes a row at the widest, is <see cref="MaxTransposedBytes"/>. Up to there the dot-product kernels'
    /// final reductions are a large share of their work, and this kernel was measured faster (docs/performance.md).
    /// </summary>
    public const int MaxInputs = 128;

    /// <summary>The stack space <c>Wᵀ</c> may take, as the activations' scratch (<see cref="LayerLimits.ActivationScratchBytes"/>).</summary>
    public const int MaxTransposedBytes = LayerLimits.ActivationScratchBytes;

    /// <summary>
    /// Whether a layer gets this kernel: few inputs, whatever the outputs (a <c>Wᵀ</c> too large for the stack is copied a
    /// panel at a time). A row of whole 64-byte vectors (16 floats, 8 doubles) already suits the dot-product kernels, which
    /// then lose only their final reductions; such a layer takes this kernel only when its outputs are whole vectors too,
    /// so that no output is left to a scalar dot product.
    /// </summary>
    public static bool Applies(DenseSpec spec)
    {
        VectorWidth[] widths = VectorWidth.ForOutputs(spec);
        if (spec.In > MaxInputs || widths.Length == 0)
            return false;
        return !RowsAreWholeVectors(spec) || spec.Out % widths[0].Lanes == 0;
    }

    /// <summary>
    /// Whether all of <c>Wᵀ</c> fits the stack buffer, copied once, with the samples in the outer loop; otherwise it is
    /// copied a panel of <see cref="TilePanel"/> outputs at a time, each panel taken through every sample, because a
    /// larger <c>Wᵀ</c> (64 KiB for 128 × 128) does not stay in L1 while the samples' inputs stream by. Small layers keep
    /// the samples outside, which writes each sample's outputs in one go and was faster for them (docs/design.md).
    /// </summary>
    private static bool TransposesWhole(DenseSpec spec) => (long)spec.In * spec.Out * spec.ElementSize <= MaxTransposedBytes;

    /// <summary>The outputs one register tile covers, the width of a panel of <c>Wᵀ</c>.</summary>
    private static int TilePanel(VectorWidth v) => TileVectors(v) * v.Lanes;

    /// <summary>
    /// The batch from which copying <c>Wᵀ</c> (under a nanosecond per weight, a strided scalar copy) pays for itself;
    /// smaller batches run the dot-product kernels. Measured at Out = 64 on the AVX-512 Xeon: rows of 2 to 24 inputs that
    /// are not whole 64-byte vectors gain from 8 samples on (10 inputs already at 4), rows that are (16, 32, 48, 64) only
    /// from 32 to 128 samples, since the dot-product kernels run them at 60–70% of this kernel's rate.
    /// </summary>
    public static int MinSamples(DenseSpec spec) => RowsAreWholeVectors(spec) ? 128 : 8;

    private static bool RowsAreWholeVectors(DenseSpec spec) => spec.In * spec.ElementSize % 64 == 0;

    public static string ForwardName(VectorWidth v) => "__DenseForwardAlongOutputs" + v.Name;

    // Register tiles: samples × vectors of outputs, plus one broadcast input per sample and the weight vector. Vector512
    // hardware has 32 registers (4 × 4 + 4 + 1 = 21); the others 16 (3 × 3 + 3 + 1 = 13, and Vector128, which on x64 runs
    // only without FMA, needs one more for each product: 2 × 3 + 2 + 2).
    private static int TileSamples(VectorWidth v) => v.Bits switch { 512 => 4, 256 => 3, _ => 2 };

    private static int TileVectors(VectorWidth v) => v.Bits switch { 512 => 4, _ => 3 };

    // Inputs spelled out per step of the input loop, and the most inputs spelled out entirely: a tile's body is
    // (samples + vectors + samples × vectors) statements per input, and 64 inputs spelled out (1,536 statements for the
    // 4 × 4 tile) ran at a sixth of the looped rate, the method too large for the JIT to optimize.
    private const int InputsPerStep = 4;
    private const int UnrolledInputs = 16;

    public static void WriteForward(KernelWriter k, VectorWidth v)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int vectors = spec.Out / v.Lanes, vectorOutputs = vectors * v.Lanes;
        int samplesPerTile = TileSamples(v), panel = TilePanel(v);
        bool whole = TransposesWhole(spec);
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {ForwardName(v)}(ref {t} x, ref {t} y, ref {t} w{k.BiasParameter}, int samples)");
        int buffered = whole ? spec.In * vectorOutputs : spec.In * System.Math.Min(panel, vectorOutputs);
        // A cache line more than Wᵀ needs, so that it starts on one and no vector load of it straddles two.
        k.Line($"global::System.Span<{t}> transposed = stackalloc {t}[{Number(buffered + 64 / spec.ElementSize)}];");
        k.Line($"ref {t} wt = ref global::DenseGen.CompilerServices.VectorMath.CacheLineStart(transposed);");
        if (whole)
        {
            k.Line($"// Wᵀ for the outputs that fill whole vectors, in panels of {Number(panel)} outputs (the last may be narrower),");
            k.Line("// each [InputSize, panel width], so that a register tile reads its panel from start to end.");
            k.Open($"for (int o = 0; o < {Number(vectorOutputs)}; o++)");
            k.Line($"int start = o - o % {Number(panel)};");
            k.Line($"int width = global::System.Math.Min({Number(panel)}, {Number(vectorOutputs)} - start);");
            k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, o * {Number(spec.In)});");
            k.Line($"ref {t} transposedColumn = ref {Unsafe}.Add(ref wt, start * {Number(spec.In)} + (o - start));");
            k.Line($"for (int i = 0; i < {Number(spec.In)}; i++)");
            k.Op($"    {Unsafe}.Add(ref transposedColumn, i * width) = {Unsafe}.Add(ref row, i);");
            k.Close();
            SampleLoops(k, samplesPerTile, samples =>
            {
                k.Tiles(vectors, TileVectors(v), v.Lanes, "c", "nuint", unroll: false, (c, count) =>
                {
                    k.Line($"ref {t} wp = ref {Unsafe}.Add(ref wt, {Scaled(c, 0, spec.In)});");
                    Tile(k, v, samples, count, c);
                });
                if (vectorOutputs < spec.Out)
                    OutputTail(k, samples, vectorOutputs);
            });
        }
        else
        {
            // One panel of Wᵀ at a time, [InputSize, panel width], taken through every sample while it stays in L1.
            k.Tiles(vectors, TileVectors(v), v.Lanes, "c", "nuint", unroll: false, (c, count) =>
            {
                int width = count * v.Lanes;
                k.Line($"ref {t} rows = ref {Unsafe}.Add(ref w, {Scaled(c, 0, spec.In)});");
                k.Open($"for (int o = 0; o < {Number(width)}; o++)");
                k.Line($"ref {t} row = ref {Unsafe}.Add(ref rows, o * {Number(spec.In)});");
                k.Line($"ref {t} transposedColumn = ref {Unsafe}.Add(ref wt, o);");
                k.Line($"for (int i = 0; i < {Number(spec.In)}; i++)");
                k.Op($"    {Unsafe}.Add(ref transposedColumn, i * {Number(width)}) = {Unsafe}.Add(ref row, i);");
                k.Close();
                k.Line($"ref {t} wp = ref wt;");
                SampleLoops(k, samplesPerTile, samples => Tile(k, v, samples, count, c));
            });
            if (vectorOutputs < spec.Out)
            {
                k.Open("");
                SampleLoops(k, 1, samples => OutputTail(k, samples, vectorOutputs));
                k.Close();
            }
        }
        k.Close();
        k.Line("");
    }

    /// <summary>
    /// Loops over the samples at <c>x</c>/<c>y</c> through <c>xs</c>/<c>ys</c>: <paramref name="samplesPerTile"/> at a time,
    /// then one at a time; <paramref name="body"/> writes the work on the samples at <c>xs</c>/<c>ys</c>.
    /// </summary>
    private static void SampleLoops(KernelWriter k, int samplesPerTile, System.Action<int> body)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        k.Line($"ref {t} xs = ref x;");
        k.Line($"ref {t} ys = ref y;");
        k.Line("int sample = 0;");
        if (samplesPerTile > 1)
        {
            k.Open($"for (; sample <= samples - {Number(samplesPerTile)}; sample += {Number(samplesPerTile)})");
            body(samplesPerTile);
            k.Line($"xs = ref {Unsafe}.Add(ref xs, {Number(samplesPerTile * spec.In)});");
            k.Line($"ys = ref {Unsafe}.Add(ref ys, {Number(samplesPerTile * spec.Out)});");
            k.Close();
        }
        k.Open("for (; sample < samples; sample++)");
        body(1);
        k.Line($"xs = ref {Unsafe}.Add(ref xs, {Number(spec.In)});");
        k.Line($"ys = ref {Unsafe}.Add(ref ys, {Number(spec.Out)});");
        k.Close();
    }

    /// <summary>
    /// One register tile: <paramref name="samples"/> samples at <c>xs</c>/<c>ys</c> × <paramref name="count"/> vectors of
    /// outputs from <paramref name="c"/>, whose panel of <c>Wᵀ</c> starts at <c>wp</c>.
    /// </summary>
    private static void Tile(KernelWriter k, VectorWidth v, int samples, int count, string c)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int width = count * v.Lanes;
        for (int s = 0; s < samples; s++)
            for (int j = 0; j < count; j++)
                k.Line($"{v.Type} a{s}_{j} = {v.Type}.Zero;");
        // The inputs in steps of a few, spelled out when there are few of them and looped otherwise, so that the body
        // stays small enough for the JIT to keep every accumulator in a register.
        k.Tiles(spec.In, InputsPerStep, 1, "i", "int", unroll: spec.In <= UnrolledInputs, (i, inputs) =>
        {
            for (int u = 0; u < inputs; u++)
            {
                k.Open("");
                k.Line($"ref {t} wi = ref {Unsafe}.Add(ref wp, {Scaled(i, u, width)});");
                k.Line($"ref {t} xi = ref {Unsafe}.Add(ref xs, {Plus(i, u)});");
                for (int s = 0; s < samples; s++)
                    k.Op($"{v.Type} x{s} = {v.Static}.Create({Unsafe}.Add(ref xi, {Number(s * spec.In)}));");
                for (int j = 0; j < count; j++)
                {
                    k.Op($"{v.Type} w{j} = {v.Static}.LoadUnsafe(ref wi, {Number(j * v.Lanes)});");
                    for (int s = 0; s < samples; s++)
                        k.Op($"a{s}_{j} = {MultiplyAdd}(x{s}, w{j}, a{s}_{j});");
                }
                k.Close();
            }
        });
        for (int j = 0; j < count; j++)
        {
            string at = Plus(c, j * v.Lanes);
            string bias = spec.Bias ? $"{v.Static}.LoadUnsafe(ref b, {at})" : "";
            for (int s = 0; s < samples; s++)
            {
                string destination = s == 0 ? "ref ys" : $"ref {Unsafe}.Add(ref ys, {Number(s * spec.Out)})";
                k.Op($"{v.Static}.StoreUnsafe({k.Activated(k.PlusBias($"a{s}_{j}", bias))}, {destination}, {at});");
            }
        }
    }

    /// <summary>The outputs past the last whole vector (fewer than a vector's lanes): a scalar dot product over each row of <c>W</c>.</summary>
    private static void OutputTail(KernelWriter k, int samples, int first)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        k.Open($"for (int s = 0; s < {Number(samples)}; s++)");
        k.Line($"ref {t} xt = ref {Unsafe}.Add(ref xs, s * {Number(spec.In)});");
        k.Line($"ref {t} yt = ref {Unsafe}.Add(ref ys, s * {Number(spec.Out)});");
        k.Open($"for (int o = {Number(first)}; o < {Number(spec.Out)}; o++)");
        k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, o * {Number(spec.In)});");
        k.Line($"{t} sum = {k.Zero};");
        for (int i = 0; i < spec.In; i++)
            k.Op($"sum += {Unsafe}.Add(ref row, {Number(i)}) * {Unsafe}.Add(ref xt, {Number(i)});");
        k.Op($"{Unsafe}.Add(ref yt, o) = {k.Activated(k.PlusBias("sum", $"{Unsafe}.Add(ref b, o)"))};");
        k.Close();
        k.Close();
    }
}
