using System;

namespace DenseGen;

/// <summary>
/// A small, fast pseudo-random generator whose output depends on the seed alone: the same seed gives the same
/// numbers on every machine, operating system and .NET version. It is xoshiro256** (Blackman and Vigna) seeded
/// through SplitMix64, and every derived value (uniform doubles and floats, Gaussians, shuffles) uses integer
/// arithmetic and correctly rounded IEEE operations only, never a math-library function whose last bit may vary by
/// platform.
/// </summary>
/// <remarks>Not cryptographically secure. Not thread-safe: give each thread its own instance.</remarks>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from <paramref name="seed"/>; any value, zero included, is a good seed.</summary>
    public SeededRandom(ulong seed)
    {
        // SplitMix64 spreads the seed over the 256-bit state, which must not be all zero (SplitMix64 never
        // gives four zeros in a row).
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>One step of SplitMix64 (Steele, Lea and Flood): advances <paramref name="state"/> and returns the next output.</summary>
    internal static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = Bits.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = Bits.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in <c>[0, 1)</c>, a multiple of 2⁻⁵³.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A uniform float in <c>[0, 1)</c>, a multiple of 2⁻²⁴: the top 24 bits of <see cref="NextUInt64"/> times 2⁻²⁴,
    /// exact in float, so the same seed gives the same floats on every machine. It takes one draw, as
    /// <see cref="NextDouble"/> does, and is not <c>(float)NextDouble()</c>, which can round up to 1.
    /// </summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A uniform integer in <c>[0, maxExclusive)</c>, without modulo bias (Lemire's method).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is not positive.</exception>
    public int NextInt32(int maxExclusive)
    {
        if (maxExclusive <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Must be positive.");
        ulong range = (ulong)maxExclusive;
        while (true)
        {
            ulong high = Bits.BigMul(NextUInt64(), range, out ulong low);
            // Reject the few low values that would make some results one draw more likely than others.
            if (low >= range || low >= (0UL - range) % range)
                return (int)high;
        }
    }

    /// <summary>
    /// A standard normal value (mean 0, variance 1), by Marsaglia's polar method. The logarithm it needs is
    /// computed here from IEEE operations, so the value is the same on every platform.
    /// </summary>
    public double NextGaussian()
    {
        while (true)
        {
            double u = 2 * NextDouble() - 1;
            double v = 2 * NextDouble() - 1;
            double s = u * u + v * v;
            if (s > 0 && s < 1)
                return u * Math.Sqrt(-2 * DeterministicMath.LogOfNormal(s) / s);
        }
    }

    /// <summary>Puts the elements of <paramref name="values"/> in a uniformly random order (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
