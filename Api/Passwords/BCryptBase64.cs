namespace Api.Passwords;

/// <summary>
/// bcrypt's own base64: alphabet <c>./A-Za-z0-9</c>, no padding. A 22-character salt carries 16 bytes and
/// a 31-character digest 23 bytes; the last character's spare low bits are ignored on decoding and zero on
/// encoding, which is how crypt_blowfish canonicalises a salt it echoes.
/// </summary>
internal static class BCryptBase64
{
    private static ReadOnlySpan<byte> Alphabet => "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"u8;

    private static ReadOnlySpan<sbyte> Values =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1,
        54, 55, 56, 57, 58, 59, 60, 61, 62, 63, -1, -1, -1, -1, -1, -1,
        -1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, -1, -1, -1, -1, -1,
        -1, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
        43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, -1, -1, -1, -1, -1,
    ];

    public static int EncodedLength(int byteCount) => ((byteCount * 4) + 2) / 3;

    public static bool IsValid(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (Value(c) < 0)
            {
                return false;
            }
        }

        return true;
    }

    public static void Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var d = 0;
        for (var s = 0; s < source.Length; s += 3)
        {
            int c1 = source[s];
            destination[d++] = Alphabet[c1 >> 2];
            c1 = (c1 & 0x03) << 4;
            if (s + 1 == source.Length)
            {
                destination[d] = Alphabet[c1];
                return;
            }

            int c2 = source[s + 1];
            destination[d++] = Alphabet[c1 | (c2 >> 4)];
            c1 = (c2 & 0x0F) << 2;
            if (s + 2 == source.Length)
            {
                destination[d] = Alphabet[c1];
                return;
            }

            c2 = source[s + 2];
            destination[d++] = Alphabet[c1 | (c2 >> 6)];
            destination[d++] = Alphabet[c2 & 0x3F];
        }
    }

    public static bool TryDecode(ReadOnlySpan<char> source, Span<byte> destination)
    {
        if (source.Length != EncodedLength(destination.Length) || !IsValid(source))
        {
            return false;
        }

        var s = 0;
        var d = 0;
        while (true)
        {
            var c1 = Value(source[s++]);
            var c2 = Value(source[s++]);
            destination[d++] = (byte)((c1 << 2) | ((c2 & 0x30) >> 4));
            if (d == destination.Length)
            {
                return true;
            }

            var c3 = Value(source[s++]);
            destination[d++] = (byte)(((c2 & 0x0F) << 4) | ((c3 & 0x3C) >> 2));
            if (d == destination.Length)
            {
                return true;
            }

            var c4 = Value(source[s++]);
            destination[d++] = (byte)(((c3 & 0x03) << 6) | c4);
            if (d == destination.Length)
            {
                return true;
            }
        }
    }

    private static int Value(char c) => c < Values.Length ? Values[c] : -1;
}
