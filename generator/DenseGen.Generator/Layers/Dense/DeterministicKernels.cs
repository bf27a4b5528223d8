using System.Collections.Generic;
using System.Globalization;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// The kernels of a deterministic layer (<c>Deterministic = true</c>): one order of every sum, the same in full and
/// portable output and on every machine.
/// <list type="bullet">
/// <item>Forward: each dot product is summed in <see cref="Lanes"/> partial sums (input <c>i</c> goes to sum
/// <c>i mod 16</c>, in order), which are then added in a fixed tree, halving: sum <c>j</c> plus sum <c>j + 8</c>,
/// then <c>j + 4</c>, <c>j + 2</c>, <c>j + 1</c>. Then the bias is added.</item>
/// <item>Backward: every gradient element is a sum in a fixed order: <c>db</c> and <c>dW</c> add the samples in
/// order to what they hold, <c>dX</c> adds the outputs in order, from zero.</item>
/// </list>
/// The reference is the element-by-element code, which every output has and which runs where no vectors are
/// accelerated. Every product and sum there is rounded to the element type by an explicit cast, so a runtime that keeps
/// intermediates wider (Mono keeps floats in double) rounds them all the same, and nothing is fused. The full output
/// adds register-tiled vector kernels of each width (<c>Vector512</c>, <c>Vector256</c>, <c>Vector128</c>): each lane
/// does exactly the reference's operations on its elements, a multiply, then an add, so every width gives the
/// reference's bits. Tiling changes which sums run side by side, never the order within one.
/// </summary>
internal static class DeterministicKernels
{
    /// <summary>The number of partial sums of a forward dot product: a <c>Vector512</c> of floats.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// Vector accumulators a forward tile keeps in registers, with room left for the loaded operands: 12 of AVX-512's 32
    /// registers, 8 of the 16 that AVX2 and SSE have (arm64 has 32, but gets the narrower budget with its Vector128).
    /// Either is enough independent chains of adds to hide their latency.
    /// </summary>
    private static int AccumulatorBudget(Width width) => width.Bytes == 64 ? 12 : 8;

    /// <summary>Rows of <c>W</c> a tile reads together, so each vector of <c>x</c> is loaded once for all of them.</summary>
    private const int MaxTileRows = 4;

    /// <summary>
    /// Samples a batched forward tile runs together, so each vector of <c>W</c> is loaded once for all of them: three
    /// where one vector holds a dot product's 16 partial sums, two where it takes more.
    /// </summary>
    private static int ForwardTileSamples(Width width) => width.LaneVectors == 1 ? 3 : 2;

    /// <summary>Rows of <c>dW</c> and vectors of each row a <c>dW</c> tile keeps in registers while it walks the samples.</summary>
    private const int GradientTileRows = 4, GradientTileVectors = 2;

    /// <summary>Samples of <c>dX</c> a tile keeps in registers while it walks the rows of <c>W</c>, and vectors of each.</summary>
    private const int InputGradientTileSamples = 4, InputGradientTileVectors = 2;

    private const string LaneSumName = "__DenseLaneSumDeterministic";

    private const string Span = "global::System.Span";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Marshal = KernelWriter.Marshal;
    private const string Unsafe = KernelWriter.Unsafe;

    /// <summary>A vector size the full output dispatches on, from the widest down.</summary>
    private sealed class Width
    {
        public Width(int bytes, int elementSize)
        {
            Bytes = bytes;
            Vector = $"global::System.Runtime.Intrinsics.Vector{bytes * 8}";
            Elements = bytes / elementSize;
            LaneVectors = Lanes / Elements;
        }

        public int Bytes { get; }

        /// <summary>The static class, e.g. <c>global::System.Runtime.Intrinsics.Vector256</c>.</summary>
        public string Vector { get; }

        /// <summary>Elements per vector.</summary>
        public int Elements { get; }

        /// <summary>Vectors that hold one dot product's <see cref="Lanes"/> partial sums.</summary>
        public int LaneVectors { get; }

