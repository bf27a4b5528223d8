using System;
using System.Runtime.CompilerServices;

namespace DenseGen;

/// <summary>
/// The few integer operations <see cref="SeededRandom"/> needs, as .NET 8's intrinsics where they exist and as
/// plain arithmetic in the .NET Standard builds, so every build draws the same numbers.
/// </summary>
internal static class Bits
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong RotateLeft(ulong value, int offset) =>
#if NET8_0_OR_GREATER
        System.Numerics.BitOperations.RotateLeft(value, offset);
#else
        (value << offset) | (value >> (64 - offset));
#endif

    /// <summary>The 128-bit product of two 64-bit values: returns the high half, <paramref name="low"/> gets the low half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BigMul(ulong a, ulong b, out ulong low) =>
#if NET8_0_OR_GREATER
        Math.BigMul(a, b, out low);
#else
        BigMulPortable(a, b, out low);
#endif

    /// <summary>
    /// <see cref="BigMul"/> from 32-bit halves, for the .NET Standard builds (and for tests on .NET 8, against
    /// Math.BigMul). No partial sum overflows: <c>cross</c> is at most <c>3(2³² − 1) + (2³² − 1)² − 2(2³² − 1) &lt; 2⁶⁴</c>.
    /// </summary>
    internal static ulong BigMulPortable(ulong a, ulong b, out ulong low)
    {
        ulong aLow = (uint)a, aHigh = a >> 32, bLow = (uint)b, bHigh = b >> 32;
        ulong lowLow = aLow * bLow, highLow = aHigh * bLow, lowHigh = aLow * bHigh, highHigh = aHigh * bHigh;
        ulong cross = (lowLow >> 32) + (uint)highLow + lowHigh;
        low = (cross << 32) | (uint)lowLow;
        return highHigh + (highLow >> 32) + (cross >> 32);
    }
}
