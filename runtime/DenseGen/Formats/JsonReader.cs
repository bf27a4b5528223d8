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

/// <summary>The kinds of JSON value (RFC 8259).</summary>
internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// A parsed JSON value. Objects keep their members in file order; a number keeps its text, so that reading it as an
/// integer is exact and refuses fractions and exponents.
/// </summary>
internal sealed class JsonValue
{
    private JsonValue(JsonKind kind, string? text, List<KeyValuePair<string, JsonValue>>? members, List<JsonValue>? items)
    {
        Kind = kind;
        Text = text;
        Members = members;
        Items = items;
    }

    public JsonKind Kind { get; }

    /// <summary>A string's value or a number's text; null for other kinds.</summary>
    public string? Text { get; }

    /// <summary>An object's members in file order (names are distinct); null for other kinds.</summary>
    public List<KeyValuePair<string, JsonValue>>? Members { get; }

    /// <summary>An array's items; null for other kinds.</summary>
    public List<JsonValue>? Items { get; }

    public static JsonValue Object(List<KeyValuePair<string, JsonValue>> members) => new(JsonKind.Object, null, members, null);

    public static JsonValue Array(List<JsonValue> items) => new(JsonKind.Array, null, null, items);

    public static JsonValue Scalar(JsonKind kind, string? text) => new(kind, text, null, null);

    /// <summary>The member <paramref name="name"/> of an object, or null when it has none.</summary>
    public JsonValue? Member(string name)
    {
        if (Members is null)
            return null;
        foreach (KeyValuePair<string, JsonValue> member in Members)
        {
            if (member.Key == name)
                return member.Value;
        }
        return null;
    }

    /// <summary>A number written as an integer (no fraction, no exponent) that fits a <see cref="long"/>.</summary>
    public bool TryGetInt64(out long value)
    {
        value = 0;
        return Kind == JsonKind.Number
            && Text!.IndexOfAny(NonIntegerCharacters) < 0
            && long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static readonly char[] NonIntegerCharacters = ['.', 'e', 'E'];
}

/// <summary>
/// A strict, bounded JSON reader for small headers (safetensors'), with no dependency beyond the base library, so that
/// every build of the runtime (and the generator) reads the same bytes the same way. It accepts exactly RFC 8259:
/// UTF-8 without a byte-order mark, no comments or trailing commas, no duplicate names in an object, no unpaired
/// surrogates, nesting at most <see cref="MaxDepth"/> deep. Every index is checked against the end before it is read;
/// a problem is an <see cref="InvalidDataException"/> that names the source and the byte offset.
/// </summary>
internal sealed class JsonReader
{
    /// <summary>Deeper nesting than any header needs; it bounds the reader's recursion.</summary>
    public const int MaxDepth = 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly byte[] _bytes;
    private readonly int _start;
    private readonly int _end;
    private readonly string _source;
    private readonly string _what;
    private int _at;

    private JsonReader(byte[] bytes, int start, int length, string source, string what)
    {
        _bytes = bytes;
        _start = start;
        _end = start + length;
        _at = start;
        _source = source;
        _what = what;
    }

    /// <summary>Parses <paramref name="length"/> bytes of <paramref name="bytes"/> from <paramref name="start"/> as one JSON value.</summary>
    /// <param name="bytes">The buffer holding the text.</param>
    /// <param name="start">Where the text begins.</param>
    /// <param name="length">Its length in bytes.</param>
    /// <param name="source">Names the file in error messages.</param>
    /// <param name="what">Names the text in error messages, e.g. "the header".</param>
    /// <exception cref="InvalidDataException">The text is not valid JSON.</exception>
    public static JsonValue Parse(byte[] bytes, int start, int length, string source, string what)
    {
        if (bytes is null)
            throw new ArgumentNullException(nameof(bytes));
        if (start < 0 || length < 0 || start > bytes.Length - length)
            throw new ArgumentOutOfRangeException(nameof(length));
        var reader = new JsonReader(bytes, start, length, source, what);
        reader.SkipWhitespace();
        JsonValue value = reader.ReadValue(depth: 1);
        reader.SkipWhitespace();
        if (reader._at != reader._end)
            throw reader.Error("unexpected text after the end of the value");
        return value;
    }

