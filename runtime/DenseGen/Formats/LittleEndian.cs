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
    public static float ReadSingle(ReadOnlySpan<byte> data, int index)
    {
        ReadOnlySpan<byte> bytes = data.Slice(index * sizeof(float), sizeof(float));
        if (BitConverter.IsLittleEndian)
            return MemoryMarshal.Read<float>(bytes);
        Span<byte> reversed = stackalloc byte[sizeof(float)];
        bytes.CopyTo(reversed);
        reversed.Reverse();
        return MemoryMarshal.Read<float>(reversed);
    }

    /// <summary>Element <paramref name="index"/> of <paramref name="data"/> read as F64.</summary>
    public static double ReadDouble(ReadOnlySpan<byte> data, int index)
    {
        ReadOnlySpan<byte> bytes = data.Slice(index * sizeof(double), sizeof(double));
        if (BitConverter.IsLittleEndian)
            return MemoryMarshal.Read<double>(bytes);
        Span<byte> reversed = stackalloc byte[sizeof(double)];
        bytes.CopyTo(reversed);
        reversed.Reverse();
        return MemoryMarshal.Read<double>(reversed);
    }
}
