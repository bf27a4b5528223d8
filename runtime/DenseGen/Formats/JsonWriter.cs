using System;
using System.Globalization;
using System.Text;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>Writes the few JSON forms a safetensors header needs, in the form <see cref="JsonReader"/> reads back.</summary>
internal static class JsonWriter
{
    /// <summary>
    /// Appends <paramref name="value"/> as a JSON string: quotes, backslashes and control characters escaped, everything
    /// else as itself (UTF-8 once the text is encoded).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> has an unpaired surrogate, which UTF-8 cannot encode.</exception>
    public static void AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        json.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsSurrogate(c))
                    {
                        if (!char.IsHighSurrogate(c) || i + 1 == value.Length || !char.IsLowSurrogate(value[i + 1]))
                            throw new ArgumentException($"'{value}' has an unpaired surrogate at {i}; names must be valid Unicode.");
                        json.Append(c).Append(value[++i]);
                    }
                    else
                    {
                        json.Append(c);
                    }
                    break;
            }
        }
        json.Append('"');
    }

    /// <summary>Appends <paramref name="name"/> as a member name and the colon after it.</summary>
    public static void AppendName(StringBuilder json, string name)
    {
        AppendString(json, name);
        json.Append(':');
    }
}
