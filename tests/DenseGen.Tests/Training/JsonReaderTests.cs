using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using DenseGen.Formats;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>
/// The safetensors header's JSON reader: valid JSON reads as System.Text.Json reads it; invalid JSON, invalid UTF-8
/// (which System.Text.Json's document only meets when a string is read, as an InvalidOperationException), duplicate
/// names and nesting past the limit are refused with where and why.
/// </summary>
public class JsonReaderTests
{
    public static TheoryData<string> Valid() =>
    [
        "{}", "[]", "\"\"", "0", "-0", "12.5e-3", "1E+9", "true", "false", "null", " \t\r\n{ \"a\" : [ 1 , 2 ] } ",
        "{\"a\":{\"b\":[[],[{}]]}}", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"", "\"é😀\"",
    ];

    public static TheoryData<string, string> Invalid() => new()
    {
        { "", "ends where a value should start" },
        { "{", "expected a member name" },
        { "{\"a\" 1}", "':' after a member name" },
        { "{\"a\":1,}", "expected a member name" },
        { "[1,]", "unexpected ']'" },
        { "[1 2]", "',' or ']'" },
        { "{} {}", "unexpected text after the end" },
        { "01", "unexpected text after the end" },
        { "1.", "a digit after its decimal point" },
        { "-", "a digit after its sign" },
        { "1e", "a digit in its exponent" },
        { "+1", "unexpected '+'" },
        { "tru", "unexpected 't'" },
        { "NaN", "unexpected 'N'" },
        { "\"abc", "a string is not closed" },
        { "\"a\tb\"", "control character" },
        { "\"\\x\"", "'\\x' is not a JSON escape" },
        { "\"\\u12\"", "four hexadecimal digits" },
        { "\"\\ud800\"", "high surrogate without a low one" },
        { "\"\\udc00\"", "low surrogate without a high one" },
        { "{\"a\":1,\"a\":2}", "the name 'a' appears twice" },
        { "// comment\n{}", "unexpected '/'" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidJsonIsReadAsSystemTextJsonReadsIt(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        JsonValue value = JsonReader.Parse(bytes, 0, bytes.Length, "f", "the header");
        using JsonDocument expected = JsonDocument.Parse(bytes);
        AssertSame(expected.RootElement, value);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidJsonIsRefusedWithWhereAndWhy(string text, string message)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => JsonReader.Parse(bytes, 0, bytes.Length, "f.safetensors", "the header"));
        Assert.StartsWith("f.safetensors: the header is not valid JSON: ", exception.Message);
        Assert.Contains(message, exception.Message);
        Assert.Contains(", at byte ", exception.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0x80 })] // overlong '\0'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // past U+10FFFF
    [InlineData(new byte[] { 0xE2, 0x82 })] // cut short
    [InlineData(new byte[] { 0x80 })] // a continuation byte alone
    public void InvalidUtf8InAStringIsRefused(byte[] sequence)
    {
        byte[] bytes = [(byte)'"', (byte)'a', .. sequence, (byte)'"'];
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => JsonReader.Parse(bytes, 0, bytes.Length, "f", "the header"));
        Assert.Contains("invalid UTF-8", exception.Message);
    }

    [Fact]
    public void NestingIsLimited()
    {
        string allowed = new string('[', JsonReader.MaxDepth) + new string(']', JsonReader.MaxDepth);
        byte[] bytes = Encoding.UTF8.GetBytes(allowed);
        Assert.Equal(JsonKind.Array, JsonReader.Parse(bytes, 0, bytes.Length, "f", "the header").Kind);

        // Far deeper than the recursion could go unchecked: refused at the limit, not by a stack overflow.
        string deep = new string('[', 1_000_000) + new string(']', 1_000_000);
        bytes = Encoding.UTF8.GetBytes(deep);
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => JsonReader.Parse(bytes, 0, bytes.Length, "f", "the header"));
        Assert.Contains($"nested more than {JsonReader.MaxDepth} deep", exception.Message);
    }

    [Fact]
    public void IntegersAreExactAndFractionsAreNotIntegers()
    {
        Assert.True(Parse("9223372036854775807").TryGetInt64(out long max));
        Assert.Equal(long.MaxValue, max);
        Assert.False(Parse("9223372036854775808").TryGetInt64(out _));
        Assert.False(Parse("2.0").TryGetInt64(out _));
        Assert.False(Parse("1e3").TryGetInt64(out _));
        Assert.False(Parse("\"1\"").TryGetInt64(out _));
    }

    [Fact]
    public void WrittenStringsReadBack()
    {
        string[] names = ["plain", "quote\" backslash\\ slash/", "tab\t newline\n nul\0 bell\a", "é 😀 中文"];
        foreach (string name in names)
        {
            var json = new StringBuilder();
            JsonWriter.AppendString(json, name);
            Assert.Equal(name, Parse(json.ToString()).Text);
        }
        Assert.Throws<System.ArgumentException>(() => JsonWriter.AppendString(new StringBuilder(), "lone \ud800 surrogate"));
    }

    private static JsonValue Parse(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return JsonReader.Parse(bytes, 0, bytes.Length, "f", "the header");
    }

    private static void AssertSame(JsonElement expected, JsonValue actual)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(JsonKind.Object, actual.Kind);
                Assert.Equal(expected.EnumerateObject().Select(p => p.Name), actual.Members!.Select(m => m.Key));
                foreach (JsonProperty property in expected.EnumerateObject())
                    AssertSame(property.Value, actual.Member(property.Name)!);
                break;
            case JsonValueKind.Array:
                Assert.Equal(JsonKind.Array, actual.Kind);
                Assert.Equal(expected.GetArrayLength(), actual.Items!.Count);
                foreach ((JsonElement item, JsonValue actualItem) in expected.EnumerateArray().Zip(actual.Items))
                    AssertSame(item, actualItem);
                break;
            case JsonValueKind.String:
                Assert.Equal(JsonKind.String, actual.Kind);
                Assert.Equal(expected.GetString(), actual.Text);
                break;
            case JsonValueKind.Number:
                Assert.Equal(JsonKind.Number, actual.Kind);
                Assert.Equal(expected.GetRawText(), actual.Text);
                break;
            default:
                Assert.Equal(expected.ValueKind.ToString(), actual.Kind.ToString());
                break;
        }
    }
}
