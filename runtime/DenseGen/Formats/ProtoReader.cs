using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>The protobuf wire types (groups, 3 and 4, are deprecated and never used by ONNX).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// Reads protobuf's wire format from one message's bytes, a window of a file, with no dependency beyond the base
/// library. Every length is checked against the bytes that remain before anything is read or allocated; a varint
/// has at most ten bytes; a problem is an <see cref="InvalidDataException"/> that names the file, the message and
/// the byte offset. Nested messages are new windows (<see cref="ReadMessage"/>); the reader itself never recurses.
/// </summary>
internal struct ProtoReader
{
    private readonly byte[] _bytes;
    private readonly int _end;
    private int _position;

    public ProtoReader(byte[] bytes, int start, int end, string source, string message)
    {
        _bytes = bytes;
        _position = start;
        _end = end;
        Source = source;
        Message = message;
    }

    /// <summary>Names the file in errors.</summary>
    public string Source { get; }

    /// <summary>Names the message being read in errors, e.g. "NodeProto 'fc1' (Gemm)".</summary>
    public string Message { get; }

    public bool AtEnd => _position >= _end;

    /// <summary>Reads a field's key: its number and wire type.</summary>
    public (int Field, WireType Wire) ReadKey()
    {
        int at = _position;
        ulong key = ReadVarint();
        ulong field = key >> 3;
        int wire = (int)(key & 7);
        if (field == 0 || field > 536_870_911)
            throw Error($"field number {field} is not valid", at);
        if (wire is not (0 or 1 or 2 or 5))
            throw Error(wire is 3 or 4 ? $"field {field} is a group, which ONNX does not use" : $"field {field} has wire type {wire}, which protobuf does not define", at);
        return ((int)field, (WireType)wire);
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        int at = _position;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _end)
                throw Error("the message ends inside a number" + TruncatedOrCorrupt, at);
            byte b = _bytes[_position++];
            if (shift == 63 && b > 1)
                throw Error("a number has more than 64 bits", at);
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw Error("a number has more than ten bytes", at);
    }

    /// <summary>An <c>int64</c> field (two's complement in ten bytes when negative).</summary>
    public long ReadInt64() => (long)ReadVarint();

    /// <summary>An <c>int32</c> or enum field, which protobuf sign-extends to 64 bits.</summary>
    public int ReadInt32()
    {
        int at = _position;
        long value = (long)ReadVarint();
        if (value < int.MinValue || value > int.MaxValue)
            throw Error($"the 32-bit field holds {value}", at);
        return (int)value;
    }

    public float ReadFloat()
    {
        Require(4, "a float");
        float value = LittleEndian.ReadSingle(new ReadOnlySpan<byte>(_bytes, _position, 4), 0);
        _position += 4;
        return value;
    }

    /// <summary>A length-delimited field: returns where its bytes are and moves past them.</summary>
    public (int Start, int Length) ReadLengthDelimited()
    {
        int at = _position;
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position))
            throw Error($"a field says it is {length:N0} bytes long, but the message has {_end - _position:N0} left" + TruncatedOrCorrupt, at);
        int start = _position;
        _position += (int)length;
        return (start, (int)length);
    }

    /// <summary>A nested message, as a reader of its own bytes.</summary>
    public ProtoReader ReadMessage(string message)
    {
        (int start, int length) = ReadLengthDelimited();
        return new ProtoReader(_bytes, start, start + length, Source, message);
    }

    /// <summary>A <c>string</c> field, which must be valid UTF-8.</summary>
    public string ReadString()
    {
        (int start, int length) = ReadLengthDelimited();
        int invalid = Utf8.FindInvalid(_bytes, start, start + length);
        if (invalid >= 0)
            throw Error("a name or string is not valid UTF-8", invalid);
        return Encoding.UTF8.GetString(_bytes, start, length);
    }

    /// <summary>A <c>bytes</c> field's contents.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        (int start, int length) = ReadLengthDelimited();
        return new ReadOnlySpan<byte>(_bytes, start, length);
    }

    /// <summary>Skips a field this reader does not use.</summary>
    public void Skip(WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Require(8, "a 64-bit field"); _position += 8; break;
            case WireType.Fixed32: Require(4, "a 32-bit field"); _position += 4; break;
            default: ReadLengthDelimited(); break;
        }
    }

    /// <summary>One or more <c>int64</c> values of a repeated field, packed or not.</summary>
    public void ReadInt64s(WireType wire, List<long> values)
    {
        if (wire == WireType.Varint)
        {
            values.Add(ReadInt64());
            return;
        }
        RequireWire(wire, WireType.LengthDelimited, "a list of integers");
        ProtoReader packed = ReadMessage(Message);
        while (!packed.AtEnd)
            values.Add(packed.ReadInt64());
    }

    /// <summary>One or more <c>float</c> values of a repeated field, packed or not; the count is checked before the list grows.</summary>
    public void ReadFloats(WireType wire, List<float> values)
    {
        if (wire == WireType.Fixed32)
        {
            values.Add(ReadFloat());
            return;
        }
        RequireWire(wire, WireType.LengthDelimited, "a list of floats");
        ProtoReader packed = ReadMessage(Message);
        int bytes = packed._end - packed._position;
        if (bytes % 4 != 0)
            throw Error($"a packed list of floats is {bytes:N0} bytes long, not a multiple of 4", packed._position);
        values.Capacity = Math.Max(values.Capacity, values.Count + bytes / 4);
        while (!packed.AtEnd)
            values.Add(packed.ReadFloat());
    }

    /// <summary>Throws unless a field came with the wire type its declaration implies.</summary>
    public void RequireWire(WireType actual, WireType expected, string what)
    {
        if (actual != expected)
            throw Error($"{what} came with wire type {(int)actual}; expected {(int)expected}", _position);
    }

    /// <summary>
    /// Added to a problem where a length or a value runs past the bytes that are there: the file was cut short, or a
    /// length in it is wrong (a nested message is checked against its parent before it is read, so an overrun inside
    /// one is a wrong length, and one at the top level is usually a file cut short).
    /// </summary>
    private const string TruncatedOrCorrupt = "; the file is truncated or corrupt";

    public InvalidDataException Error(string problem) => Error(problem, _position);

    public InvalidDataException Error(string problem, int at) =>
        new(string.Format(CultureInfo.InvariantCulture, "{0}: {1}: {2} (at byte {3}).", Source, Message, problem, at));

    private void Require(int count, string what)
    {
        if (_end - _position < count)
            throw Error($"the message ends inside {what}" + TruncatedOrCorrupt);
    }
}
