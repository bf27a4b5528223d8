using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using DenseGen.Formats;

namespace DenseGen.CompilerServices;

/// <summary>
/// How an <c>[OnnxModel]</c> class takes its values from a file: the architecture it was compiled from (an
/// <c>OnnxSignature</c>), and for every array the compiled code reads (a layer's tensor, a constant operand, a fill),
/// where each of its elements comes from in the file: an initializer's element, or a value folded from initializers as
/// the generator folded it. Values the compiled code holds as constants (a clamp's bounds, a constant output) are
/// pinned: a file must have the same. Written by the generator; like everything in <c>DenseGen.CompilerServices</c>,
/// not part of the supported API.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxModelRecipe
{
    /// <summary>Creates a recipe; each array holds fixed-size records, as the fields below describe.</summary>
    /// <param name="signature">The architecture's text.</param>
    /// <param name="expressions">Per folded value: op, A, B (see <c>OnnxFold</c>); A and B are earlier expressions, or for an element the slot and index.</param>
    /// <param name="constants">Per folded value: X, Y (a literal's value, a clamp's bounds).</param>
    /// <param name="targets">Per target array: its length, its number of runs, and 1 when every value must be positive and finite (a standard deviation), else 0.</param>
    /// <param name="runs">Per run, target by target: first element, rows, columns, source (a slot, or -1 for the folded values), first source index, source step per row, source step per column.</param>
    /// <param name="pins">Per pinned value: source (a slot, or -1 for the folded values) and index.</param>
    /// <param name="pinned">Per pinned value, the value the compiled code holds.</param>
    /// <param name="descriptions">How messages name each target, then each pinned value.</param>
    public OnnxModelRecipe(string signature, int[] expressions, float[] constants, int[] targets, int[] runs, int[] pins, float[] pinned, string[] descriptions)
    {
        Signature = signature ?? throw new ArgumentNullException(nameof(signature));
        Expressions = expressions ?? throw new ArgumentNullException(nameof(expressions));
        Constants = constants ?? throw new ArgumentNullException(nameof(constants));
        Targets = targets ?? throw new ArgumentNullException(nameof(targets));
        Runs = runs ?? throw new ArgumentNullException(nameof(runs));
        Pins = pins ?? throw new ArgumentNullException(nameof(pins));
        Pinned = pinned ?? throw new ArgumentNullException(nameof(pinned));
        Descriptions = descriptions ?? throw new ArgumentNullException(nameof(descriptions));
    }

    internal string Signature { get; }

    internal int[] Expressions { get; }

    internal float[] Constants { get; }

    internal int[] Targets { get; }

    internal int[] Runs { get; }

    internal int[] Pins { get; }

    internal float[] Pinned { get; }

    internal string[] Descriptions { get; }

    internal int TargetCount => Targets.Length / 3;
}

