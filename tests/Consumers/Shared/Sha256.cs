// SHA-256 (FIPS 180-4) in plain C# 9 over .NET Standard 2.0 APIs, for the determinism digest: the programs that
// compute it run where System.Security.Cryptography is missing or unreliable (Mono as Debian ships it, a self-contained
// arm64 build under qemu with no OpenSSL of its target), so the digest brings its own. The test suite checks it
// against the platform's implementation.
using System;

namespace Consumers
{
    public sealed class Sha256
    {
        private static readonly uint[] RoundConstants =
        {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        };

        private readonly uint[] _state = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
        private readonly byte[] _block = new byte[64];
        private readonly uint[] _schedule = new uint[64];
        private int _blockLength;
        private ulong _totalBytes;
        private bool _finished;

        public void Append(byte value)
        {
            if (_finished)
                throw new InvalidOperationException("The hash is already finished.");
            _block[_blockLength++] = value;
            _totalBytes++;
            if (_blockLength == 64)
                Compress();
        }

        public void Append(byte[] bytes)
        {
            foreach (byte b in bytes)
                Append(b);
        }

        /// <summary>Appends the eight bytes of <paramref name="value"/>, least significant first.</summary>
        public void AppendLittleEndian(ulong value)
        {
            for (int i = 0; i < 8; i++)
                Append((byte)(value >> (8 * i)));
        }

        /// <summary>Pads the message, and returns the 32-byte hash as 64 lowercase hexadecimal digits.</summary>
        public string Finish()
        {
            ulong bits = _totalBytes * 8;
            Append(0x80);
            while (_blockLength != 56)
                Append(0);
            for (int i = 7; i >= 0; i--)
                Append((byte)(bits >> (8 * i)));
            _finished = true;
            var hex = new char[64];
            const string digits = "0123456789abcdef";
            for (int word = 0; word < 8; word++)
            {
                for (int nibble = 0; nibble < 8; nibble++)
                    hex[word * 8 + nibble] = digits[(int)(_state[word] >> (28 - 4 * nibble)) & 0xf];
            }
            return new string(hex);
        }

        private static uint Rotate(uint x, int n) => (x >> n) | (x << (32 - n));

        private void Compress()
        {
            uint[] w = _schedule;
            for (int t = 0; t < 16; t++)
                w[t] = (uint)(_block[4 * t] << 24 | _block[4 * t + 1] << 16 | _block[4 * t + 2] << 8 | _block[4 * t + 3]);
            for (int t = 16; t < 64; t++)
            {
                uint s0 = Rotate(w[t - 15], 7) ^ Rotate(w[t - 15], 18) ^ (w[t - 15] >> 3);
                uint s1 = Rotate(w[t - 2], 17) ^ Rotate(w[t - 2], 19) ^ (w[t - 2] >> 10);
                w[t] = unchecked(w[t - 16] + s0 + w[t - 7] + s1);
            }
            uint a = _state[0], b = _state[1], c = _state[2], d = _state[3], e = _state[4], f = _state[5], g = _state[6], h = _state[7];
            for (int t = 0; t < 64; t++)
            {
                uint sum1 = Rotate(e, 6) ^ Rotate(e, 11) ^ Rotate(e, 25);
                uint choose = (e & f) ^ (~e & g);
                uint temp1 = unchecked(h + sum1 + choose + RoundConstants[t] + w[t]);
                uint sum0 = Rotate(a, 2) ^ Rotate(a, 13) ^ Rotate(a, 22);
                uint majority = (a & b) ^ (a & c) ^ (b & c);
                uint temp2 = unchecked(sum0 + majority);
                h = g;
                g = f;
                f = e;
                e = unchecked(d + temp1);
                d = c;
                c = b;
                b = a;
                a = unchecked(temp1 + temp2);
            }
            unchecked
            {
                _state[0] += a; _state[1] += b; _state[2] += c; _state[3] += d;
                _state[4] += e; _state[5] += f; _state[6] += g; _state[7] += h;
            }
            _blockLength = 0;
        }
    }
}
