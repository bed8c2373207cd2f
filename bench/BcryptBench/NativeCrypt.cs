using System.Runtime.InteropServices;

namespace BcryptBench;

/// <summary>libxcrypt's reentrant crypt, the native baseline our bcrypt must keep up with.</summary>
internal static unsafe partial class NativeCrypt
{
    private const string Library = "libcrypt.so.1";

    // sizeof(struct crypt_data) in libxcrypt 4.4 (/usr/include/crypt.h).
    private const int DataSize = 32768;

    public static string Crypt(ReadOnlySpan<byte> password, string setting)
    {
        var phrase = new byte[password.Length + 1];
        password.CopyTo(phrase);
        var data = NativeMemory.AllocZeroed(DataSize);
        try
        {
            fixed (byte* p = phrase)
            {
                var result = crypt_rn(p, setting, data, DataSize);
                return Marshal.PtrToStringAnsi((nint)result)
                    ?? throw new InvalidOperationException($"crypt_rn refused setting {setting}.");
            }
        }
        finally
        {
            NativeMemory.Free(data);
        }
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial byte* crypt_rn(byte* phrase, string setting, void* data, int size);
}