        public static Width[] All(DenseSpec spec) => new[] { new Width(64, spec.ElementSize), new Width(32, spec.ElementSize), new Width(16, spec.ElementSize) };
    }

    /// <param name="w">Where to write, inside the layer's type.</param>
    /// <param name="spec">The layer.</param>
    /// <param name="vectorized">Full output: add the vector kernels in front of the element-by-element code.</param>
    /// <param name="methodAttributes">The full output's JIT attributes of a kernel, or null (portable output).</param>
    public static void Write(IndentedWriter w, DenseSpec spec, bool vectorized, string? methodAttributes)
    {
        w.Line();
        w.Line("// Deterministic kernels: one fixed order of every sum, on every machine (see DenseAttribute.Deterministic).");
        WriteForward(w, spec, vectorized, methodAttributes);
        w.Line();
        WriteLaneSum(w, spec, methodAttributes);
        if (spec.HasBackward)
        {
            w.Line();
            WriteBackward(w, spec, vectorized, methodAttributes);
        }
    }

    private static void WriteForward(IndentedWriter w, DenseSpec spec, bool vectorized, string? methodAttributes)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        GeneratedFile.Method(w, methodAttributes);
        w.Open(PortableKernels.ForwardSignature(spec));
        w.Line($"{Span}<{t}> lanes = stackalloc {t}[{Number(Lanes)}];");
        w.Line("int sample = 0;");
        if (vectorized && spec.In >= Lanes)
        {
            w.Line($"ref {t} xr = ref {Marshal}.GetReference(input);");
            w.Line($"ref {t} wr = ref {Marshal}.GetReference(weights);");
            bool first = true;
            foreach (Width width in Width.All(spec))
            {
                w.Line($"{(first ? "if" : "else if")} ({width.Vector}.IsHardwareAccelerated)");
                w.Open("");
                int tileSamples = ForwardTileSamples(width);
                if (width.LaneVectors * tileSamples <= AccumulatorBudget(width))
                {
                    w.Open($"for (; sample <= samples - {Number(tileSamples)}; sample += {Number(tileSamples)})");
                    WriteForwardRows(w, spec, width, tileSamples);
                    w.Close();
                }
                w.Open("for (; sample < samples; sample++)");
                WriteForwardRows(w, spec, width, 1);
                w.Close();
                w.Close();
                first = false;
            }
        }
        w.Line("// The reference order, element by element: the whole kernel where no vectors are accelerated.");
        w.Open("for (; sample < samples; sample++)");
        w.Line($"int inputStart = sample * {inputs};");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line("lanes.Clear();");
        w.Line($"output[sample * {outputs} + o] = ({t})({PlusBias(spec, $"{LaneSumName}(lanes, weights, o * {inputs}, input, inputStart, 0)", "bias[o]")});");
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>One tile of <paramref name="samples"/> samples (from <c>sample</c>) across every row: the rows in tiles, then one by one.</summary>
    private static void WriteForwardRows(IndentedWriter w, DenseSpec spec, Width width, int samples)
    {
        int rows = System.Math.Min(MaxTileRows, System.Math.Max(1, AccumulatorBudget(width) / (width.LaneVectors * samples)));
        WriteRows(w, spec, rows, tileRows => WriteForwardTile(w, spec, width, tileRows, samples));
    }

    /// <summary>
    /// Walks the rows <c>o</c> of <c>W</c> in tiles of <paramref name="tileRows"/>, then one at a time for the rest;
    /// <paramref name="body"/> writes a tile of the rows it is given from <c>o</c> on.
    /// </summary>
    private static void WriteRows(IndentedWriter w, DenseSpec spec, int tileRows, System.Action<int> body)
    {
        w.Line("int o = 0;");
        if (tileRows > 1 && spec.Out >= tileRows)
        {
            w.Open($"for (; o <= {Number(spec.Out - tileRows)}; o += {Number(tileRows)})");
            body(tileRows);
            w.Close();
        }
        w.Open($"for (; o < {Number(spec.Out)}; o++)");
        body(1);
        w.Close();
    }