    private JsonValue ReadValue(int depth)
    {
        if (_at == _end)
            throw Error("the text ends where a value should start");
        switch (_bytes[_at])
        {
            case (byte)'{':
                return ReadObject(depth);
            case (byte)'[':
                return ReadArray(depth);
            case (byte)'"':
                return JsonValue.Scalar(JsonKind.String, ReadString());
            case (byte)'t':
                ReadLiteral("true");
                return JsonValue.Scalar(JsonKind.True, null);
            case (byte)'f':
                ReadLiteral("false");
                return JsonValue.Scalar(JsonKind.False, null);
            case (byte)'n':
                ReadLiteral("null");
                return JsonValue.Scalar(JsonKind.Null, null);
            default:
                if (_bytes[_at] == (byte)'-' || IsDigit(_bytes[_at]))
                    return JsonValue.Scalar(JsonKind.Number, ReadNumber());
                throw Error($"unexpected {Describe(_bytes[_at])} where a value should start");
        }
    }

    private JsonValue ReadObject(int depth)
    {
        RequireDepth(depth);
        _at++; // '{'
        var members = new List<KeyValuePair<string, JsonValue>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        SkipWhitespace();
        if (TryConsume((byte)'}'))
            return JsonValue.Object(members);
        while (true)
        {
            SkipWhitespace();
            if (_at == _end || _bytes[_at] != (byte)'"')
                throw Error("expected a member name in quotes");
            int nameAt = _at;
            string name = ReadString();
            if (!names.Add(name))
                throw Error($"the name '{name}' appears twice in one object", nameAt);
            SkipWhitespace();
            Expect((byte)':', "':' after a member name");
            SkipWhitespace();
            members.Add(new KeyValuePair<string, JsonValue>(name, ReadValue(depth + 1)));
            SkipWhitespace();
            if (TryConsume((byte)'}'))
                return JsonValue.Object(members);
            Expect((byte)',', "',' or '}' after a member");
        }
    }

    private JsonValue ReadArray(int depth)
    {
        RequireDepth(depth);
        _at++; // '['
        var items = new List<JsonValue>();
        SkipWhitespace();
        if (TryConsume((byte)']'))
            return JsonValue.Array(items);
        while (true)
        {
            SkipWhitespace();
            items.Add(ReadValue(depth + 1));
            SkipWhitespace();
            if (TryConsume((byte)']'))
                return JsonValue.Array(items);
            Expect((byte)',', "',' or ']' after an item");
        }
    }

    private string ReadString()
    {
        int opening = _at;
        _at++; // '"'
        StringBuilder? text = null;
        int runStart = _at;
        while (true)
        {
            if (_at == _end)
                throw Error("a string is not closed", opening);
            byte b = _bytes[_at];
            if (b == (byte)'"')
            {
                string value = text is null ? Decode(runStart, _at) : text.Append(Decode(runStart, _at)).ToString();
                _at++;
                return value;
            }
            if (b < 0x20)
                throw Error($"a string holds the control character {Describe(b)}; JSON requires it escaped");
            if (b == (byte)'\\')
            {
                text ??= new StringBuilder();
                text.Append(Decode(runStart, _at));
                ReadEscape(text);
                runStart = _at;
                continue;
            }
            _at += b < 0x80 ? 1 : Utf8SequenceLength();
        }
    }

    /// <summary>The length of the UTF-8 sequence at the cursor, which must be valid.</summary>
    private int Utf8SequenceLength()
    {
        int length = Utf8.SequenceLength(_bytes, _at, _end);
        if (length == 0)
            throw Error($"invalid UTF-8: {Describe(_bytes[_at])} does not start a valid character here");
        return length;
    }

    private void ReadEscape(StringBuilder text)
    {
        int backslash = _at;
        _at++; // '\'
        if (_at == _end)
            throw Error("a string ends inside an escape", backslash);
        byte kind = _bytes[_at++];
        switch (kind)
        {
            case (byte)'"': text.Append('"'); return;
            case (byte)'\\': text.Append('\\'); return;
            case (byte)'/': text.Append('/'); return;
            case (byte)'b': text.Append('\b'); return;
            case (byte)'f': text.Append('\f'); return;
            case (byte)'n': text.Append('\n'); return;
            case (byte)'r': text.Append('\r'); return;
            case (byte)'t': text.Append('\t'); return;
            case (byte)'u':
                break;
            default:
                throw Error($"'\\{(char)kind}' is not a JSON escape", backslash);
        }
        char unit = ReadHexUnit(backslash);
        if (char.IsLowSurrogate(unit))
            throw Error("an escaped low surrogate without a high one before it", backslash);
        text.Append(unit);
        if (!char.IsHighSurrogate(unit))
            return;
        if (_end - _at < 2 || _bytes[_at] != (byte)'\\' || _bytes[_at + 1] != (byte)'u')
            throw Error("an escaped high surrogate without a low one after it", backslash);
        int second = _at;
        _at += 2;
        char low = ReadHexUnit(second);
        if (!char.IsLowSurrogate(low))
            throw Error("an escaped high surrogate without a low one after it", backslash);
        text.Append(low);
    }

