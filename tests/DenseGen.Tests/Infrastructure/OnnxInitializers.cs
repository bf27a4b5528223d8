using System;
using System.Collections.Generic;
using System.Text;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// Rewrites the values of an ONNX file's float32 initializers in place (the same bytes, so every length in the file
/// stays valid): another export of the same network, as a newer training run writes it. Walks onnx.proto's
/// ModelProto → graph → initializer itself, independently of the runtime's reader.
/// </summary>
internal static class OnnxInitializers
{
    /// <summary>A float32 initializer as the file stores it: its name, whether a graph output names it, and its values.</summary>
    public sealed record Initializer(string Name, bool IsOutput, float[] Values);

    /// <summary>
    /// The file with each float32 initializer's values replaced by what <paramref name="change"/> returns (null leaves
    /// them); the replacement must have as many values.
    /// </summary>
    public static byte[] Rewrite(byte[] model, Func<Initializer, float[]?> change)
    {
        byte[] copy = (byte[])model.Clone();
        (int graphStart, int graphEnd) = Field(copy, 0, copy.Length, 7) ?? throw new ArgumentException("the model has no graph");
        var outputs = new HashSet<string>(StringComparer.Ordinal);
        foreach ((int start, int end) in Fields(copy, graphStart, graphEnd, 12))
        {
            if (Field(copy, start, end, 1) is { } name)
                outputs.Add(Encoding.UTF8.GetString(copy, name.Start, name.End - name.Start));
        }
        foreach ((int start, int end) in Fields(copy, graphStart, graphEnd, 5))
        {
            if (Varint(copy, start, end, 2) != 1)
                continue; // not float32
            string name = Field(copy, start, end, 8) is { } n ? Encoding.UTF8.GetString(copy, n.Start, n.End - n.Start) : "";
            (int Start, int End)? data = Field(copy, start, end, 9) ?? Field(copy, start, end, 4);
            if (data is not { } payload)
                continue;
            var values = new float[(payload.End - payload.Start) / 4];
            for (int i = 0; i < values.Length; i++)
                values[i] = BitConverter.ToSingle(copy, payload.Start + 4 * i);
            if (change(new Initializer(name, outputs.Contains(name), values)) is not { } replaced)
                continue;
            if (replaced.Length != values.Length)
                throw new ArgumentException($"{name}: {replaced.Length} values for {values.Length}");
            for (int i = 0; i < values.Length; i++)
                BitConverter.GetBytes(replaced[i]).CopyTo(copy, payload.Start + 4 * i);
        }
        return copy;
    }

    /// <summary>The file with every occurrence of the ASCII text <paramref name="from"/> replaced by <paramref name="to"/> of the same length: names changed, nothing else.</summary>
    public static byte[] Rename(byte[] model, string from, string to)
    {
        if (from.Length != to.Length)
            throw new ArgumentException("a rename must keep the length");
        byte[] copy = (byte[])model.Clone();
        byte[] f = Encoding.ASCII.GetBytes(from), t = Encoding.ASCII.GetBytes(to);
        for (int i = 0; i + f.Length <= copy.Length; i++)
        {
            if (copy.AsSpan(i, f.Length).SequenceEqual(f))
                t.CopyTo(copy, i);
        }
        return copy;
    }

    private static (int Start, int End)? Field(byte[] bytes, int start, int end, int number)
    {
        foreach ((int s, int e) in Fields(bytes, start, end, number))
            return (s, e);
        return null;
    }

    /// <summary>The payloads of the length-delimited fields numbered <paramref name="number"/> in a message.</summary>
    private static IEnumerable<(int Start, int End)> Fields(byte[] bytes, int start, int end, int number)
    {
        int at = start;
        while (at < end)
        {
            ulong key = Read(bytes, ref at);
            int wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    Read(bytes, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    int length = (int)Read(bytes, ref at);
                    if ((int)(key >> 3) == number)
                        yield return (at, at + length);
                    at += length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw new ArgumentException($"wire type {wire} at byte {at}");
            }
        }
    }

    private static long Varint(byte[] bytes, int start, int end, int number)
    {
        int at = start;
        while (at < end)
        {
            ulong key = Read(bytes, ref at);
            switch ((int)(key & 7))
            {
                case 0:
                    ulong value = Read(bytes, ref at);
                    if ((int)(key >> 3) == number)
                        return (long)value;
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    at += (int)Read(bytes, ref at);
                    break;
                case 5:
                    at += 4;
                    break;
            }
        }
        return -1;
    }

    private static ulong Read(byte[] bytes, ref int at)
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
}
