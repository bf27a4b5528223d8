using System;
using System.Globalization;
using DenseGen.Generator.Definitions;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>How much of a kernel is spelled out as straight-line code.</summary>
internal enum Unrolling
{
    /// <summary>Register tiles unrolled; rows and vector chunks walked by loops with constant trip counts.</summary>
    Loops = 0,

    /// <summary>Additionally every vector chunk of a row spelled out with constant offsets; rows still looped.</summary>
    Chunks = 1,

    /// <summary>Everything spelled out: every row, every chunk, every index a constant (only the batch stays a loop).</summary>
    Full = 2,
}

/// <summary>
/// Shared plumbing of the kernel emitters: writes lines, counts the arithmetic statements (the planner's measure
/// of code size), and spells a loop either as a <c>for</c> with a constant trip count or unrolled with constants.
/// </summary>
internal sealed class KernelWriter
{
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string VectorMath = GeneratedFile.CompilerServices + ".VectorMath";
    public const string MultiplyAdd = VectorMath + ".MultiplyAdd";
    private const string AggressiveOptimization =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    public KernelWriter(IndentedWriter writer, DenseSpec spec, bool skipLocalsInit = false)
    {
        Writer = writer;
        Spec = spec;
        T = spec.ElementKeyword;
        Attributes = MethodAttributes(skipLocalsInit);
    }

    /// <summary>
    /// The attributes of every generated method that does arithmetic: compiled fully optimized on its first
    /// call (no tiering), and with [SkipLocalsInit] where the project allows it.
    /// </summary>
    public static string MethodAttributes(bool skipLocalsInit) =>
        skipLocalsInit ? AggressiveOptimization + " [global::System.Runtime.CompilerServices.SkipLocalsInit]" : AggressiveOptimization;

    /// <summary>
    /// The kernels' modifiers: <c>private static</c> in a dense layer; <c>internal static</c> where another kind keeps them
    /// in a nested class of its own, one per matrix shape, and calls them from outside it.
    /// </summary>
    public string Modifiers { get; init; } = "private static";

    /// <summary>This writer's <see cref="MethodAttributes(bool)"/>.</summary>
    public string Attributes { get; }

    /// <summary>Writes the attributes of a kernel method: generated, excluded from coverage, then <see cref="Attributes"/>.</summary>
    public void WriteAttributes() => GeneratedFile.Method(Writer, Attributes);

    public IndentedWriter Writer { get; }

    public DenseSpec Spec { get; }

    /// <summary>The element type keyword.</summary>
    public string T { get; }

    /// <summary>Loads, stores and multiply-adds written so far: what the planner budgets.</summary>
    public int Statements { get; private set; }

    public void Line(string line) => Writer.Line(line);

    /// <summary>Writes a line that does arithmetic or memory traffic, and counts it.</summary>
    public void Op(string line)
    {
        Statements++;
        Writer.Line(line);
    }

    public void Open(string header) => Writer.Open(header);

    public void Close() => Writer.Close();

    /// <summary>
    /// Runs <paramref name="body"/> for offsets 0, step, 2·step, … (count of them): unrolled, each in its own
    /// block with the offset as a literal, or as one <c>for</c> loop over <paramref name="variable"/>.
    /// </summary>
    public void Repeat(int count, int step, string variable, string type, bool unroll, Action<string> body)
    {
        if (count <= 0)
            return;
        if (unroll || count == 1)
        {
            for (int k = 0; k < count; k++)
            {
                Writer.Open("");
                body(Number(k * step));
                Writer.Close();
            }
            return;
        }
        Writer.Open($"for ({type} {variable} = 0; {variable} < {Number(count * step)}; {variable} += {Number(step)})");
        body(variable);
        Writer.Close();
    }

    /// <summary>
    /// Covers <paramref name="total"/> items (rows or vector chunks, each <paramref name="itemStep"/> elements
    /// apart) in tiles of <paramref name="tileSize"/>: the full tiles through <see cref="Repeat"/>, then one
    /// smaller tile for the remainder, in its own block at its literal offset. <paramref name="body"/> gets the
    /// tile's offset expression and its size.
    /// </summary>
    public void Tiles(int total, int tileSize, int itemStep, string variable, string type, bool unroll, Action<string, int> body)
    {
        int tiles = total / tileSize, rest = total % tileSize;
        Repeat(tiles, tileSize * itemStep, variable, type, unroll, offset => body(offset, tileSize));
        if (rest > 0)
        {
            Writer.Open("");
            body(Number(tiles * tileSize * itemStep), rest);
            Writer.Close();
        }
    }

    /// <summary><c>(index + add) * scale</c>, folded to a literal when <paramref name="index"/> is one.</summary>
    public static string Scaled(string index, int add, int scale)
    {
        if (int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            return Number((value + add) * scale);
        string sum = add == 0 ? index : $"({index} + {Number(add)})";
        return scale == 1 ? (add == 0 ? index : $"{index} + {Number(add)}") : $"{sum} * {Number(scale)}";
    }

    /// <summary><c>index + add</c>, folded to a literal when <paramref name="index"/> is one.</summary>
    public static string Plus(string index, int add) => Scaled(index, add, 1);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public string Zero => Spec.Element == ElementKind.Float64 ? "0d" : "0f";

    /// <summary>
    /// Whether the full output's forward kernels apply the layer's activation as they store each output, saving a
    /// second pass over the output (the activation table's <see cref="ActivationRow.Full"/>: ReLU, a select per value).
    /// The other activations, and every activation in portable and deterministic output, run after the kernels.
    /// </summary>
    public static bool FusesActivation(DenseSpec spec) => spec.Activation.Row.Full.IsFused;

    /// <summary>The bias parameter of the forward kernels, <c>, ref float b</c>; none for a bias-free layer.</summary>
    public string BiasParameter => Spec.Bias ? $", ref {T} b" : "";

    /// <summary><paramref name="sum"/> plus the bias term <paramref name="bias"/>; the sum alone for a bias-free layer, which adds nothing (not even zero).</summary>
    public string PlusBias(string sum, string bias) => Spec.Bias ? sum + " + " + bias : sum;

    /// <summary>
    /// A forward output value (scalar or vector expression) with the fused activation applied, if any. Only the full
    /// output's vector and scalar kernels call it, which is why it reads the table's full-output column.
    /// </summary>
    public string Activated(string value) => Spec.Activation.Row.Full.Fuse(value);
}
