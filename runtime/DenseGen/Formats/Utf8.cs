// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>Strict UTF-8 checks for the format readers: names in weight files must be valid Unicode.</summary>
internal static class Utf8
{
    /// <summary>
    /// The length of the UTF-8 sequence starting at <paramref name="at"/> (1–4), or 0 if it is invalid there: a stray
    /// continuation byte, an overlong form, an encoded surrogate, a code point past U+10FFFF, or a sequence cut off by
    /// <paramref name="end"/>.
    /// </summary>
    public static int SequenceLength(byte[] bytes, int at, int end)
    {
        byte lead = bytes[at];
        if (lead < 0x80)
            return 1;
        int length, minimum;
        if (lead >= 0xC2 && lead <= 0xDF)
        {
            length = 2;
            minimum = 0x80;
        }
        else if (lead >= 0xE0 && lead <= 0xEF)
        {
            length = 3;
            minimum = 0x800;
        }
        else if (lead >= 0xF0 && lead <= 0xF4)
        {
            length = 4;
            minimum = 0x10000;
        }
        else
        {
            return 0;
        }
        if (end - at < length)
            return 0;
        int codePoint = lead & (0x7F >> length);
        for (int i = 1; i < length; i++)
        {
            byte next = bytes[at + i];
            if ((next & 0xC0) != 0x80)
                return 0;
            codePoint = (codePoint << 6) | (next & 0x3F);
        }
        return codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF) ? 0 : length;
    }

    /// <summary>The offset of the first invalid sequence in <c>[start, end)</c>, or −1 if the bytes are valid UTF-8.</summary>
    public static int FindInvalid(byte[] bytes, int start, int end)
    {
        int at = start;
        while (at < end)
        {
            int length = SequenceLength(bytes, at, end);
            if (length == 0)
                return at;
            at += length;
        }
        return -1;
    }
}
