using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Api.Passwords;

/// <summary>
/// bcrypt's expensive key schedule (EksBlowfish) and the final 64-fold encryption of
/// "OrpheanBeholderScryDoubt", bit-compatible with crypt_blowfish as libxcrypt and PHP ship it.
/// </summary>
[SkipLocalsInit]
internal static unsafe class EksBlowfish
{
    public const int SaltLength = 16;
    public const int DigestLength = 23;

    private const int P = BlowfishInitialState.PLength;
    private const int S0 = P;
    private const int S1 = S0 + BlowfishInitialState.SBoxLength;
    private const int S2 = S1 + BlowfishInitialState.SBoxLength;
    private const int S3 = S2 + BlowfishInitialState.SBoxLength;
    private const int StateLength = BlowfishInitialState.Length;
    private const int MagicRounds = 64;

    private static ReadOnlySpan<uint> Magic => [0x4F727068, 0x65616E42, 0x65686F6C, 0x64657253, 0x63727944, 0x6F756274];

    /// <summary>Writes the 23-byte digest for <paramref name="password"/> under a validated minor, cost and salt.</summary>
    public static void Hash(ReadOnlySpan<byte> password, char minor, int cost, ReadOnlySpan<byte> salt, Span<byte> digest)
    {
        var state = stackalloc uint[StateLength];
        var key = stackalloc uint[P];
        var saltWords = stackalloc uint[4];
        var output = stackalloc uint[Magic.Length];
        try
        {
            var p0Flip = ExpandKey(password, minor, key);
            for (var i = 0; i < 4; i++)
            {
                saltWords[i] = BinaryPrimitives.ReadUInt32BigEndian(salt[(i * 4)..]);
            }

            BlowfishInitialState.Words.CopyTo(new Span<uint>(state, StateLength));
            for (var i = 0; i < P; i++)
            {
                state[i] ^= key[i];
            }

            state[0] ^= p0Flip;
            SeedWithSalt(state, saltWords);

            var rounds = 1u << cost;
            do
            {
                for (var i = 0; i < P; i++)
                {
                    state[i] ^= key[i];
                }

                Rekey(state);
                for (var i = 0; i < P; i++)
                {
                    state[i] ^= saltWords[i & 3];
                }

                Rekey(state);
            }
            while (--rounds != 0);

            for (var i = 0; i < Magic.Length; i += 2)
            {
                var l = Magic[i];
                var r = Magic[i + 1];
                for (var j = 0; j < MagicRounds; j++)
                {
                    Encrypt(state, ref l, ref r);
                }

                output[i] = l;
                output[i + 1] = r;
            }

            Span<byte> bytes = stackalloc byte[Magic.Length * 4];
            for (var i = 0; i < Magic.Length; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes[(i * 4)..], output[i]);
            }

            bytes[..DigestLength].CopyTo(digest);
            CryptographicOperations.ZeroMemory(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(new Span<byte>(state, StateLength * sizeof(uint)));
            CryptographicOperations.ZeroMemory(new Span<byte>(key, P * sizeof(uint)));
            CryptographicOperations.ZeroMemory(new Span<byte>(output, Magic.Length * sizeof(uint)));
        }
    }

    /// <summary>
    /// Cycles the password bytes and one terminating NUL into 18 big-endian words, as crypt_blowfish's
    /// BF_set_key does, and returns the bit to flip in P[0] for <c>$2a$</c>. An embedded NUL is kept as a
    /// byte instead of ending the password (crypt(3) cannot see past it; see <see cref="BCrypt"/>).
    /// </summary>
    private static uint ExpandKey(ReadOnlySpan<byte> password, char minor, uint* key)
    {
        var position = 0;
        uint sign = 0;
        uint diff = 0;
        for (var i = 0; i < P; i++)
        {
            uint correct = 0;
            uint signExtended = 0;
            for (var j = 0; j < 4; j++)
            {
                var b = position < password.Length ? password[position] : (byte)0;
                // The old bug read bytes as signed char: 0xA3 became 0xFFFFFFA3 and clobbered the word's other bytes.
                var extended = (uint)(sbyte)b;
                correct = (correct << 8) | b;
                signExtended = (signExtended << 8) | extended;
                if (j != 0)
                {
                    sign |= b & 0x80u;
                }

                position = position < password.Length ? position + 1 : 0;
            }

            diff |= correct ^ signExtended;
            // $2x$ exists only to verify hashes made by crypt_blowfish before its 2011 sign-extension fix.
            key[i] = minor == 'x' ? signExtended : correct;
        }

        if (minor != 'a')
        {
            return 0;
        }

        // crypt_blowfish's $2a$ countermeasure: when a password has 8-bit bytes that the old bug would have
        // sign-extended, yet both expansions agree, flip one bit so the buggy and fixed hashes cannot collide.
        diff |= diff >> 16;
        diff &= 0xFFFF;
        diff += 0xFFFF;
        sign <<= 9;
        return sign & ~diff & 0x10000u;
    }

    private static void SeedWithSalt(uint* state, uint* saltWords)
    {
        uint l = 0;
        uint r = 0;
        var k = 0;
        for (var q = state; q < state + StateLength; q += 2)
        {
            l ^= saltWords[k];
            r ^= saltWords[k + 1];
            Encrypt(state, ref l, ref r);
            q[0] = l;
            q[1] = r;
            k ^= 2;
        }
    }

    private static void Rekey(uint* state)
    {
        uint l = 0;
        uint r = 0;
        for (var q = state; q < state + StateLength; q += 2)
        {
            Encrypt(state, ref l, ref r);
            q[0] = l;
            q[1] = r;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Encrypt(uint* s, ref uint left, ref uint right)
    {
        var l = left ^ s[0];
        var r = right;
        r = r ^ s[1] ^ F(s, l);
        l = l ^ s[2] ^ F(s, r);
        r = r ^ s[3] ^ F(s, l);
        l = l ^ s[4] ^ F(s, r);
        r = r ^ s[5] ^ F(s, l);
        l = l ^ s[6] ^ F(s, r);
        r = r ^ s[7] ^ F(s, l);
        l = l ^ s[8] ^ F(s, r);
        r = r ^ s[9] ^ F(s, l);
        l = l ^ s[10] ^ F(s, r);
        r = r ^ s[11] ^ F(s, l);
        l = l ^ s[12] ^ F(s, r);
        r = r ^ s[13] ^ F(s, l);
        l = l ^ s[14] ^ F(s, r);
        r = r ^ s[15] ^ F(s, l);
        l = l ^ s[16] ^ F(s, r);
        left = r ^ s[17];
        right = l;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint F(uint* s, uint x) =>
        ((s[S0 + (nuint)(x >> 24)] + s[S1 + (nuint)(byte)(x >> 16)]) ^ s[S2 + (nuint)(byte)(x >> 8)]) + s[S3 + (nuint)(byte)x];
}
