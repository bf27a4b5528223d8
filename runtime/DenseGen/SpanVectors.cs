using System.Numerics;
using System.Runtime.CompilerServices;

namespace DenseGen;

/// <summary>Unaligned <see cref="Vector{T}"/> loads and stores at an element offset, for the runtime's element-wise loops.</summary>
internal static class SpanVectors
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load<T>(ref T start, int index) where T : unmanaged =>
        Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref start, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector<T> value, ref T start, int index) where T : unmanaged =>
        Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref start, index)), value);
}