    private char ReadHexUnit(int escapeAt)
    {
        if (_end - _at < 4)
            throw Error("a \\u escape needs four hexadecimal digits", escapeAt);
        int value = 0;
        for (int i = 0; i < 4; i++)
        {
            int digit = HexDigit(_bytes[_at + i]);
            if (digit < 0)
                throw Error("a \\u escape needs four hexadecimal digits", escapeAt);
            value = value * 16 + digit;
        }
        _at += 4;
        return (char)value;
    }

    private string ReadNumber()
    {
        int start = _at;
        TryConsume((byte)'-');
        if (TryConsume((byte)'0'))
        {
            // A leading zero stands alone: "01" is not JSON.
        }
        else if (_at < _end && IsDigit(_bytes[_at]))
        {
            SkipDigits();
        }
        else
        {
            throw Error("a number needs a digit after its sign", start);
        }
        if (TryConsume((byte)'.'))
            RequireDigits(start, "after its decimal point");
        if (_at < _end && (_bytes[_at] == (byte)'e' || _bytes[_at] == (byte)'E'))
        {
            _at++;
            if (!TryConsume((byte)'+'))
                TryConsume((byte)'-');
            RequireDigits(start, "in its exponent");
        }
        return Encoding.ASCII.GetString(_bytes, start, _at - start);
    }

    private void RequireDigits(int numberStart, string where)
    {
        if (_at == _end || !IsDigit(_bytes[_at]))
            throw Error("a number needs a digit " + where, numberStart);
        SkipDigits();
    }

    private void SkipDigits()
    {
        while (_at < _end && IsDigit(_bytes[_at]))
            _at++;
    }

    private void ReadLiteral(string literal)
    {
        if (_end - _at < literal.Length)
            throw Error($"unexpected {Describe(_bytes[_at])} where a value should start");
        for (int i = 0; i < literal.Length; i++)
        {
            if (_bytes[_at + i] != (byte)literal[i])
                throw Error($"unexpected {Describe(_bytes[_at])} where a value should start");
        }
        _at += literal.Length;
    }

    private void RequireDepth(int depth)
    {
        if (depth > MaxDepth)
            throw Error($"values are nested more than {MaxDepth} deep");
    }

    private void SkipWhitespace()
    {
        while (_at < _end && _bytes[_at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            _at++;
    }

    private bool TryConsume(byte expected)
    {
        if (_at < _end && _bytes[_at] == expected)
        {
            _at++;
            return true;
        }
        return false;
    }

    private void Expect(byte expected, string what)
    {
        if (!TryConsume(expected))
            throw Error(_at == _end ? "the text ends where " + what + " should be" : $"expected {what}, found {Describe(_bytes[_at])}");
    }

    // The run was checked byte by byte as it was read, so decoding cannot meet an invalid sequence.
    private string Decode(int from, int to) => StrictUtf8.GetString(_bytes, from, to - from);

    private InvalidDataException Error(string problem) => Error(problem, _at);

    private InvalidDataException Error(string problem, int at) =>
        new(string.Format(CultureInfo.InvariantCulture, "{0}: {1} is not valid JSON: {2}, at byte {3}.", _source, _what, problem, at - _start));

    private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';

    private static int HexDigit(byte b) =>
        b >= (byte)'0' && b <= (byte)'9' ? b - '0'
        : b >= (byte)'a' && b <= (byte)'f' ? b - 'a' + 10
        : b >= (byte)'A' && b <= (byte)'F' ? b - 'A' + 10
        : -1;

    private static string Describe(byte b) =>
        b >= 0x21 && b < 0x7F ? "'" + (char)b + "'" : string.Format(CultureInfo.InvariantCulture, "byte 0x{0:X2}", b);
}
