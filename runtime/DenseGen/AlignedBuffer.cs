using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DenseGen.CompilerServices;

/// <summary>
/// The allocation behind <see cref="AlignedArray{T}"/>: a pinned block with the slack to start on a cache line. Where a
/// kernel's vectors fall against 64-byte lines moves a small call's time by as much as a tenth.
/// </summary>
internal static class AlignedBuffer
{
    /// <summary>The alignment, in bytes: one cache line (and one 512-bit vector).</summary>
    public const int Alignment = 64;

    /// <summary>
    /// Allocates room for <paramref name="length"/> elements and the slack to align them, on the pinned object heap, so
    /// the block never moves and <see cref="Slice{T}"/> finds the same aligned start on every call.
    /// </summary>
    public static T[] Allocate<T>(int length) where T : unmanaged =>
        GC.AllocateArray<T>(checked(length + Alignment / Unsafe.SizeOf<T>()), pinned: true);

    /// <summary>The <paramref name="length"/> elements of <paramref name="block"/> (from <see cref="Allocate{T}"/>) that start on a 64-byte boundary.</summary>
    public static Span<T> Slice<T>(T[] block, int length) where T : unmanaged
    {
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(block, 0).ToInt64();
        int skip = (int)((Alignment - address % Alignment) % Alignment) / Unsafe.SizeOf<T>();
        return block.AsSpan(skip, length);
    }
}

/// <summary>
/// A pinned array of <c>T</c> whose elements start on a 64-byte boundary: the parameters and gradients of a generated
/// class layer, a class network's buffers, an optimizer's state. Its start is found once, when it is allocated, so <see cref="Span"/> costs no more than an array's.
/// Like everything in <c>DenseGen.CompilerServices</c>, it is called by generated code and is not part of the
/// supported API: it may change in any release.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct AlignedArray<T> where T : unmanaged
{
    private readonly T[] _block;
    private readonly int _start;
    private readonly int _length;

    /// <summary>Allocates <paramref name="length"/> zeroed elements from a cache-line boundary.</summary>
    public AlignedArray(int length)
    {
        _block = AlignedBuffer.Allocate<T>(length);
        _length = length;
        _start = (int)Unsafe.ByteOffset(ref _block[0], ref MemoryMarshal.GetReference(AlignedBuffer.Slice(_block, length))) / Unsafe.SizeOf<T>();
    }

    /// <summary>The elements.</summary>
    public Span<T> Span => new(_block, _start, _length);
}
