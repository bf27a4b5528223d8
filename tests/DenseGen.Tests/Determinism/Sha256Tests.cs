using System;
using System.Security.Cryptography;
using Xunit;

namespace DenseGen.Tests.Determinism;

/// <summary>
/// The determinism digest's own SHA-256 (tests/Consumers/Shared/Sha256.cs) against FIPS 180-4's example and the
/// platform's implementation, at every length around the padding's edges (55, 56 and 64 bytes move the length field
/// into a block of its own or not) and across several blocks.
/// </summary>
public class Sha256Tests
{
    [Fact]
    public void TheStandardsExampleHashesToItsPublishedValue()
    {
        var hash = new Consumers.Sha256();
        hash.Append("abc"u8.ToArray());
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hash.Finish());
    }

    [Fact]
    public void EveryLengthMatchesThePlatformsHash()
    {
        var random = new Random(5);
        for (int length = 0; length <= 300; length++)
        {
            byte[] message = new byte[length];
            random.NextBytes(message);
            var hash = new Consumers.Sha256();
            hash.Append(message);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(message)), hash.Finish());
        }
    }

    [Fact]
    public void LittleEndianWordsAreTheirBytesLowFirst()
    {
        var words = new Consumers.Sha256();
        words.AppendLittleEndian(0x0807060504030201UL);
        var bytes = new Consumers.Sha256();
        bytes.Append([1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Equal(bytes.Finish(), words.Finish());
    }
}
