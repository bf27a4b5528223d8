using System;

namespace DenseGen.CompilerServices;

/// <summary>
/// The .NET Standard stand-in for the .NET 8 build's cache-line-aligned array, which optimizers keep their state in:
/// a plain array, since these runtimes cannot pin an array when they allocate it. Alignment only saves time.
/// </summary>
internal readonly struct AlignedArray<T> where T : unmanaged
{
    private readonly T[] _array;

    public AlignedArray(int length) => _array = new T[length];

    public Span<T> Span => _array;
}