/// <summary>
/// Reads an ONNX file into the arrays of an <c>[OnnxModel]</c> class (its <c>LoadOnnx</c>): the file must have the
/// architecture the class was compiled from, and every value is checked before the arrays are returned, so the class
/// copies them only when all is well. Called by generated code; not part of the supported API.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OnnxModelFile
{
    /// <summary>Reads <paramref name="path"/>; see <see cref="Parse"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a model of the compiled architecture, or a value is refused; the message says which.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static float[][] Read(string path, OnnxModelRecipe recipe)
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        return Parse(File.ReadAllBytes(path), Path.GetFileName(path), recipe);
    }

    /// <summary>Reads a whole stream; see <see cref="Parse"/>.</summary>
    /// <exception cref="InvalidDataException">The model is not of the compiled architecture, or a value is refused; the message says which.</exception>
    /// <exception cref="IOException">The stream could not be read.</exception>
    public static float[][] Read(Stream stream, OnnxModelRecipe recipe)
    {
        Argument.NotNull(stream, nameof(stream));
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), "the ONNX stream", recipe);
    }

    /// <summary>
    /// The arrays of the class, in the recipe's order, from a model's bytes: refused unless the model has the
    /// compiled architecture, holds every pinned value, and gives every standard deviation a positive finite value.
    /// </summary>
    /// <exception cref="InvalidDataException">The model is not of the compiled architecture, or a value is refused; the message starts with <paramref name="source"/> and says which.</exception>
    public static float[][] Parse(byte[] bytes, string source, OnnxModelRecipe recipe)
    {
        Argument.NotNull(bytes, nameof(bytes));
        Argument.NotNull(source, nameof(source));
        Argument.NotNull(recipe, nameof(recipe));
        OnnxModel model = OnnxModel.Parse(bytes, source, safetensorsAdvice: "this LoadOnnx reads ONNX files only");
        OnnxSignature signature = OnnxSignature.Of(model);
        if (OnnxSignature.FirstDifference(recipe.Signature, signature.Text) is { } difference)
            throw Invalid(source, $"the model is not the architecture this class was compiled from ({difference}); a class compiled from one export loads the weights of another of the same network, and a different network needs the class recompiled from it");

        float[][] slots = new float[signature.Slots.Count][];
        for (int s = 0; s < slots.Length; s++)
            slots[s] = signature.Slots[s].Floats ?? [];
        float[] folded = Fold(recipe, slots, source);

        for (int p = 0; p < recipe.Pinned.Length; p++)
        {
            float value = Read(slots, folded, recipe.Pins[2 * p], recipe.Pins[2 * p + 1], source);
            float compiled = recipe.Pinned[p];
            if (Bits(value) != Bits(compiled) && !(float.IsNaN(value) && float.IsNaN(compiled)))
            {
                throw Invalid(source, $"{recipe.Descriptions[recipe.TargetCount + p]} is {Text(value)}, but the compiled class holds {Text(compiled)} there as a constant of its code; recompile the class from this model to change it");
            }
        }

        var arrays = new float[recipe.TargetCount][];
        int run = 0;
        for (int t = 0; t < arrays.Length; t++)
        {
            var array = new float[recipe.Targets[3 * t]];
            int runs = recipe.Targets[3 * t + 1];
            for (int r = 0; r < runs; r++, run++)
                Copy(recipe.Runs, 7 * run, slots, folded, array, source);
            if (recipe.Targets[3 * t + 2] == 1)
            {
                for (int i = 0; i < array.Length; i++)
                {
                    if (!(array[i] > 0) || float.IsInfinity(array[i]))
                        throw Invalid(source, $"{recipe.Descriptions[t]} has {Text(array[i])} at element {i}; the class divides by it, so every one must be positive and finite, as they were in the model it was compiled from");
                }
            }
            arrays[t] = array;
        }
        return arrays;
    }

    /// <summary>Every folded value, in order: each expression reads only earlier ones.</summary>
    private static float[] Fold(OnnxModelRecipe recipe, float[][] slots, string source)
    {
        int count = recipe.Expressions.Length / 3;
        var values = new float[count];
        for (int e = 0; e < count; e++)
        {
            int op = recipe.Expressions[3 * e], a = recipe.Expressions[3 * e + 1], b = recipe.Expressions[3 * e + 2];
            values[e] = op switch
            {
                OnnxFold.Element => Read(slots, values, a, b, source),
                OnnxFold.Literal => recipe.Constants[2 * e],
                _ when OnnxFold.IsUnary(op) => OnnxFold.Unary(op, Earlier(values, a, e), recipe.Constants[2 * e], recipe.Constants[2 * e + 1]),
                _ => OnnxFold.Binary(op, Earlier(values, a, e), Earlier(values, b, e)),
            };
        }
        return values;
    }

    private static float Earlier(float[] values, int index, int current) =>
        index >= 0 && index < current ? values[index] : throw new InvalidOperationException("The class's recipe reads a folded value before it is computed; this is a bug in DenseGen.");

    private static float Read(float[][] slots, float[] folded, int source, int index, string file)
    {
        float[] values = source < 0 ? folded : source < slots.Length ? slots[source] : [];
        // The signature fixes every initializer's type and shape, so only a bug could read past one.
        if (index < 0 || index >= values.Length)
            throw new InvalidOperationException($"{file}: the class's recipe reads past initializer {source}; this is a bug in DenseGen.");
        return values[index];
    }

    /// <summary>
    /// One run: <c>target[first + r·columns + c] = source[start + r·rowStep + c·columnStep]</c>. Bounds are checked
    /// once, at the run's corners: every index is linear in <c>r</c> and <c>c</c>, so its extremes are there.
    /// </summary>
    private static void Copy(int[] runs, int at, float[][] slots, float[] folded, float[] target, string file)
    {
        int first = runs[at], rows = runs[at + 1], columns = runs[at + 2], source = runs[at + 3];
        int start = runs[at + 4], rowStep = runs[at + 5], columnStep = runs[at + 6];
        float[] values = source < 0 ? folded : source < slots.Length ? slots[source] : [];
        long lastRow = (long)(rows - 1) * rowStep, lastColumn = (long)(columns - 1) * columnStep;
        long low = start + Math.Min(0, lastRow) + Math.Min(0, lastColumn), high = start + Math.Max(0, lastRow) + Math.Max(0, lastColumn);
        if (rows < 1 || columns < 1 || first < 0 || first + (long)rows * columns > target.Length || low < 0 || high >= values.Length)
            throw new InvalidOperationException($"{file}: the class's recipe copies past an array; this is a bug in DenseGen.");
        for (int r = 0; r < rows; r++)
        {
            int to = first + r * columns, from = start + r * rowStep;
            for (int c = 0; c < columns; c++)
                target[to + c] = values[from + c * columnStep];
        }
    }

    private static int Bits(float value) => OnnxFold.Bits(value);

    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static InvalidDataException Invalid(string source, string message) => new($"{source}: {message}.");
}
