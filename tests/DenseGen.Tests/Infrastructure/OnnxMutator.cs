using System;
using System.Collections.Generic;
using System.Linq;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// Makes mutants of a valid ONNX file for fuzzing the reader, deterministically from a seed. It splits the file into
/// a tree of protobuf fields along the path the reader follows (model → graph → node, initializer, input, output;
/// node → attribute → tensor), edits one place, and writes the tree back with every enclosing length fixed, so the
/// edit reaches the reader's checks; the byte-level kinds (flips, truncation, extension, a rewritten length) leave
/// the lengths inconsistent on purpose. Written independently of the runtime's reader, so the two cannot share a
/// mistake.
/// </summary>
internal static class OnnxMutator
{
    public static readonly string[] Kinds =
    [
        "flip", "truncate", "extend", "length", "number", "wire-type", "invalid-utf8", "duplicate", "missing", "deep-nesting", "float",
    ];

    private sealed class Field
    {
        public int Number;
        public int Wire;
        public ulong Varint;
        public byte[] Bytes = [];
        public List<Field>? Children;
    }

    // Which length-delimited fields hold messages the reader parses: (parent kind, field number) → child kind.
    private static readonly Dictionary<(string, int), string> Messages = new()
    {
        [("model", 7)] = "graph", [("model", 8)] = "opset",
        [("graph", 1)] = "node", [("graph", 5)] = "tensor", [("graph", 11)] = "value", [("graph", 12)] = "value",
        [("node", 5)] = "attribute", [("attribute", 5)] = "tensor",
    };

    // String fields by message kind, for the UTF-8 mutations.
    private static readonly Dictionary<string, int[]> Strings = new()
    {
        ["node"] = [1, 2, 3, 4, 7], ["tensor"] = [8], ["value"] = [1], ["attribute"] = [1], ["opset"] = [1],
    };

