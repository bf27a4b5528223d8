using System.Globalization;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Emit;

/// <summary>
/// The kernels of portable output, for targets without .NET 8's hardware intrinsics (.NET Standard 2.x, Unity,
/// .NET Framework) or without C# 12: span-indexed loops with the layer's sizes as constants, over
/// <c>System.Numerics.Vector&lt;T&gt;</c> where the host accelerates it. Vector&lt;T&gt;'s width is only known at
/// run time, so these loops cannot be unrolled at generation time; each row is walked as whole vectors, then
/// element by element for the rest. Only safe code: IL2CPP and Mono run it as they find it.
/// </summary>
internal static class PortableKernels
{
    public const string ForwardName = "__DenseForwardPortable";
    public const string BackwardName = "__DenseBackwardPortable";
    public const string InputGradientName = "__DenseInputGradientPortable";

    private const string Span = "global::System.Span";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Cast = "global::System.Runtime.InteropServices.MemoryMarshal.Cast";

    /// <param name="w">Where to write, inside the layer's type.</param>
    /// <param name="spec">The layer.</param>
    /// <param name="hasVectorT">Whether the target has <c>Vector&lt;T&gt;</c>; without it every loop is scalar.</param>
    public static void Write(IndentedWriter w, LayerSpec spec, bool hasVectorT)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        string vector = $"global::System.Numerics.Vector<{t}>";
        string zero = spec.Element == ElementKind.Float64 ? "0d" : "0f";
        w.Line();

