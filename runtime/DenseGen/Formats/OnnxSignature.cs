using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// A model's architecture as text, one line per graph input, initializer, node and graph output, without the names the
/// exporter chose: two exports of the same network with other weights have the same text. The generator embeds it in
/// an <c>[OnnxModel]</c> class, whose <c>LoadOnnx</c> accepts a file only when the file's text is the same, so that the
/// plan compiled from the first still computes the second.
/// </summary>
/// <remarks>
/// Values are named by position: <c>in0</c> is the first data input, <c>init3</c> the fourth initializer in the order
/// nodes first read them (its <see cref="Slots"/> index), <c>n5.0</c> the first output of the sixth node in the file's
/// order. The text holds every node's op, domain and attributes (a tensor attribute, a <c>Constant</c>'s value, by
/// value), the data type and dimensions of every initializer a node or output reads, the values of its integer ones
/// (shapes and axes, which the generator folds into the plan), and the declared types and shapes of the inputs and
/// outputs, symbolic dimensions as <c>?</c>. Float initializers are compared by shape only: they are the weights a
/// load replaces; where the compiled code uses one of their values as a constant, the load checks that value itself.
/// </remarks>
internal sealed class OnnxSignature
{
    private OnnxSignature(string text, List<OnnxTensor> slots)
    {
        Text = text;
        Slots = slots;
    }

    /// <summary>The architecture, one item per line, lines separated by <c>\n</c>.</summary>
    public string Text { get; }

    /// <summary>The initializers nodes and outputs read, in the order they are first read: <c>init{k}</c> is <c>Slots[k]</c>.</summary>
    public List<OnnxTensor> Slots { get; }

    /// <summary>Tensors of more elements than this are written as a hash of their values rather than the values.</summary>
    private const int MaxWrittenElements = 16;

    public static OnnxSignature Of(OnnxModel model)
    {
        if (model is null)
            throw new ArgumentNullException(nameof(model));
        var text = new StringBuilder();
        text.Append("opset ").Append(Number(model.OpsetVersion)).Append('\n');

        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        int inputs = 0;
        foreach (OnnxValueInfo input in model.Inputs)
        {
            if (model.Initializers.ContainsKey(input.Name) || references.ContainsKey(input.Name))
                continue;
            string reference = "in" + Number(inputs++);
            references.Add(input.Name, reference);
            text.Append(reference).Append(": ").Append(ValueType(input)).Append('\n');
        }
        for (int n = 0; n < model.Nodes.Count; n++)
        {
            for (int o = 0; o < model.Nodes[n].Outputs.Length; o++)
            {
                string output = model.Nodes[n].Outputs[o];
                if (output.Length > 0 && !references.ContainsKey(output) && !model.Initializers.ContainsKey(output))
                    references.Add(output, "n" + Number(n) + "." + Number(o));
            }
        }

        var slots = new List<OnnxTensor>();
        var slotOf = new Dictionary<string, string>(StringComparer.Ordinal);
        string Reference(string name)
        {
            if (name.Length == 0)
                return "-";
            if (references.TryGetValue(name, out string? value))
                return value;
            if (slotOf.TryGetValue(name, out string? slot))
                return slot;
            if (!model.Initializers.TryGetValue(name, out OnnxTensor? tensor))
                return "?";
            slot = "init" + Number(slots.Count);
            slots.Add(tensor);
            slotOf.Add(name, slot);
            text.Append(slot).Append(": ").Append(Tensor(tensor, withFloats: false)).Append('\n');
            return slot;
        }

        for (int n = 0; n < model.Nodes.Count; n++)
        {
            OnnxNode node = model.Nodes[n];
            string[] read = node.Inputs.Select(Reference).ToArray();
            text.Append('n').Append(Number(n)).Append(": ");
            if (node.Domain.Length > 0)
                text.Append(node.Domain).Append('.');
            text.Append(node.OpType).Append('(').Append(string.Join(", ", read)).Append(") -> ")
                .Append(string.Join(", ", node.Outputs.Select(o => o.Length == 0 ? "-" : "out")));
            foreach (OnnxAttribute attribute in node.Attributes.Values.OrderBy(a => a.Name, StringComparer.Ordinal))
                text.Append(' ').Append(attribute.Name).Append('=').Append(Attribute(attribute));
            text.Append('\n');
        }
        for (int o = 0; o < model.Outputs.Count; o++)
        {
            OnnxValueInfo output = model.Outputs[o];
            string reference = Reference(output.Name); // first: it may write the initializer's own line
            text.Append("out").Append(Number(o)).Append(" = ").Append(reference).Append(": ").Append(ValueType(output)).Append('\n');
        }
        return new OnnxSignature(text.ToString(), slots);
    }

