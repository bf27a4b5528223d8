using System.Linq;
using DenseGen.Generator.Model;
using static DenseGen.Generator.Layers.Dense.KernelWriter;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// Writes the SIMD kernels of one vector width: Forward, the weight gradient and the input gradient, each a
/// static method over refs whose lengths the caller has checked. Every size is a constant; rows, vector chunks
/// and the scalar tail of a row (In mod lanes) are laid out exactly, and register tiles are unrolled so that
/// each loaded vector feeds several multiply-adds.
/// </summary>
/// <remarks>
/// Tiles (accumulators held in registers), sized for 16 vector registers, the x64 count without AVX-512:
/// <list type="bullet">
/// <item>Forward: samples × 4 weight rows of dot products, reduced (and a fused activation such as ReLU applied, see <see cref="KernelWriter.FusesActivation(DenseSpec)"/>) at the end of the row, a float Vector512 tile in one shuffle tree (3 samples; 4 with
/// Vector512, whose hardware has 32 registers; 2 with Vector128, see <see cref="ForwardSamples"/>); a single
/// sample keeps two accumulators per row.</item>
/// <item>Weight gradient: 4 rows × 3 vector chunks of dW (× 2 with Vector128), each loaded once, updated by
/// every sample, stored once.</item>
/// <item>Input gradient: samples × chunks of dx, summed over the weight rows (3 × 3, or for one sample 1 × 16 with Vector512, 1 × 8 otherwise).</item>
/// <item>One sample's backward, when dx is wanted: dW and dx together, 8 chunks of dx at a time (4 without AVX-512), every row read once (<see cref="WriteOneSampleBackward"/>).</item>
/// </list>
/// </remarks>
internal static class VectorKernels
{
    private const int ForwardRows = 4;
    private const int GradientRows = 4;
    private const int InputGradientSamples = 3;
    private const int InputGradientChunks = 3;

    // One sample's dx: as many accumulators as registers allow, so each weight row is read in long contiguous
    // runs (Vector512 hardware has 32 vector registers, the others 16).
    private static int SingleSampleInputGradientChunks(VectorWidth v) => v.Bits == 512 ? 16 : 8;

    // Vector128 tiles are smaller. On x64 that kernel runs only without AVX2 (a default NativeAOT build targets
    // x86-64-v2), where a multiply-add is a multiply and an add that needs one more register. A 3 × 4 forward
    // tile (12 accumulators, 3 inputs, a weight vector and the product: 17 of 16 registers) spilled: 2 × 4 ran a
    // 64-sample 784→128 forward in 274 µs instead of 489 µs (JIT with DOTNET_EnableAVX=0, which compiles like
    // that AOT baseline). Likewise 4 × 3 dW blocks (12 + 3 inputs + the broadcast dY + the product): 4 × 2 took
    // a 64-sample Forward+Backward under AOT x86-64-v2 from 1,131–1,327 µs to 938–955 µs in alternate runs.
    private static int ForwardSamples(VectorWidth v) => v.Bits switch { 512 => 4, 256 => 3, _ => 2 };

    private static int GradientChunks(VectorWidth v) => v.Bits == 128 ? 2 : 3;

    public static string ForwardName(VectorWidth v) => "__DenseForward" + v.Name;

    public static string WeightGradientName(VectorWidth v) => "__DenseWeightGradient" + v.Name;

    public static string InputGradientName(VectorWidth v) => "__DenseInputGradient" + v.Name;

    public static string OneSampleBackwardName(VectorWidth v) => "__DenseBackwardOneSample" + v.Name;

    // Vector chunks of dx (and of x) the one-sample backward keeps in registers while it walks the rows: half the
    // registers, the rest for the row's loads and the broadcast dy.
    private static int OneSampleBackwardChunks(VectorWidth v) => v.Bits == 512 ? 8 : 4;

    // ---- Forward: y[s, o] = Σ_i W[o, i] x[s, i] + b[o] ----

