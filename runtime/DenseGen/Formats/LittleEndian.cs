using System;
using System.Runtime.InteropServices;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// Reads the little-endian IEEE numbers of weight files on any machine, from unaligned bytes. The .NET Standard builds
/// have no <c>BinaryPrimitives.ReadSingleLittleEndian</c>, so the bytes are reinterpreted, and reversed first on a
/// big-endian machine.
/// </summary>
internal static class LittleEndian
{
    /// <summary>Element <paramref name="index"/> of <paramref name="data"/> read as F32.</summary>
    public static float ReadSingle(ReadOnlySpan<byte> data, int index) => Read<float>(data, index, sizeof(float));

    /// <summary>Element <paramref name="index"/> of <paramref name="data"/> read as F64.</summary>
    public static double ReadDouble(ReadOnlySpan<byte> data, int index) => Read<double>(data, index, sizeof(double));

    /// <summary>
    /// Reverses the bytes of each <paramref name="size"/>-byte element of <paramref name="bytes"/> on a big-endian
    /// machine, in place, and does nothing on a little-endian one: native order to little-endian, and back.
    /// </summary>
    public static void SwapOnBigEndian(Span<byte> bytes, int size)
    {
        if (BitConverter.IsLittleEndian)
            return;
        for (int i = 0; i + size <= bytes.Length; i += size)
            bytes.Slice(i, size).Reverse();
    }

    private static T Read<T>(ReadOnlySpan<byte> data, int index, int size) where T : unmanaged
    {
        ReadOnlySpan<byte> bytes = data.Slice(index * size, size);
        if (BitConverter.IsLittleEndian)
            return MemoryMarshal.Read<T>(bytes);
        Span<byte> reversed = stackalloc byte[size];
        bytes.CopyTo(reversed);
        reversed.Reverse();
        return MemoryMarshal.Read<T>(reversed);
    }
}
