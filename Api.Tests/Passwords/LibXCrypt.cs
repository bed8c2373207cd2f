using System.Runtime.InteropServices;
using System.Text;

namespace Api.Tests.Passwords;

/// <summary>
/// The system's libxcrypt (Debian's libcrypt.so.1), the crypt(3) that PHP and most Linux tools share:
/// the reference our bcrypt must agree with in both directions.
/// </summary>
internal static unsafe partial class LibXCrypt
{
    private const string Library = "libcrypt.so.1";

    // sizeof(struct crypt_data) and CRYPT_GENSALT_OUTPUT_SIZE in libxcrypt 4.4's /usr/include/crypt.h.
    private const int CryptDataSize = 32768;
    private const int GenSaltOutputSize = 192;

    /// <summary>crypt_rn, or null when libxcrypt refuses the setting.</summary>
    public static string? Crypt(ReadOnlySpan<byte> password, string setting)
    {
        if (password.Contains((byte)0))
        {
            throw new ArgumentException("A C string cannot carry NUL bytes.", nameof(password));
        }

        var phrase = new byte[password.Length + 1];
        password.CopyTo(phrase);
        var settingBytes = Encoding.ASCII.GetBytes(setting + "\0");
        var data = NativeMemory.AllocZeroed(CryptDataSize);
        try
        {
            fixed (byte* p = phrase, s = settingBytes)
            {
                return Marshal.PtrToStringAnsi((nint)crypt_rn(p, s, data, CryptDataSize));
            }
        }
        finally
        {
            NativeMemory.Free(data);
        }
    }

    /// <summary>A fresh setting such as <c>$2b$05$...</c> from libxcrypt's own random source.</summary>
    public static string GenSalt(string prefix, int cost)
    {
        var prefixBytes = Encoding.ASCII.GetBytes(prefix + "\0");
        var output = stackalloc byte[GenSaltOutputSize];
        fixed (byte* p = prefixBytes)
        {
            var result = crypt_gensalt_rn(p, (nuint)cost, null, 0, output, GenSaltOutputSize);
            return Marshal.PtrToStringAnsi((nint)result)
                ?? throw new InvalidOperationException($"crypt_gensalt_rn refused {prefix} at cost {cost}.");
        }
    }

    [LibraryImport(Library)]
    private static partial byte* crypt_rn(byte* phrase, byte* setting, void* data, int size);

    [LibraryImport(Library)]
    private static partial byte* crypt_gensalt_rn(byte* prefix, nuint count, byte* rbytes, int nrbytes, byte* output, int outputSize);
}
