using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// Makes mutants of a valid safetensors file for fuzzing its readers, deterministically from a seed. Each kind of
/// mutation aims at one part of the reader: byte flips anywhere and in the header, truncation, extension, a rewritten
/// header length, rewritten numbers, invalid UTF-8 and bad escapes in names, duplicated and missing tensors, deep
/// nesting and broken JSON structure. Mutations that edit the header's text also fix its length field, so the
/// reader gets past the length check and meets the edit itself.
/// </summary>
internal static class SafeTensorsMutator
{
    public static readonly string[] Kinds =
    [
        "flip-header", "flip-any", "truncate", "extend", "header-length", "number", "invalid-utf8", "bad-escape",
        "duplicate-tensor", "duplicate-name", "missing-tensor", "deep-nesting", "structure",
    ];

    private static readonly string[] Numbers =
    [
        "0", "1", "-1", "7", "8", "64", "4294967296", "9223372036854775807", "9223372036854775808",
        "18446744073709551616", "1e3", "2.5", "-0", "00", "1.", "999999999999999999999999",
    ];

    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    private static readonly string[] BadEscapes = [@"\ud800", @"\udc00", @"\u00", @"\x41", @"\", @"\ud800\u0041", "\u0001", "\\u12G4"];

    /// <summary>Mutant <paramref name="index"/> of <paramref name="file"/>, and the kind of mutation it is.</summary>
    public static (byte[] Bytes, string Kind) Mutate(byte[] file, int index, int seed)
    {
        // Not HashCode.Combine, which .NET seeds afresh in every process: the same seed and index must give the same
        // mutant in every run, so that a failure can be replayed.
        var random = new Random(unchecked(seed * 1_000_003 + index * 7_919));
        string kind = Kinds[index % Kinds.Length];
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, headerLength);
        byte[] data = file[(8 + headerLength)..];
        switch (kind)
        {
            case "flip-header":
                return (Flip(file, random, 8, 8 + headerLength), kind);
            case "flip-any":
                return (Flip(file, random, 0, file.Length), kind);
            case "truncate":
                return (file[..random.Next(file.Length)], kind);
            case "extend":
            {
                var extra = new byte[random.Next(1, 65)];
                random.NextBytes(extra);
                return ([.. file, .. extra], kind);
            }
            case "header-length":
            {
                byte[] copy = (byte[])file.Clone();
                ulong length = random.Next(4) switch
                {
                    0 => (ulong)random.NextInt64(),
                    1 => (ulong)(headerLength + random.Next(-16, 17)),
                    2 => (ulong)random.Next(file.Length + 16),
                    _ => ulong.MaxValue - (ulong)random.Next(16),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
                return (copy, kind);
            }
            case "number":
            {
                MatchCollection numbers = Regex.Matches(header, "-?[0-9]+");
                Match target = numbers[random.Next(numbers.Count)];
                return (Assemble(Splice(header, target.Index, target.Length, Numbers[random.Next(Numbers.Length)]), data), kind);
            }
            case "invalid-utf8":
            {
                (int start, int length) = RandomString(header, random);
                byte[] headerBytes = Encoding.UTF8.GetBytes(header);
                int at = Encoding.UTF8.GetByteCount(header[..(start + random.Next(length + 1))]);
                byte[] mutated = [.. headerBytes[..at], .. BadUtf8[random.Next(BadUtf8.Length)], .. headerBytes[at..]];
                return (Assemble(mutated, data), kind);
            }
            case "bad-escape":
            {
                (int start, int length) = RandomString(header, random);
                return (Assemble(Splice(header, start + random.Next(length + 1), 0, BadEscapes[random.Next(BadEscapes.Length)]), data), kind);
            }
            case "duplicate-tensor":
            {
                Match member = RandomTensorMember(header, random);
                return (Assemble(Splice(header, member.Index + member.Length, 0, "," + member.Value.TrimEnd(',')), data), kind);
            }
            case "duplicate-name":
            {
                // One tensor takes another's name, so the header names it twice.
                MatchCollection names = TensorNames(header);
                Match from = names[random.Next(names.Count)], to = names[random.Next(names.Count)];
                return (Assemble(Splice(header, to.Index, to.Length, from.Value), data), kind);
            }
            case "missing-tensor":
            {
                Match member = RandomTensorMember(header, random);
                string removed = Splice(header, member.Index, member.Length, "");
                return (Assemble(removed.Replace(",}", "}").Replace("{,", "{"), data), kind);
            }
            case "deep-nesting":
            {
                int depth = random.Next(2) == 0 ? random.Next(2, 40) : random.Next(40, 5000);
                MatchCollection arrays = Regex.Matches(header, @"\[[0-9,]*\]");
                Match target = arrays[random.Next(arrays.Count)];
                string nested = new string('[', depth) + target.Value + new string(']', depth);
                return (Assemble(Splice(header, target.Index, target.Length, nested), data), kind);
            }
            default: // structure
            {
                MatchCollection structural = Regex.Matches(header, "[{}\\[\\],:\"]");
                Match target = structural[random.Next(structural.Count)];
                string[] replacements = ["", "", ",", "}", "]", "{", "[", "\"", ":", " ", "null", "true"];
                return (Assemble(Splice(header, target.Index, target.Length, replacements[random.Next(replacements.Length)]), data), kind);
            }
        }
    }

    private static byte[] Flip(byte[] file, Random random, int from, int to)
    {
        byte[] copy = (byte[])file.Clone();
        int flips = random.Next(1, 4);
        for (int i = 0; i < flips; i++)
            copy[random.Next(from, to)] ^= (byte)random.Next(1, 256);
        return copy;
    }

    private static string Splice(string text, int at, int length, string insert) => text[..at] + insert + text[(at + length)..];

    private static byte[] Assemble(string header, byte[] data) => Assemble(Encoding.UTF8.GetBytes(header), data);

    private static byte[] Assemble(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    private static MatchCollection TensorNames(string header) => Regex.Matches(header, "\"[^\"]+\"(?=:\\{\"dtype\")");

    private static Match RandomTensorMember(string header, Random random)
    {
        MatchCollection members = Regex.Matches(header, "\"[^\"]+\":\\{\"dtype\"[^}]*\\},?");
        return members[random.Next(members.Count)];
    }

    /// <summary>Where the characters inside a random quoted string of the header are (a name, a dtype, a metadata value).</summary>
    private static (int Start, int Length) RandomString(string header, Random random)
    {
        MatchCollection strings = Regex.Matches(header, "\"([^\"]*)\"");
        Group inside = strings[random.Next(strings.Count)].Groups[1];
        return (inside.Index, inside.Length);
    }
}