    /// <summary>
    /// Rows <c>o</c> to <c>o + rows - 1</c> for samples <c>sample</c> to <c>sample + samples - 1</c>: every dot product's
    /// partial sums in accumulators of its own (lane <c>j</c> of accumulator <c>k</c> is partial sum
    /// <c>k · width + j</c>), over the whole sets of 16 inputs; then the rest of the inputs and the tree.
    /// </summary>
    private static void WriteForwardTile(IndentedWriter w, DenseSpec spec, Width width, int rows, int samples)
    {
        string t = spec.ElementKeyword, v = width.Vector, inputs = Number(spec.In), outputs = Number(spec.Out);
        int lastWhole = spec.In - spec.In % Lanes;
        // A reference to each row and sample: the loads then address [base + i], with no index arithmetic of their own.
        for (int s = 0; s < samples; s++)
        {
            w.Line($"int x{s} = {Offset("sample", s)} * {inputs};");
            w.Line($"ref {t} x{s}r = ref {Unsafe}.Add(ref xr, x{s});");
        }
        for (int r = 0; r < rows; r++)
        {
            w.Line($"int w{r} = {Offset("o", r)} * {inputs};");
            w.Line($"ref {t} w{r}r = ref {Unsafe}.Add(ref wr, w{r});");
        }
        for (int r = 0; r < rows; r++)
        {
            for (int s = 0; s < samples; s++)
            {
                for (int k = 0; k < width.LaneVectors; k++)
                    w.Line($"{v}<{t}> a{r}_{s}_{k} = {v}<{t}>.Zero;");
            }
        }
        w.Open($"for (nuint i = 0; i < {Number(lastWhole)}; i += {Number(Lanes)})");
        for (int k = 0; k < width.LaneVectors; k++)
        {
            string at = k == 0 ? "i" : $"i + {Number(k * width.Elements)}";
            for (int s = 0; s < samples; s++)
                w.Line($"{v}<{t}> x{s}_{k} = {v}.LoadUnsafe(ref x{s}r, {at});");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"{v}<{t}> w{r}_{k} = {v}.LoadUnsafe(ref w{r}r, {at});");
                for (int s = 0; s < samples; s++)
                    w.Line($"a{r}_{s}_{k} += w{r}_{k} * x{s}_{k};");
            }
        }
        w.Close();
        for (int r = 0; r < rows; r++)
        {
            for (int s = 0; s < samples; s++)
            {
                string outputAt = $"{Offset("sample", s)} * {outputs} + {Offset("o", r)}", biasAt = Offset("o", r);
                var sums = new List<string>();
                for (int k = 0; k < width.LaneVectors; k++)
                    sums.Add($"a{r}_{s}_{k}");
                w.Open("");
                if (lastWhole == spec.In)
                {
                    string total = WriteVectorTree(w, spec, width, sums);
                    w.Line($"output[{outputAt}] = ({t})({PlusBias(spec, total, $"bias[{biasAt}]")});");
                }
                else
                {
                    w.Line($"ref {t} lr = ref {Marshal}.GetReference(lanes);");
                    for (int k = 0; k < width.LaneVectors; k++)
                        w.Line($"{v}.StoreUnsafe({sums[k]}, ref lr, {Number(k * width.Elements)});");
                    w.Line($"output[{outputAt}] = ({t})({PlusBias(spec, $"{LaneSumName}(lanes, weights, w{r}, input, x{s}, {Number(lastWhole)})", $"bias[{biasAt}]")});");
                }
                w.Close();
            }
        }
    }

    /// <summary>
    /// The helper both the reference loop and the vector tiles end a dot product with: it adds the inputs from
    /// <c>from</c> to the end of the row into <c>lanes</c> (input <c>i</c> into sum <c>i mod 16</c>) and returns the
    /// lanes' total, summed in the fixed tree.
    /// </summary>
    private static void WriteLaneSum(IndentedWriter w, DenseSpec spec, string? methodAttributes)
    {
        string t = spec.ElementKeyword, mask = Number(Lanes - 1);
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"private static {t} {LaneSumName}({Span}<{t}> lanes, {ReadOnlySpan}<{t}> weights, int rowStart, {ReadOnlySpan}<{t}> input, int inputStart, int from)");
        w.Line($"for (int i = from; i < {Number(spec.In)}; i++)");
        w.Line($"    lanes[i & {mask}] = ({t})(lanes[i & {mask}] + ({t})(weights[rowStart + i] * input[inputStart + i]));");
        w.Line($"for (int half = {Number(Lanes / 2)}; half > 0; half >>= 1)");
        w.Open("");
        w.Line("for (int j = 0; j < half; j++)");
        w.Line($"    lanes[j] = ({t})(lanes[j] + lanes[j + half]);");
        w.Close();
        w.Line("return lanes[0];");
        w.Close();
    }

    /// <summary>
    /// The fixed tree over 16 partial sums held in vectors (<paramref name="sums"/>, in lane order), in registers: the
    /// vectors paired first half with second half, then each vector's lower half with its upper half, then the last
    /// four (or two) elements as scalars. Each step pairs lane <c>j</c> with lane <c>j + half</c>, as the tree says.
    /// Returns the name of the total.
    /// </summary>
    private static string WriteVectorTree(IndentedWriter w, DenseSpec spec, Width width, List<string> sums)
    {
        string t = spec.ElementKeyword;
        int step = 0;
        // Adds the second half of the values to the first, pair by pair, until one is left.
        string SumHalves(List<string> values, string declared, string cast)
        {
            while (values.Count > 1)
            {
                int half = values.Count / 2;
                var next = new List<string>();
                for (int j = 0; j < half; j++)
                {
                    string name = $"h{step++}";
                    w.Line($"{declared} {name} = {cast}({values[j]} + {values[j + half]});");
                    next.Add(name);
                }
                values = next;
            }
            return values[0];
        }

        string vector = SumHalves(sums, "var", "");
        for (int bytes = width.Bytes; bytes > 16; bytes /= 2)
        {
            string name = $"h{step++}", type = $"global::System.Runtime.Intrinsics.Vector{bytes * 8}";
            w.Line($"var {name} = {type}.GetLower({vector}) + {type}.GetUpper({vector});");
            vector = name;
        }
        var scalars = new List<string>();
        for (int j = 0; j < 16 / spec.ElementSize; j++)
            scalars.Add($"global::System.Runtime.Intrinsics.Vector128.GetElement({vector}, {Number(j)})");
        return SumHalves(scalars, t, $"({t})");
    }

    private static void WriteBackward(IndentedWriter w, DenseSpec spec, bool vectorized, string? methodAttributes)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        bool trainable = spec.Trainable;
        if (trainable)
        {
            w.Line("// db += Σ dY and dW += dYᵀ X, the samples in order; dX = dY W, the rows in order, unless inputGradient is empty.");
            GeneratedFile.Method(w, methodAttributes);
            w.Open(PortableKernels.BackwardSignature(spec));
        }
        else
        {
            w.Line("// dX = dY W, the rows in order, for a frozen layer.");
            GeneratedFile.Method(w, methodAttributes);
            w.Open(PortableKernels.InputGradientSignature(t));
        }
        if (vectorized)
        {
            w.Line("if (global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)");
            w.Open("");
            w.Line($"ref {t} dyr = ref {Marshal}.GetReference(outputGradient);");
            w.Line($"ref {t} wr = ref {Marshal}.GetReference(weights);");
            if (trainable)
            {
                w.Line($"ref {t} xr = ref {Marshal}.GetReference(input);");
                w.Line($"ref {t} dwr = ref {Marshal}.GetReference(weightGradients);");
                w.Line($"if (samples < {Number(InputGradientTileSamples)} && !inputGradient.IsEmpty)");
                w.Open("");
                WriteSampleBySampleBackward(w, spec);
                w.Line("return;");
                w.Close();
                if (spec.Bias)
                {
                    w.Open($"for (int o = 0; o < {outputs}; o++)");
                    w.Line($"{t} sum = biasGradients[o];");
                    w.Line("for (int s = 0; s < samples; s++)");
                    w.Line($"    sum = ({t})(sum + outputGradient[s * {outputs} + o]);");
                    w.Line("biasGradients[o] = sum;");
                    w.Close();
                }
                WriteWeightGradients(w, spec);
                w.Line("if (inputGradient.IsEmpty)");
                w.Line("    return;");
            }
            WriteInputGradients(w, spec);
            w.Line("return;");
            w.Close();
        }
        w.Line("// The reference order, element by element: the whole kernel where no vectors are accelerated.");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        if (trainable)
            w.Line($"{ReadOnlySpan}<{t}> x = input.Slice(sample * {inputs}, {inputs});");
        w.Line($"{ReadOnlySpan}<{t}> dy = outputGradient.Slice(sample * {outputs}, {outputs});");
        w.Line(trainable
            ? $"{Span}<{t}> dx = inputGradient.IsEmpty ? default : inputGradient.Slice(sample * {inputs}, {inputs});"
            : $"{Span}<{t}> dx = inputGradient.Slice(sample * {inputs}, {inputs});");
        w.Line("dx.Clear();");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"{t} g = dy[o];");
        w.Line($"{ReadOnlySpan}<{t}> row = weights.Slice(o * {inputs}, {inputs});");
        if (trainable)
        {
            if (spec.Bias)
                w.Line($"biasGradients[o] = ({t})(biasGradients[o] + g);");
            w.Line($"{Span}<{t}> gradientRow = weightGradients.Slice(o * {inputs}, {inputs});");
            w.Line($"for (int i = 0; i < {inputs}; i++)");
            w.Line($"    gradientRow[i] = ({t})(gradientRow[i] + ({t})(g * x[i]));");
            w.Line("if (dx.IsEmpty)");
            w.Line("    continue;");
        }
        w.Line($"for (int i = 0; i < {inputs}; i++)");
        w.Line($"    dx[i] = ({t})(dx[i] + ({t})(g * row[i]));");
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>
    /// A backward of fewer samples than a <c>dX</c> tile, one sample at a time: one pass over the rows of <c>W</c>
    /// and <c>dW</c> in tiles of <see cref="GradientTileRows"/> rows, reading each once, with <c>dX</c> (cleared first)
    /// taking the tile's rows in order. Each sum gets its terms in the same order as in the batched kernels.
    /// </summary>
    private static void WriteSampleBySampleBackward(IndentedWriter w, DenseSpec spec)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        w.Line($"ref {t} dxr = ref {Marshal}.GetReference(inputGradient);");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"int xs = sample * {inputs}, gs = sample * {outputs};");
        w.Line($"inputGradient.Slice(xs, {inputs}).Clear();");
        WriteRows(w, spec, GradientTileRows, rows => WriteSampleRows(w, spec, rows));
        w.Close();
    }

    private static void WriteSampleRows(IndentedWriter w, DenseSpec spec, int rows)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In);
        for (int r = 0; r < rows; r++)
        {
            w.Line($"{t} g{r} = outputGradient[gs + {Offset("o", r)}];");
            if (spec.Bias)
                w.Line($"biasGradients[{Offset("o", r)}] = ({t})(biasGradients[{Offset("o", r)}] + g{r});");
            w.Line($"int d{r} = {Offset("o", r)} * {inputs};");
        }
        WriteColumns(w, spec, 1, (width, vectors) =>
        {
            string v = width.Vector;
            w.Line($"{v}<{t}> x = {v}.LoadUnsafe(ref xr, (nuint)(xs + i));");
            w.Line($"{v}<{t}> dx = {v}.LoadUnsafe(ref dxr, (nuint)(xs + i));");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"{v}<{t}> gv{r} = {v}.Create(g{r});");
                w.Line($"{v}.StoreUnsafe({v}.LoadUnsafe(ref dwr, (nuint)(d{r} + i)) + gv{r} * x, ref dwr, (nuint)(d{r} + i));");
                w.Line($"dx += gv{r} * {v}.LoadUnsafe(ref wr, (nuint)(d{r} + i));");
            }
            w.Line($"{v}.StoreUnsafe(dx, ref dxr, (nuint)(xs + i));");
        }, () =>
        {
            w.Line($"{t} x = input[xs + i], dx = inputGradient[xs + i];");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"weightGradients[d{r} + i] = ({t})(weightGradients[d{r} + i] + ({t})(g{r} * x));");
                w.Line($"dx = ({t})(dx + ({t})(g{r} * weights[d{r} + i]));");
            }
            w.Line($"inputGradient[xs + i] = dx;");
        });
    }

    /// <summary>
    /// <c>dW += dYᵀ X</c> in tiles of <see cref="GradientTileRows"/> rows by <see cref="GradientTileVectors"/> vectors:
    /// each tile loaded once, every sample's products added to it in sample order, stored once.
    /// </summary>
    private static void WriteWeightGradients(IndentedWriter w, DenseSpec spec)
    {
        w.Open("");
        WriteRows(w, spec, GradientTileRows, rows => WriteWeightGradientRows(w, spec, rows));
        w.Close();
    }

    private static void WriteWeightGradientRows(IndentedWriter w, DenseSpec spec, int rows)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        WriteColumns(w, spec, GradientTileVectors, (width, vectors) =>
        {
            string v = width.Vector;
            for (int r = 0; r < rows; r++)
            {
                w.Line($"int d{r} = {Offset("o", r)} * {inputs} + i;");
                for (int c = 0; c < vectors; c++)
                    w.Line($"{v}<{t}> a{r}_{c} = {v}.LoadUnsafe(ref dwr, (nuint)(d{r}{Plus(c * width.Elements)}));");
            }
            w.Open("for (int s = 0; s < samples; s++)");
            w.Line($"int xs = s * {inputs} + i, gs = s * {outputs} + o;");
            for (int c = 0; c < vectors; c++)
                w.Line($"{v}<{t}> x{c} = {v}.LoadUnsafe(ref xr, (nuint)(xs{Plus(c * width.Elements)}));");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"{v}<{t}> g{r} = {v}.Create({Unsafe}.Add(ref dyr, gs{Plus(r)}));");
                for (int c = 0; c < vectors; c++)
                    w.Line($"a{r}_{c} += g{r} * x{c};");
            }
            w.Close();
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < vectors; c++)
                    w.Line($"{v}.StoreUnsafe(a{r}_{c}, ref dwr, (nuint)(d{r}{Plus(c * width.Elements)}));");
            }
        }, () =>
        {
            for (int r = 0; r < rows; r++)
            {
                w.Line($"int d{r} = {Offset("o", r)} * {inputs} + i;");
                w.Line($"{t} a{r} = weightGradients[d{r}];");
            }
            w.Open("for (int s = 0; s < samples; s++)");
            w.Line($"{t} xs = input[s * {inputs} + i];");
            for (int r = 0; r < rows; r++)
                w.Line($"a{r} = ({t})(a{r} + ({t})(outputGradient[s * {outputs} + {Offset("o", r)}] * xs));");
            w.Close();
            for (int r = 0; r < rows; r++)
                w.Line($"weightGradients[d{r}] = a{r};");
        });
    }

    /// <summary>
    /// <c>dX = dY W</c> in tiles of <see cref="InputGradientTileSamples"/> samples by
    /// <see cref="InputGradientTileVectors"/> vectors: each tile summed from zero in registers over the rows of
    /// <c>W</c> in order, stored once.
    /// </summary>
    private static void WriteInputGradients(IndentedWriter w, DenseSpec spec)
    {
        w.Open("");
        w.Line($"ref {spec.ElementKeyword} dxr = ref {Marshal}.GetReference(inputGradient);");
        w.Line("int sample = 0;");
        w.Open($"for (; sample <= samples - {Number(InputGradientTileSamples)}; sample += {Number(InputGradientTileSamples)})");
        WriteInputGradientSamples(w, spec, InputGradientTileSamples);
        w.Close();
        w.Open("for (; sample < samples; sample++)");
        WriteInputGradientSamples(w, spec, 1);
        w.Close();
        w.Close();
    }

    private static void WriteInputGradientSamples(IndentedWriter w, DenseSpec spec, int samples)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        string zero = spec.Element == ElementKind.Float64 ? "0d" : "0f";
        WriteColumns(w, spec, InputGradientTileVectors, (width, vectors) =>
        {
            string v = width.Vector;
            for (int s = 0; s < samples; s++)
            {
                for (int c = 0; c < vectors; c++)
                    w.Line($"{v}<{t}> a{s}_{c} = {v}<{t}>.Zero;");
            }
            w.Open($"for (int o = 0; o < {outputs}; o++)");
            w.Line($"int ws = o * {inputs} + i;");
            for (int c = 0; c < vectors; c++)
                w.Line($"{v}<{t}> w{c} = {v}.LoadUnsafe(ref wr, (nuint)(ws{Plus(c * width.Elements)}));");
            for (int s = 0; s < samples; s++)
            {
                w.Line($"{v}<{t}> g{s} = {v}.Create({Unsafe}.Add(ref dyr, {Offset("sample", s)} * {outputs} + o));");
                for (int c = 0; c < vectors; c++)
                    w.Line($"a{s}_{c} += g{s} * w{c};");
            }
            w.Close();
            for (int s = 0; s < samples; s++)
            {
                w.Line($"int d{s} = {Offset("sample", s)} * {inputs} + i;");
                for (int c = 0; c < vectors; c++)
                    w.Line($"{v}.StoreUnsafe(a{s}_{c}, ref dxr, (nuint)(d{s}{Plus(c * width.Elements)}));");
            }
        }, () =>
        {
            for (int s = 0; s < samples; s++)
                w.Line($"{t} a{s} = {zero};");
            w.Open($"for (int o = 0; o < {outputs}; o++)");
            w.Line($"{t} ws = weights[o * {inputs} + i];");
            for (int s = 0; s < samples; s++)
                w.Line($"a{s} = ({t})(a{s} + ({t})(outputGradient[{Offset("sample", s)} * {outputs} + o] * ws));");
            w.Close();
            for (int s = 0; s < samples; s++)
                w.Line($"inputGradient[{Offset("sample", s)} * {inputs} + i] = a{s};");
        });
    }

    /// <summary>
    /// Walks the columns <c>i</c> of a row: in tiles of <paramref name="tileVectors"/> vectors of the widest
    /// accelerated size, then single vectors of it, then one column at a time. Every column's result is the same
    /// whichever of these computes it, because each element is its own sum.
    /// </summary>
    private static void WriteColumns(IndentedWriter w, DenseSpec spec, int tileVectors, System.Action<Width, int> vectorTile, System.Action scalarColumn)
    {
        w.Line("int i = 0;");
        bool first = true;
        foreach (Width width in Width.All(spec))
        {
            if (spec.In < width.Elements)
                continue;
            w.Line($"{(first ? "if" : "else if")} ({width.Vector}.IsHardwareAccelerated)");
            w.Open("");
            int tile = tileVectors * width.Elements;
            if (spec.In >= tile)
            {
                w.Open($"for (; i <= {Number(spec.In - tile)}; i += {Number(tile)})");
                vectorTile(width, tileVectors);
                w.Close();
            }
            w.Open($"for (; i <= {Number(spec.In - width.Elements)}; i += {Number(width.Elements)})");
            vectorTile(width, 1);
            w.Close();
            w.Close();
            first = false;
        }
        w.Open($"for (; i < {Number(spec.In)}; i++)");
        scalarColumn();
        w.Close();
    }

    /// <summary><c>index + add</c> in parentheses when it is a sum, for use in a product.</summary>
    private static string Offset(string index, int add) => add == 0 ? index : $"({index} + {Number(add)})";

    /// <summary><c> + add</c>, or nothing for zero.</summary>
    private static string Plus(int add) => add == 0 ? "" : $" + {Number(add)}";

    /// <summary><paramref name="sum"/> plus the bias term; the sum alone for a bias-free layer.</summary>
    private static string PlusBias(DenseSpec spec, string sum, string bias) => spec.Bias ? sum + " + " + bias : sum;

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
