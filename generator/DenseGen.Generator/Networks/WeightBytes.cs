using System;
using System.Globalization;
using System.Security.Cryptography;

namespace DenseGen.Generator.Networks;

/// <summary>
/// Immutable bytes that ride through the incremental pipeline by identity: a weight file's contents, or a network's
/// baked weights, which reach tens of megabytes. Equality and the hash code are the length and the SHA-256 of the bytes,
/// computed once, when the bytes are made (a weight file decoded, weights baked); the bytes themselves take no part in
/// either, so comparing two models that hold them, which the compiler does at every step a model is produced again, costs
/// a few integer comparisons however large the model is.
/// </summary>
/// <remarks>
/// That is safe because nothing can change the bytes after they are hashed: this type takes sole ownership of the array it
/// is given and hands out only read-only views. Equal length and SHA-256 means equal bytes unless SHA-256 collides, which
/// no one has ever made happen by accident or on purpose; a weaker 64-bit hash would need the bytes compared as well.
/// </remarks>
internal sealed class WeightBytes : IEquatable<WeightBytes>
{
    /// <summary>No bytes: what a weight file that could not be read holds.</summary>
    public static readonly WeightBytes Empty = new(Array.Empty<byte>(), count: false);

    // How many times this thread has hashed bytes: lets the caching tests prove that an edit hashed nothing. (The compiler
    // runs a generator on the thread that asked for the run, and the tests check that the count moves on the first run.)
    [ThreadStatic]
    private static int t_hashes;

    private readonly byte[] _bytes;
    private readonly ulong _hash0, _hash1, _hash2, _hash3;

    private WeightBytes(byte[] bytes, bool count)
    {
        _bytes = bytes;
        byte[] digest;
        using (SHA256 sha = SHA256.Create())
            digest = sha.ComputeHash(bytes);
        _hash0 = BitConverter.ToUInt64(digest, 0);
        _hash1 = BitConverter.ToUInt64(digest, 8);
        _hash2 = BitConverter.ToUInt64(digest, 16);
        _hash3 = BitConverter.ToUInt64(digest, 24);
        if (count)
            t_hashes++;
    }

    /// <summary>Hashes <paramref name="bytes"/> and takes them over: the caller must not keep or change the array.</summary>
    public static WeightBytes Own(byte[] bytes) => bytes.Length == 0 ? Empty : new WeightBytes(bytes, count: true);

    /// <summary>How many times bytes were hashed on this thread (for tests).</summary>
    internal static int HashesOnThisThread => t_hashes;

    public int Length => _bytes.Length;

    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>A copy of the bytes, for readers that take an array.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    public bool Equals(WeightBytes? other) =>
        ReferenceEquals(this, other)
        || (other is not null && _bytes.Length == other._bytes.Length
            && _hash0 == other._hash0 && _hash1 == other._hash1 && _hash2 == other._hash2 && _hash3 == other._hash3);

    public override bool Equals(object? obj) => Equals(obj as WeightBytes);

    public override int GetHashCode() => unchecked((int)_hash0);

    public override string ToString() =>
        _bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes, SHA-256 "
        + Hex(_hash0) + Hex(_hash1) + Hex(_hash2) + Hex(_hash3);

    private static string Hex(ulong part) => BitConverter.ToString(BitConverter.GetBytes(part)).Replace("-", "").ToLowerInvariant();
}