    /// <summary>
    /// The first line where <paramref name="file"/> differs from <paramref name="compiled"/>, as a message names it, or
    /// null when the two are the same.
    /// </summary>
    public static string? FirstDifference(string compiled, string file)
    {
        if (string.Equals(compiled, file, StringComparison.Ordinal))
            return null;
        string[] expected = compiled.Split('\n'), found = file.Split('\n');
        for (int i = 0; ; i++)
        {
            string? e = i < expected.Length ? expected[i] : null, f = i < found.Length ? found[i] : null;
            if (string.Equals(e, f, StringComparison.Ordinal))
                continue;
            if (e is null || e.Length == 0)
                return $"it has more than the compiled model: '{Shorten(f!)}'";
            if (f is null || f.Length == 0)
                return $"it ends where the compiled model has '{Shorten(e)}'";
            return $"the compiled model has '{Shorten(e)}' where it has '{Shorten(f)}'";
        }
    }

    private static string Shorten(string line) => line.Length <= 200 ? line : line.Substring(0, 200) + "…";

    private static string ValueType(OnnxValueInfo value) =>
        "type " + Number(value.ElementType) + " " + (value.Shape is null ? "unknown" : "[" + string.Join(", ", value.Shape.Select(d => d.IsKnown ? Number(d.Value) : "?")) + "]");

    private static string Tensor(OnnxTensor tensor, bool withFloats)
    {
        string head = "type " + Number(tensor.DataType) + " [" + string.Join(", ", tensor.Dims.Select(Number)) + "]";
        if (tensor.Longs is { } longs)
        {
            byte[] bytes = new byte[8 * longs.Length];
            for (int i = 0; i < longs.Length; i++)
                Put(bytes, 8 * i, unchecked((ulong)longs[i]), 8);
            return head + " = " + Values(longs.Length, i => Number(longs[i]), bytes);
        }
        if (withFloats && tensor.Floats is { } floats)
        {
            byte[] bytes = new byte[4 * floats.Length];
            for (int i = 0; i < floats.Length; i++)
                Put(bytes, 4 * i, unchecked((uint)Bits(floats[i])), 4);
            return head + " = " + Values(floats.Length, i => Float(floats[i]), bytes);
        }
        return head;
    }

    /// <summary>A few values as they are, more as their count and the SHA-256 of their little-endian bytes.</summary>
    private static string Values(int count, Func<int, string> text, byte[] bytes)
    {
        if (count <= MaxWrittenElements)
            return "[" + string.Join(", ", Enumerable.Range(0, count).Select(text)) + "]";
        using var sha = System.Security.Cryptography.SHA256.Create();
        return Number(count) + " values, SHA-256 " + string.Concat(sha.ComputeHash(bytes).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Every field the reader keeps of an attribute, whatever its declared type (the readers take a <c>Constant</c>'s
    /// tensor and an op's ints by field), so that no value the compiled plan read can differ unseen.
    /// </summary>
    private static string Attribute(OnnxAttribute attribute)
    {
        var text = new StringBuilder("(type ").Append(Number(attribute.Type));
        if (Bits(attribute.F) != 0)
            text.Append(", f ").Append(Float(attribute.F));
        if (attribute.I != 0)
            text.Append(", i ").Append(Number(attribute.I));
        if (attribute.Ints.Length > 0)
            text.Append(", ints [").Append(string.Join(", ", attribute.Ints.Select(Number))).Append(']');
        if (attribute.Tensor is not null)
            text.Append(", tensor ").Append(Tensor(attribute.Tensor, withFloats: true));
        if (attribute.Floats.Length > 0)
            text.Append(", floats [").Append(string.Join(", ", attribute.Floats.Select(Float))).Append(']');
        // Strings as JSON writes them, so that a quote or separator inside one cannot make two lists read alike.
        if (attribute.S.Length > 0)
            text.Append(", s ").Append(Quote(attribute.S));
        if (attribute.Strings.Length > 0)
            text.Append(", strings [").Append(string.Join(", ", attribute.Strings.Select(Quote))).Append(']');
        return text.Append(')').ToString();
    }

    /// <summary>
    /// A float by its bits, in hex: the runtimes format floats differently (.NET Framework and Mono write π as
    /// <c>3.14159274</c>, .NET Core as <c>3.1415927</c>, and Mono <c>-0</c> as <c>0</c>), and the generator's text must be
    /// the one the runtime writes for the same file wherever each runs.
    /// </summary>
    private static string Float(float value) => "0x" + Bits(value).ToString("x8", CultureInfo.InvariantCulture);

    private static int Bits(float value) => OnnxFold.Bits(value);

    /// <summary>Writes <paramref name="size"/> bytes of <paramref name="value"/>, least significant first, on any machine.</summary>
    private static void Put(byte[] bytes, int at, ulong value, int size)
    {
        for (int b = 0; b < size; b++)
            bytes[at + b] = (byte)(value >> (8 * b));
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string value)
    {
        var json = new StringBuilder();
        JsonWriter.AppendString(json, value);
        return json.ToString();
    }
}
