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
            text.Append("out").Append(Number(o)).Append(" = ").Append(Reference(output.Name)).Append(": ").Append(ValueType(output)).Append('\n');
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
            return head + " = " + Values(longs.Length, i => Number(longs[i]), i => unchecked((ulong)longs[i]));
        if (withFloats && tensor.Floats is { } floats)
        {
            uint[] bits = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(floats.AsSpan()).ToArray();
            return head + " = " + Values(floats.Length, i => floats[i].ToString("R", CultureInfo.InvariantCulture), i => bits[i]);
        }
        return head;
    }

    /// <summary>A few values as they are, more as their count and a 64-bit FNV-1a hash of their bits.</summary>
    private static string Values(int count, Func<int, string> text, Func<int, ulong> bits)
    {
        if (count <= MaxWrittenElements)
            return "[" + string.Join(", ", Enumerable.Range(0, count).Select(text)) + "]";
        ulong hash = 14695981039346656037UL;
        for (int i = 0; i < count; i++)
        {
            ulong value = bits(i);
            for (int b = 0; b < 8; b++)
            {
                hash ^= (value >> (8 * b)) & 0xFF;
                hash *= 1099511628211UL;
            }
        }
        return Number(count) + " values, hash " + hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static string Attribute(OnnxAttribute attribute) => attribute.Type switch
    {
        OnnxAttribute.FloatType => attribute.F.ToString("R", CultureInfo.InvariantCulture),
        OnnxAttribute.IntType => Number(attribute.I),
        OnnxAttribute.IntsType => "[" + string.Join(", ", attribute.Ints.Select(Number)) + "]",
        OnnxAttribute.TensorType when attribute.Tensor is not null => Tensor(attribute.Tensor, withFloats: true),
        _ => "type " + Number(attribute.Type),
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