        w.Line("// Portable kernels: each row of W as whole Vector<T>s, then element by element.");
        GeneratedFile.Member(w);
        w.Open($"private static void {ForwardName}({ReadOnlySpan}<{t}> input, {Span}<{t}> output, {ReadOnlySpan}<{t}> weights, {ReadOnlySpan}<{t}> bias, int samples)");
        WriteVectorEnd(w, inputs, vector, hasVectorT);
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"{ReadOnlySpan}<{t}> x = input.Slice(sample * {inputs}, {inputs});");
        w.Line($"{Span}<{t}> y = output.Slice(sample * {outputs}, {outputs});");
        if (hasVectorT)
            w.Line($"{ReadOnlySpan}<{vector}> xVectors = {Cast}<{t}, {vector}>(x.Slice(0, vectorEnd));");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"{ReadOnlySpan}<{t}> row = weights.Slice(o * {inputs}, {inputs});");
        if (hasVectorT)
        {
            w.Line($"{ReadOnlySpan}<{vector}> rowVectors = {Cast}<{t}, {vector}>(row.Slice(0, vectorEnd));");
            w.Line($"{vector} products = {vector}.Zero;");
            w.Line("for (int v = 0; v < rowVectors.Length; v++)");
            w.Line("    products += rowVectors[v] * xVectors[v];");
            w.Line($"{t} sum = global::System.Numerics.Vector.Dot(products, {vector}.One);");
        }
        else
        {
            w.Line($"{t} sum = {zero};");
        }
        w.Line($"for (int i = vectorEnd; i < {inputs}; i++)");
        w.Line("    sum += row[i] * x[i];");
        w.Line("y[o] = sum + bias[o];");
        w.Close();
        w.Close();
        w.Close();
        w.Line();

        // A frozen layer has no gradients: its kernel is the dX part alone, and its inputGradient is never empty.
        bool trainable = spec.Trainable;
        if (trainable)
        {
            w.Line("// db += Σ dY; dW += dYᵀ X; dX = dY W unless inputGradient is empty. Rows of W and dW are walked in order.");
            GeneratedFile.Member(w);
            w.Open($"private static void {BackwardName}({ReadOnlySpan}<{t}> input, {ReadOnlySpan}<{t}> outputGradient, {ReadOnlySpan}<{t}> weights, {Span}<{t}> weightGradients, {Span}<{t}> biasGradients, {Span}<{t}> inputGradient, int samples)");
        }
        else
        {
            w.Line("// dX = dY W, for a frozen layer: rows of W are walked in order.");
            GeneratedFile.Member(w);
            w.Open($"private static void {InputGradientName}({ReadOnlySpan}<{t}> outputGradient, {ReadOnlySpan}<{t}> weights, {Span}<{t}> inputGradient, int samples)");
        }
        WriteVectorEnd(w, inputs, vector, hasVectorT);
        w.Open("for (int sample = 0; sample < samples; sample++)");
        if (trainable)
            w.Line($"{ReadOnlySpan}<{t}> x = input.Slice(sample * {inputs}, {inputs});");
        w.Line($"{ReadOnlySpan}<{t}> dy = outputGradient.Slice(sample * {outputs}, {outputs});");
        w.Line(trainable
            ? $"{Span}<{t}> dx = inputGradient.IsEmpty ? default : inputGradient.Slice(sample * {inputs}, {inputs});"
            : $"{Span}<{t}> dx = inputGradient.Slice(sample * {inputs}, {inputs});");
        w.Line("dx.Clear();");
        if (hasVectorT)
        {
            if (trainable)
                w.Line($"{ReadOnlySpan}<{vector}> xVectors = {Cast}<{t}, {vector}>(x.Slice(0, vectorEnd));");
            w.Line($"{Span}<{vector}> dxVectors = {Cast}<{t}, {vector}>({(trainable ? "dx.IsEmpty ? dx : dx.Slice(0, vectorEnd)" : "dx.Slice(0, vectorEnd)")});");
        }
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"{t} g = dy[o];");
        if (trainable)
        {
            w.Line("biasGradients[o] += g;");
            w.Line($"{Span}<{t}> gradientRow = weightGradients.Slice(o * {inputs}, {inputs});");
        }
        w.Line($"{ReadOnlySpan}<{t}> row = weights.Slice(o * {inputs}, {inputs});");
        if (hasVectorT)
            w.Line($"var gs = new {vector}(g);");
        if (trainable)
        {
            if (hasVectorT)
            {
                w.Line($"{Span}<{vector}> gradientVectors = {Cast}<{t}, {vector}>(gradientRow.Slice(0, vectorEnd));");
                w.Line("for (int v = 0; v < gradientVectors.Length; v++)");
                w.Line("    gradientVectors[v] += gs * xVectors[v];");
            }
            w.Line($"for (int i = vectorEnd; i < {inputs}; i++)");
            w.Line("    gradientRow[i] += g * x[i];");
            w.Open("if (!dx.IsEmpty)");
        }
        if (hasVectorT)
        {
            w.Line($"{ReadOnlySpan}<{vector}> rowVectors = {Cast}<{t}, {vector}>(row.Slice(0, vectorEnd));");
            w.Line("for (int v = 0; v < dxVectors.Length; v++)");
            w.Line("    dxVectors[v] += gs * rowVectors[v];");
        }
        w.Line($"for (int i = vectorEnd; i < {inputs}; i++)");
        w.Line("    dx[i] += g * row[i];");
        if (trainable)
            w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>The number of partial sums of a deterministic forward's dot products: a <c>Vector512</c> of floats.</summary>
    public const int DeterministicLanes = 16;

    /// <summary>
    /// The kernels of a deterministic layer (<c>Deterministic = true</c>), the same in full and portable output and on
    /// every machine. Each dot product of the forward pass is summed in <see cref="DeterministicLanes"/> partial sums
    /// (input <c>i</c> goes to sum <c>i mod 16</c>, in order), which are then added in a fixed tree, halving:
    /// sum <c>j</c> plus sum <c>j + 8</c>, then <c>j + 4</c>, <c>j + 2</c>, <c>j + 1</c>; a vector kernel of any width
    /// can reproduce that order exactly. The backward pass adds, for every gradient element, the samples or rows in
    /// order. Every product and sum is rounded to the element type by an explicit cast, so a runtime that keeps
    /// intermediates wider (Mono keeps floats in double) rounds them all the same, and nothing is fused.
    /// </summary>
    /// <param name="w">Where to write, inside the layer's type.</param>
    /// <param name="spec">The layer.</param>
    /// <param name="vectorized">
    /// Full output: the partial sums and the gradient rows run in <c>Vector512</c>, <c>Vector256</c> or <c>Vector128</c>
    /// registers, whichever the processor accelerates, each lane doing exactly what the element-by-element loop does
    /// for its elements (a multiply, then an add, rounded each), so every width gives the same bits.
    /// </param>
    public static void WriteDeterministic(IndentedWriter w, LayerSpec spec, bool vectorized)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        w.Line();
        w.Line($"// Deterministic kernels: one fixed order of every sum, on every machine (see DenseAttribute.Deterministic).");
        GeneratedFile.Member(w);
        w.Open($"private static void {ForwardName}({ReadOnlySpan}<{t}> input, {Span}<{t}> output, {ReadOnlySpan}<{t}> weights, {ReadOnlySpan}<{t}> bias, int samples)");
        w.Line($"{Span}<{t}> lanes = stackalloc {t}[{Number(DeterministicLanes)}];");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"{ReadOnlySpan}<{t}> x = input.Slice(sample * {inputs}, {inputs});");
        w.Line("int o = 0;");
        bool tiled = vectorized && spec.In >= DeterministicLanes && spec.Out >= TileRows;
        if (tiled)
            WriteRowTiles(w, spec);
        w.Open($"for (; o < {outputs}; o++)");
        w.Line($"{ReadOnlySpan}<{t}> row = weights.Slice(o * {inputs}, {inputs});");
        w.Line("int i = 0;");
        if (vectorized && spec.In >= DeterministicLanes)
            WriteVectorLanes(w, spec);
        else
            w.Line("lanes.Clear();");
        WriteLaneTailAndSum(w, spec, "row", "o");
        w.Close();
        w.Close();
        w.Close();
        w.Line();

        bool trainable = spec.Trainable;
        if (trainable)
        {
            w.Line("// db += Σ dY, dW += dYᵀ X, sample by sample; dX = dY W, row by row, unless inputGradient is empty.");
            GeneratedFile.Member(w);
            w.Open($"private static void {BackwardName}({ReadOnlySpan}<{t}> input, {ReadOnlySpan}<{t}> outputGradient, {ReadOnlySpan}<{t}> weights, {Span}<{t}> weightGradients, {Span}<{t}> biasGradients, {Span}<{t}> inputGradient, int samples)");
        }
        else
        {
            w.Line("// dX = dY W, row by row, for a frozen layer.");
            GeneratedFile.Member(w);
            w.Open($"private static void {InputGradientName}({ReadOnlySpan}<{t}> outputGradient, {ReadOnlySpan}<{t}> weights, {Span}<{t}> inputGradient, int samples)");
        }
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
            w.Line($"biasGradients[o] = ({t})(biasGradients[o] + g);");
            w.Line($"{Span}<{t}> gradientRow = weightGradients.Slice(o * {inputs}, {inputs});");
            WriteAxpy(w, spec, vectorized, "gradientRow", "x");
            w.Line("if (dx.IsEmpty)");
            w.Line("    continue;");
        }
        WriteAxpy(w, spec, vectorized, "dx", "row");
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>Rows of <c>W</c> a forward tile runs together: independent chains of adds, and each vector of <c>x</c> loaded once for all of them.</summary>
    private const int TileRows = 4;

    /// <summary>
    /// Adds the rest of a row (<c>i</c> from where the vectors stopped) into <c>lanes</c>, sums the lanes in the fixed
    /// tree and writes output <paramref name="output"/> with its bias.
    /// </summary>
    private static void WriteLaneTailAndSum(IndentedWriter w, LayerSpec spec, string row, string output)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out), mask = Number(DeterministicLanes - 1);
        w.Line($"for (; i < {inputs}; i++)");
        w.Line($"    lanes[i & {mask}] = ({t})(lanes[i & {mask}] + ({t})({row}[i] * x[i]));");
        w.Line($"for (int half = {Number(DeterministicLanes / 2)}; half > 0; half >>= 1)");
        w.Open("");
        w.Line("for (int j = 0; j < half; j++)");
        w.Line($"    lanes[j] = ({t})(lanes[j] + lanes[j + half]);");
        w.Close();
        w.Line($"output[sample * {outputs} + {output}] = ({t})(lanes[0] + bias[{output}]);");
    }

    /// <summary>
    /// The forward's tiles of <see cref="TileRows"/> rows: each row's partial sums in accumulators of its own, in the
    /// same lanes and order as one row alone, so the bits are those of the row loop; the rows that do not fill a tile
    /// go through that loop.
    /// </summary>
    private static void WriteRowTiles(IndentedWriter w, LayerSpec spec)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        int lastWhole = spec.In - spec.In % DeterministicLanes;
        bool first = true;
        foreach (int bytes in new[] { 64, 32, 16 })
        {
            string vector = $"global::System.Runtime.Intrinsics.Vector{bytes * 8}";
            int width = bytes / spec.ElementSize, count = DeterministicLanes / width;
            w.Line($"{(first ? "if" : "else if")} ({vector}.IsHardwareAccelerated)");
            w.Open("");
            w.Open($"for (; o <= {outputs} - {Number(TileRows)}; o += {Number(TileRows)})");
            w.Line($"ref {t} xr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(x);");
            for (int r = 0; r < TileRows; r++)
                w.Line($"ref {t} w{r} = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(weights.Slice((o + {Number(r)}) * {inputs}, {inputs}));");
            for (int r = 0; r < TileRows; r++)
            {
                for (int k = 0; k < count; k++)
                    w.Line($"{vector}<{t}> a{r}_{k} = {vector}<{t}>.Zero;");
            }
            w.Open($"for (int v = 0; v < {Number(lastWhole)}; v += {Number(DeterministicLanes)})");
            for (int k = 0; k < count; k++)
            {
                string at = k == 0 ? "(nuint)v" : $"(nuint)(v + {Number(k * width)})";
                w.Line($"{vector}<{t}> x{k} = {vector}.LoadUnsafe(ref xr, {at});");
                for (int r = 0; r < TileRows; r++)
                    w.Line($"a{r}_{k} += {vector}.LoadUnsafe(ref w{r}, {at}) * x{k};");
            }
            w.Close();
            for (int r = 0; r < TileRows; r++)
            {
                w.Open("");
                w.Line($"ref {t} lr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(lanes);");
                for (int k = 0; k < count; k++)
                    w.Line($"{vector}.StoreUnsafe(a{r}_{k}, ref lr, {Number(k * width)});");
                w.Line($"int i = {Number(lastWhole)};");
                w.Line($"{ReadOnlySpan}<{t}> row = weights.Slice((o + {Number(r)}) * {inputs}, {inputs});");
                WriteLaneTailAndSum(w, spec, "row", $"o + {Number(r)}");
                w.Close();
            }
            w.Close();
            w.Close();
            first = false;
        }
    }

    /// <summary>
    /// The whole vectors of one row's 16 partial sums: <c>16 / width</c> accumulators of the widest accelerated vector
    /// size, lane <c>j</c> of accumulator <c>k</c> being partial sum <c>k · width + j</c>, stored to <c>lanes</c>
    /// before the element-by-element loop adds the rest of the row.
    /// </summary>
    private static void WriteVectorLanes(IndentedWriter w, LayerSpec spec)
    {
        string t = spec.ElementKeyword;
        int lastWhole = spec.In - spec.In % DeterministicLanes;
        w.Line($"ref {t} wr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(row);");
        w.Line($"ref {t} xr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(x);");
        w.Line($"ref {t} lr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(lanes);");
        bool first = true;
        foreach (int bytes in new[] { 64, 32, 16 })
        {
            string vector = $"global::System.Runtime.Intrinsics.Vector{bytes * 8}";
            int width = bytes / spec.ElementSize, count = DeterministicLanes / width;
            w.Line($"{(first ? "if" : "else if")} ({vector}.IsHardwareAccelerated)");
            w.Open("");
            for (int k = 0; k < count; k++)
                w.Line($"{vector}<{t}> a{k} = {vector}<{t}>.Zero;");
            w.Open($"for (; i < {Number(lastWhole)}; i += {Number(DeterministicLanes)})");
            for (int k = 0; k < count; k++)
            {
                string at = k == 0 ? "(nuint)i" : $"(nuint)(i + {Number(k * width)})";
                w.Line($"a{k} += {vector}.LoadUnsafe(ref wr, {at}) * {vector}.LoadUnsafe(ref xr, {at});");
            }
            w.Close();
            for (int k = 0; k < count; k++)
                w.Line($"{vector}.StoreUnsafe(a{k}, ref lr, {Number(k * width)});");
            w.Close();
            first = false;
        }
        w.Line("else");
        w.Line("    lanes.Clear();");
    }

    /// <summary><c>target[i] += g · source[i]</c> along a row, each element a multiply then an add: whole vectors first (full output), then the rest.</summary>
    private static void WriteAxpy(IndentedWriter w, LayerSpec spec, bool vectorized, string target, string source)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In);
        if (!vectorized)
        {
            w.Line($"for (int i = 0; i < {inputs}; i++)");
            w.Line($"    {target}[i] = ({t})({target}[i] + ({t})(g * {source}[i]));");
            return;
        }
        w.Open("");
        w.Line("int i = 0;");
        w.Line($"ref {t} tr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference({target});");
        w.Line($"ref {t} sr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference({source});");
        bool first = true;
        foreach (int bytes in new[] { 64, 32, 16 })
        {
            string vector = $"global::System.Runtime.Intrinsics.Vector{bytes * 8}";
            int width = bytes / spec.ElementSize;
            if (spec.In < width)
                continue;
            w.Line($"{(first ? "if" : "else if")} ({vector}.IsHardwareAccelerated)");
            w.Open("");
            w.Line($"var gs = {vector}.Create(g);");
            w.Line($"for (; i <= {inputs} - {Number(width)}; i += {Number(width)})");
            w.Line($"    {vector}.StoreUnsafe({vector}.LoadUnsafe(ref tr, (nuint)i) + gs * {vector}.LoadUnsafe(ref sr, (nuint)i), ref tr, (nuint)i);");
            w.Close();
            first = false;
        }
        w.Line($"for (; i < {inputs}; i++)");
        w.Line($"    {target}[i] = ({t})({target}[i] + ({t})(g * {source}[i]));");
        w.Close();
    }

    /// <summary>
    /// Declares <c>vectorEnd</c>, where each row's whole vectors end: zero when Vector&lt;T&gt; is not accelerated
    /// (Mono and IL2CPP run it as plain structs, slower than scalar code) or absent.
    /// </summary>
    private static void WriteVectorEnd(IndentedWriter w, string inputs, string vector, bool hasVectorT)
    {
        if (hasVectorT)
            w.Line($"int vectorEnd = global::System.Numerics.Vector.IsHardwareAccelerated ? {inputs} - {inputs} % {vector}.Count : 0;");
        else
            w.Line("const int vectorEnd = 0;");
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