    public static void WriteForward(KernelWriter k, VectorWidth v, Unrolling unrolling)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int samplesPerTile = ForwardSamples(v);
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {ForwardName(v)}(ref {t} x, ref {t} y, ref {t} w{k.BiasParameter}, int samples)");
        k.Line($"ref {t} xs = ref x;");
        k.Line($"ref {t} ys = ref y;");
        k.Line("int sample = 0;");
        k.Open($"for (; sample <= samples - {samplesPerTile}; sample += {samplesPerTile})");
        k.Line($"bool prefetchNext = sample + {Number(2 * samplesPerTile)} <= samples;");
        ForwardRowTiles(k, v, unrolling, samplesPerTile);
        k.Line($"xs = ref {Unsafe}.Add(ref xs, {Number(samplesPerTile * spec.In)});");
        k.Line($"ys = ref {Unsafe}.Add(ref ys, {Number(samplesPerTile * spec.Out)});");
        k.Close();
        k.Open("for (; sample < samples; sample++)");
        ForwardRowTiles(k, v, unrolling, 1);
        k.Line($"xs = ref {Unsafe}.Add(ref xs, {Number(spec.In)});");
        k.Line($"ys = ref {Unsafe}.Add(ref ys, {Number(spec.Out)});");
        k.Close();
        k.Close();
        k.Line("");
    }

    private static void ForwardRowTiles(KernelWriter k, VectorWidth v, Unrolling unrolling, int samples)
    {
        k.Tiles(k.Spec.Out, ForwardRows, 1, "o", "int", unrolling == Unrolling.Full, (o, rows) =>
        {
            if (samples > 1)
                PrefetchNextInputs(k, samples, o);
            ForwardTile(k, v, unrolling, samples, rows, o);
        });
    }

    /// <summary>
    /// Prefetches a share of the next sample tile's inputs while this tile works through the rows, so that tile finds
    /// them in cache. A large batch's inputs come from L3 or memory, which the hardware prefetchers do not fetch ahead:
    /// each tile reads its inputs once per row tile, so the stream only moves on between tiles. Each row tile asks for
    /// <c>lines / row tiles</c> cache lines of it, so the requests are spread over the whole tile.
    /// </summary>
    private static void PrefetchNextInputs(KernelWriter k, int samples, string o)
    {
        DenseSpec spec = k.Spec;
        int lineElements = 64 / spec.ElementSize;
        int lines = (samples * spec.In + lineElements - 1) / lineElements;
        int rowTiles = (spec.Out + ForwardRows - 1) / ForwardRows;
        int perRowTile = (lines + rowTiles - 1) / rowTiles;
        bool literal = int.TryParse(o, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int row);
        if (literal && row / ForwardRows * perRowTile >= lines)
            return; // The earlier row tiles have asked for every line.
        k.Open("if (prefetchNext)");
        k.Line($"ref {k.T} nextInputs = ref {Unsafe}.Add(ref xs, {Number(samples * spec.In)});");
        for (int j = 0; j < perRowTile; j++)
        {
            string offset;
            if (literal)
            {
                int line = row / ForwardRows * perRowTile + j;
                if (line >= lines)
                    break;
                offset = Number(line * lineElements);
            }
            else
            {
                // o advances by ForwardRows, and each row tile takes perRowTile lines: o · perRowTile / ForwardRows lines in.
                offset = $"global::System.Math.Min(o * {Number(perRowTile * lineElements / ForwardRows)} + {Number(j * lineElements)}, {Number((lines - 1) * lineElements)})";
            }
            k.Op($"{VectorMath}.Prefetch(ref {Unsafe}.Add(ref nextInputs, {offset}));");
        }
        k.Close();
    }

    private static void ForwardTile(KernelWriter k, VectorWidth v, Unrolling unrolling, int samples, int rows, string o)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int chunks = spec.In / v.Lanes, tail = spec.In % v.Lanes, vectorEnd = chunks * v.Lanes;

        for (int r = 0; r < rows; r++)
            k.Line($"ref {t} w{r} = ref {Unsafe}.Add(ref w, {Scaled(o, r, spec.In)});");
        for (int s = 0; s < samples; s++)
            k.Line(s == 0 ? $"ref {t} x0 = ref xs;" : $"ref {t} x{s} = ref {Unsafe}.Add(ref xs, {Number(s * spec.In)});");
        for (int s = 0; s < samples; s++)
            for (int r = 0; r < rows; r++)
                k.Line($"{v.Type} a{s}_{r} = {v.Type}.Zero;");

        if (samples == 1 && chunks >= 2)
        {
            // One sample: a second set of accumulators for odd chunks, so eight independent multiply-add
            // chains hide the FMA latency that four would leave exposed.
            for (int r = 0; r < rows; r++)
                k.Line($"{v.Type} b0_{r} = {v.Type}.Zero;");
            k.Repeat(chunks / 2, 2 * v.Lanes, "c", "nuint", unrolling >= Unrolling.Chunks, c =>
            {
                k.Op($"{v.Type} xe = {v.Static}.LoadUnsafe(ref x0, {c});");
                k.Op($"{v.Type} xo = {v.Static}.LoadUnsafe(ref x0, {Plus(c, v.Lanes)});");
                for (int r = 0; r < rows; r++)
                {
                    k.Op($"a0_{r} = {MultiplyAdd}({v.Static}.LoadUnsafe(ref w{r}, {c}), xe, a0_{r});");
                    k.Op($"b0_{r} = {MultiplyAdd}({v.Static}.LoadUnsafe(ref w{r}, {Plus(c, v.Lanes)}), xo, b0_{r});");
                }
            });
            if (chunks % 2 == 1)
            {
                string last = Number((chunks - 1) * v.Lanes);
                k.Op($"{v.Type} xl = {v.Static}.LoadUnsafe(ref x0, {last});");
                for (int r = 0; r < rows; r++)
                    k.Op($"a0_{r} = {MultiplyAdd}({v.Static}.LoadUnsafe(ref w{r}, {last}), xl, a0_{r});");
            }
            for (int r = 0; r < rows; r++)
                k.Op($"a0_{r} += b0_{r};");
        }
        else
        {
            k.Repeat(chunks, v.Lanes, "c", "nuint", unrolling >= Unrolling.Chunks, c =>
            {
                for (int s = 0; s < samples; s++)
                    k.Op($"{v.Type} x{s}v = {v.Static}.LoadUnsafe(ref x{s}, {c});");
                k.Line($"{v.Type} wv;");
                for (int r = 0; r < rows; r++)
                {
                    k.Op($"wv = {v.Static}.LoadUnsafe(ref w{r}, {c});");
                    for (int s = 0; s < samples; s++)
                        k.Op($"a{s}_{r} = {MultiplyAdd}(wv, x{s}v, a{s}_{r});");
                }
            });
        }

        if (rows == ForwardRows && tail == 0)
        {
            if (samples == 4 && v.Bits == 512 && spec.Element == ElementKind.Float32)
            {
                // The whole 4 × 4 tile's sums in one vector (sample s in 128-bit block s) by one shuffle tree, with the
                // additions of the per-sample reduction below: one bias add and one activation for all four samples.
                string accumulators = string.Join(", ", Enumerable.Range(0, 16).Select(i => $"a{i / 4}_{i % 4}"));
                string destinations = string.Join(", ", Enumerable.Range(0, 4).Select(s => $"ref {Unsafe}.Add(ref ys, {Plus(o, s * spec.Out)})"));
                k.Op($"{VectorMath}.StoreEach({k.Activated(k.PlusBias($"{VectorMath}.SumEach({accumulators})", $"{VectorMath}.LoadRepeated(ref {Unsafe}.Add(ref b, {o}))"))}, {destinations});");
                return;
            }

            // Four rows' sums in one vector: horizontal adds, one bias load and one store per sample.
            string sums = spec.Element == ElementKind.Float64 ? "global::System.Runtime.Intrinsics.Vector256" : "global::System.Runtime.Intrinsics.Vector128";
            for (int s = 0; s < samples; s++)
            {
                k.Op($"{sums}.StoreUnsafe({k.Activated(k.PlusBias($"{VectorMath}.SumEach(a{s}_0, a{s}_1, a{s}_2, a{s}_3)", $"{sums}.LoadUnsafe(ref {Unsafe}.Add(ref b, {o}))"))}, ref {Unsafe}.Add(ref ys, {Plus(o, s * spec.Out)}));");
            }
            return;
        }

        // Reduce each accumulator, add the row's scalar tail (fewer elements than a vector), then the bias.
        for (int s = 0; s < samples; s++)
        {
            for (int r = 0; r < rows; r++)
            {
                k.Op($"{t} sum{s}_{r} = {v.Static}.Sum(a{s}_{r});");
                for (int i = vectorEnd; i < vectorEnd + tail; i++)
                    k.Op($"sum{s}_{r} += {Unsafe}.Add(ref w{r}, {Number(i)}) * {Unsafe}.Add(ref x{s}, {Number(i)});");
                k.Op($"{Unsafe}.Add(ref ys, {Plus(o, s * spec.Out + r)}) = {k.Activated(k.PlusBias($"sum{s}_{r}", $"{Unsafe}.Add(ref b, {Plus(o, r)})"))};");
            }
        }
    }

    // ---- Weight gradient: dW[o, i] += Σ_s dy[s, o] x[s, i] ----

    public static void WriteWeightGradient(KernelWriter k, VectorWidth v, Unrolling unrolling)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {WeightGradientName(v)}(ref {t} x, ref {t} dy, ref {t} dw, int samples)");
        k.Tiles(spec.Out, GradientRows, 1, "o", "int", unrolling == Unrolling.Full,
            (o, rows) => WeightGradientRows(k, v, unrolling, rows, o));
        k.Close();
        k.Line("");
    }

    private static void WeightGradientRows(KernelWriter k, VectorWidth v, Unrolling unrolling, int rows, string o)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int chunks = spec.In / v.Lanes, tail = spec.In % v.Lanes, vectorEnd = chunks * v.Lanes;
        for (int r = 0; r < rows; r++)
            k.Line($"ref {t} g{r} = ref {Unsafe}.Add(ref dw, {Scaled(o, r, spec.In)});");

        k.Tiles(chunks, GradientChunks(v), v.Lanes, "c", "nuint", unrolling >= Unrolling.Chunks,
            (c, count) => WeightGradientBlock(k, v, rows, count, o, c));

        if (tail > 0)
        {
            // The last In mod lanes columns, one scalar at a time.
            k.Line($"ref {t} tailX = ref x;");
            k.Line($"ref {t} tailDy = ref {Unsafe}.Add(ref dy, {o});");
            k.Open("for (int s = 0; s < samples; s++)");
            for (int r = 0; r < rows; r++)
            {
                k.Line($"{t} d{r} = {Unsafe}.Add(ref tailDy, {Number(r)});");
                for (int i = vectorEnd; i < spec.In; i++)
                    k.Op($"{Unsafe}.Add(ref g{r}, {Number(i)}) += d{r} * {Unsafe}.Add(ref tailX, {Number(i)});");
            }
            k.Line($"tailX = ref {Unsafe}.Add(ref tailX, {Number(spec.In)});");
            k.Line($"tailDy = ref {Unsafe}.Add(ref tailDy, {Number(spec.Out)});");
            k.Close();
        }
    }

    private static void WeightGradientBlock(KernelWriter k, VectorWidth v, int rows, int chunks, string o, string c)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < chunks; j++)
                k.Op($"{v.Type} a{r}_{j} = {v.Static}.LoadUnsafe(ref g{r}, {Plus(c, j * v.Lanes)});");
        k.Line($"ref {t} xs = ref x;");
        k.Line($"ref {t} dys = ref {Unsafe}.Add(ref dy, {o});");
        k.Open("for (int s = 0; s < samples; s++)");
        for (int j = 0; j < chunks; j++)
            k.Op($"{v.Type} x{j} = {v.Static}.LoadUnsafe(ref xs, {Plus(c, j * v.Lanes)});");
        k.Line($"{v.Type} d;");
        for (int r = 0; r < rows; r++)
        {
            k.Op($"d = {v.Static}.Create({Unsafe}.Add(ref dys, {Number(r)}));");
            for (int j = 0; j < chunks; j++)
                k.Op($"a{r}_{j} = {MultiplyAdd}(d, x{j}, a{r}_{j});");
        }
        k.Line($"xs = ref {Unsafe}.Add(ref xs, {Number(spec.In)});");
        k.Line($"dys = ref {Unsafe}.Add(ref dys, {Number(spec.Out)});");
        k.Close();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < chunks; j++)
                k.Op($"{v.Static}.StoreUnsafe(a{r}_{j}, ref g{r}, {Plus(c, j * v.Lanes)});");
    }

    // ---- Input gradient: dx[s, i] = Σ_o dy[s, o] W[o, i] ----

    public static void WriteInputGradient(KernelWriter k, VectorWidth v, Unrolling unrolling)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {InputGradientName(v)}(ref {t} dy, ref {t} w, ref {t} dx, int samples)");
        k.Line($"ref {t} dys = ref dy;");
        k.Line($"ref {t} dxs = ref dx;");
        k.Line("int sample = 0;");
        k.Open($"for (; sample <= samples - {InputGradientSamples}; sample += {InputGradientSamples})");
        InputGradientSamplesTile(k, v, unrolling, InputGradientSamples, InputGradientChunks);
        k.Line($"dys = ref {Unsafe}.Add(ref dys, {Number(InputGradientSamples * spec.Out)});");
        k.Line($"dxs = ref {Unsafe}.Add(ref dxs, {Number(InputGradientSamples * spec.In)});");
        k.Close();
        k.Open("for (; sample < samples; sample++)");
        InputGradientSamplesTile(k, v, unrolling, 1, SingleSampleInputGradientChunks(v));
        k.Line($"dys = ref {Unsafe}.Add(ref dys, {Number(spec.Out)});");
        k.Line($"dxs = ref {Unsafe}.Add(ref dxs, {Number(spec.In)});");
        k.Close();
        k.Close();
        k.Line("");
    }

    private static void InputGradientSamplesTile(KernelWriter k, VectorWidth v, Unrolling unrolling, int samples, int chunksPerBlock)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int chunks = spec.In / v.Lanes, tail = spec.In % v.Lanes, vectorEnd = chunks * v.Lanes;
        for (int s = 0; s < samples; s++)
        {
            k.Line(s == 0 ? $"ref {t} dyRow0 = ref dys;" : $"ref {t} dyRow{s} = ref {Unsafe}.Add(ref dys, {Number(s * spec.Out)});");
            k.Line(s == 0 ? $"ref {t} dxRow0 = ref dxs;" : $"ref {t} dxRow{s} = ref {Unsafe}.Add(ref dxs, {Number(s * spec.In)});");
        }

        k.Tiles(chunks, chunksPerBlock, v.Lanes, "c", "nuint", unrolling >= Unrolling.Chunks,
            (c, count) => InputGradientBlock(k, v, unrolling, samples, count, c));

        if (tail > 0)
        {
            // The last In mod lanes columns: scalar sums over the rows of W.
            for (int s = 0; s < samples; s++)
                for (int i = vectorEnd; i < spec.In; i++)
                    k.Line($"{t} tail{s}_{i} = {k.Zero};");
            k.Repeat(spec.Out, 1, "o", "int", unrolling == Unrolling.Full, o =>
            {
                k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, {Scaled(o, 0, spec.In)});");
                for (int s = 0; s < samples; s++)
                {
                    k.Line($"{t} g{s} = {Unsafe}.Add(ref dyRow{s}, {o});");
                    for (int i = vectorEnd; i < spec.In; i++)
                        k.Op($"tail{s}_{i} += g{s} * {Unsafe}.Add(ref row, {Number(i)});");
                }
            });
            for (int s = 0; s < samples; s++)
                for (int i = vectorEnd; i < spec.In; i++)
                    k.Op($"{Unsafe}.Add(ref dxRow{s}, {Number(i)}) = tail{s}_{i};");
        }
    }

    private static void InputGradientBlock(KernelWriter k, VectorWidth v, Unrolling unrolling, int samples, int chunks, string c)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        for (int s = 0; s < samples; s++)
            for (int j = 0; j < chunks; j++)
                k.Line($"{v.Type} a{s}_{j} = {v.Type}.Zero;");
        k.Repeat(spec.Out, 1, "o", "int", unrolling == Unrolling.Full, o =>
        {
            k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, {Scaled(o, 0, spec.In)});");
            if (samples == 1)
            {
                // One sample: each weight vector is used once, so load it straight into the multiply-add.
                k.Op($"{v.Type} d = {v.Static}.Create({Unsafe}.Add(ref dyRow0, {o}));");
                for (int j = 0; j < chunks; j++)
                    k.Op($"a0_{j} = {MultiplyAdd}(d, {v.Static}.LoadUnsafe(ref row, {Plus(c, j * v.Lanes)}), a0_{j});");
                return;
            }
            for (int j = 0; j < chunks; j++)
                k.Op($"{v.Type} w{j} = {v.Static}.LoadUnsafe(ref row, {Plus(c, j * v.Lanes)});");
            k.Line($"{v.Type} d;");
            for (int s = 0; s < samples; s++)
            {
                k.Op($"d = {v.Static}.Create({Unsafe}.Add(ref dyRow{s}, {o}));");
                for (int j = 0; j < chunks; j++)
                    k.Op($"a{s}_{j} = {MultiplyAdd}(d, w{j}, a{s}_{j});");
            }
        });
        for (int s = 0; s < samples; s++)
            for (int j = 0; j < chunks; j++)
                k.Op($"{v.Static}.StoreUnsafe(a{s}_{j}, ref dxRow{s}, {Plus(c, j * v.Lanes)});");
    }

    // ---- One sample's backward: dW[o, i] += dy[o] x[i] and dx[i] = Σ_o dy[o] W[o, i] in one pass ----

    /// <summary>
    /// One sample's weight and input gradients together: for each block of a few vector chunks of the row, the dx
    /// block and the matching x stay in registers while every row's slice of W is read once and its slice of dW
    /// updated, so W is read once for both gradients and nothing waits on a store. Every value is computed as the separate
    /// kernels compute it (dW by one multiply-add per element, dx from zero adding the rows in order), so the results are
    /// the same to the bit.
    /// </summary>
    public static void WriteOneSampleBackward(KernelWriter k, VectorWidth v, Unrolling unrolling)
    {
        DenseSpec spec = k.Spec;
        string t = k.T;
        int chunks = spec.In / v.Lanes, tail = spec.In % v.Lanes, vectorEnd = chunks * v.Lanes;
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {OneSampleBackwardName(v)}(ref {t} x, ref {t} dy, ref {t} w, ref {t} dw, ref {t} dx)");
        k.Tiles(chunks, OneSampleBackwardChunks(v), v.Lanes, "c", "nuint", unrolling >= Unrolling.Chunks, (c, count) =>
        {
            for (int j = 0; j < count; j++)
            {
                k.Op($"{v.Type} x{j} = {v.Static}.LoadUnsafe(ref x, {Plus(c, j * v.Lanes)});");
                k.Line($"{v.Type} sum{j} = {v.Type}.Zero;");
            }
            k.Repeat(spec.Out, 1, "o", "int", unrolling == Unrolling.Full, o =>
            {
                k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, {Scaled(o, 0, spec.In)});");
                k.Line($"ref {t} gradientRow = ref {Unsafe}.Add(ref dw, {Scaled(o, 0, spec.In)});");
                k.Op($"{v.Type} d = {v.Static}.Create({Unsafe}.Add(ref dy, {o}));");
                for (int j = 0; j < count; j++)
                {
                    string at = Plus(c, j * v.Lanes);
                    k.Op($"{v.Type} g{j} = {MultiplyAdd}(d, x{j}, {v.Static}.LoadUnsafe(ref gradientRow, {at}));");
                    k.Op($"{v.Static}.StoreUnsafe(g{j}, ref gradientRow, {at});");
                    k.Op($"sum{j} = {MultiplyAdd}(d, {v.Static}.LoadUnsafe(ref row, {at}), sum{j});");
                }
            });
            for (int j = 0; j < count; j++)
                k.Op($"{v.Static}.StoreUnsafe(sum{j}, ref dx, {Plus(c, j * v.Lanes)});");
        });
        if (tail > 0)
        {
            // The last In mod lanes columns, one scalar at a time, dx summed in locals.
            for (int i = vectorEnd; i < spec.In; i++)
                k.Line($"{t} tail{i} = {k.Zero};");
            k.Repeat(spec.Out, 1, "o", "int", unrolling == Unrolling.Full, o =>
            {
                k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, {Scaled(o, 0, spec.In)});");
                k.Line($"ref {t} gradientRow = ref {Unsafe}.Add(ref dw, {Scaled(o, 0, spec.In)});");
                k.Line($"{t} g = {Unsafe}.Add(ref dy, {o});");
                for (int i = vectorEnd; i < spec.In; i++)
                {
                    k.Op($"{Unsafe}.Add(ref gradientRow, {Number(i)}) += g * {Unsafe}.Add(ref x, {Number(i)});");
                    k.Op($"tail{i} += g * {Unsafe}.Add(ref row, {Number(i)});");
                }
            });
            for (int i = vectorEnd; i < spec.In; i++)
                k.Op($"{Unsafe}.Add(ref dx, {Number(i)}) = tail{i};");
        }
        k.Close();
        k.Line("");
    }
}