    private static readonly byte[][] BadUtf8 = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]];

    public static (byte[] Bytes, string Kind) Mutate(byte[] file, int index, int seed)
    {
        // Not HashCode.Combine, which .NET seeds afresh in every process: the same seed and index must give the same
        // mutant in every run, so that a failure can be replayed.
        var random = new Random(unchecked(seed * 1_000_003 + index * 7_919 + 17));
        string kind = Kinds[index % Kinds.Length];
        switch (kind)
        {
            case "flip":
            {
                byte[] copy = (byte[])file.Clone();
                for (int i = random.Next(1, 4); i > 0; i--)
                    copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
                return (copy, kind);
            }
            case "truncate":
                return (file[..random.Next(file.Length)], kind);
            case "extend":
            {
                var extra = new byte[random.Next(1, 33)];
                random.NextBytes(extra);
                return ([.. file, .. extra], kind);
            }
        }

        List<Field> model = Parse(file, 0, file.Length, "model");
        var all = new List<(Field Field, string Kind, List<Field> Parent)>();
        Collect(model, "model", all);
        switch (kind)
        {
            case "length":
            {
                // A length-delimited field's length rewritten, its payload left as it was: every length around it is now wrong.
                var delimited = all.Where(f => f.Field.Wire == 2).ToList();
                (Field target, _, _) = delimited[random.Next(delimited.Count)];
                ulong length = random.Next(3) switch
                {
                    0 => (ulong)random.Next(0, 64),
                    1 => (ulong)random.NextInt64(),
                    _ => (ulong)Math.Max(0, Encode(target).Length + random.Next(-8, 9)),
                };
                return (Write(model, lengthOverride: (target, length)), kind);
            }
            case "number":
            {
                var varints = all.Where(f => f.Field.Wire == 0).ToList();
                (Field target, _, _) = varints[random.Next(varints.Count)];
                ulong[] values = [0, 1, 2, 7, 11, 100, (ulong)int.MaxValue + 1, ulong.MaxValue, unchecked((ulong)-1L), unchecked((ulong)-7L), (ulong)random.NextInt64()];
                target.Varint = values[random.Next(values.Length)];
                return (Write(model), kind);
            }
            case "wire-type":
            {
                (Field target, _, _) = all[random.Next(all.Count)];
                target.Wire = new[] { 0, 1, 2, 3, 4, 5, 6, 7 }.Where(w => w != target.Wire).ElementAt(random.Next(7));
                return (Write(model), kind);
            }
            case "invalid-utf8":
            {
                var strings = all.Where(f => f.Field.Wire == 2 && f.Field.Children is null && Strings.TryGetValue(f.Kind, out int[]? numbers) && numbers.Contains(f.Field.Number)).ToList();
                (Field target, _, _) = strings[random.Next(strings.Count)];
                int at = random.Next(target.Bytes.Length + 1);
                target.Bytes = [.. target.Bytes[..at], .. BadUtf8[random.Next(BadUtf8.Length)], .. target.Bytes[at..]];
                return (Write(model), kind);
            }
            case "duplicate":
            {
                // A node, initializer, input, attribute or opset twice.
                var repeated = all.Where(f => f.Field.Children is not null && f.Kind != "model").ToList();
                (Field target, _, List<Field> parent) = repeated[random.Next(repeated.Count)];
                parent.Insert(random.Next(parent.Count + 1), Clone(target));
                return (Write(model), kind);
            }
            case "missing":
            {
                var removable = all.Where(f => f.Kind != "model" || f.Field.Number is 7 or 8).ToList();
                (Field target, _, List<Field> parent) = removable[random.Next(removable.Count)];
                parent.Remove(target);
                return (Write(model), kind);
            }
            case "deep-nesting":
            {
                // An unknown field nested hundreds or thousands deep, which the reader must skip without recursing.
                var messages = all.Where(f => f.Field.Children is not null).ToList();
                (Field target, _, _) = messages[random.Next(messages.Count)];
                int depth = random.Next(2) == 0 ? random.Next(2, 50) : random.Next(50, 3000);
                var nested = new Field { Number = 99, Wire = 2, Bytes = [] };
                for (int d = 0; d < depth; d++)
                    nested = new Field { Number = 99, Wire = 2, Children = [nested] };
                target.Children!.Insert(random.Next(target.Children.Count + 1), nested);
                return (Write(model), kind);
            }
            default: // float: a weight becomes NaN, an infinity or an extreme; such a file is valid and must load
            {
                var raw = all.Where(f => f.Kind == "tensor" && f.Field.Number == 9 && f.Field.Bytes.Length >= 4).ToList();
                if (raw.Count == 0)
                    goto case "number";
                (Field target, _, _) = raw[random.Next(raw.Count)];
                float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.Epsilon, -0f];
                BitConverter.GetBytes(specials[random.Next(specials.Length)]).CopyTo(target.Bytes, 4 * random.Next(target.Bytes.Length / 4));
                return (Write(model), kind);
            }
        }
    }

    private static List<Field> Parse(byte[] bytes, int start, int end, string kind)
    {
        var fields = new List<Field>();
        int at = start;
        while (at < end)
        {
            ulong key = ReadVarint(bytes, ref at);
            var field = new Field { Number = (int)(key >> 3), Wire = (int)(key & 7) };
            switch (field.Wire)
            {
                case 0: field.Varint = ReadVarint(bytes, ref at); break;
                case 1: field.Bytes = bytes[at..(at + 8)]; at += 8; break;
                case 5: field.Bytes = bytes[at..(at + 4)]; at += 4; break;
                case 2:
                    int length = (int)ReadVarint(bytes, ref at);
                    if (Messages.TryGetValue((kind, field.Number), out string? child))
                        field.Children = Parse(bytes, at, at + length, child);
                    else
                        field.Bytes = bytes[at..(at + length)];
                    at += length;
                    break;
                default: throw new InvalidOperationException("the seed file is not valid protobuf");
            }
            fields.Add(field);
        }
        return fields;
    }

    private static void Collect(List<Field> fields, string kind, List<(Field, string, List<Field>)> all)
    {
        foreach (Field field in fields)
        {
            all.Add((field, kind, fields));
            if (field.Children is not null)
                Collect(field.Children, Messages[(kind, field.Number)], all);
        }
    }

    private static Field Clone(Field field) => new()
    {
        Number = field.Number,
        Wire = field.Wire,
        Varint = field.Varint,
        Bytes = (byte[])field.Bytes.Clone(),
        Children = field.Children?.Select(Clone).ToList(),
    };

    private static byte[] Encode(Field field) => field.Children is null ? field.Bytes : Write(field.Children);

    private static byte[] Write(List<Field> fields, (Field Field, ulong Length)? lengthOverride = null)
    {
        var output = new List<byte>();
        foreach (Field field in fields)
        {
            WriteVarint(output, ((ulong)field.Number << 3) | (uint)field.Wire);
            if (field.Wire == 0)
            {
                WriteVarint(output, field.Varint);
                continue;
            }
            byte[] payload = field.Children is null ? field.Bytes : Write(field.Children, lengthOverride);
            if (field.Wire == 2 || field.Children is not null)
                WriteVarint(output, lengthOverride is { } o && ReferenceEquals(o.Field, field) ? o.Length : (ulong)payload.Length);
            output.AddRange(payload);
        }
        return [.. output];
    }

    private static ulong ReadVarint(byte[] bytes, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }
        output.Add((byte)value);
    }
}
