using System.Diagnostics;
using System.Globalization;
using BcryptBench;

// Times BCrypt.Net-Next (what PasswordHasher uses) against libxcrypt's crypt_rn on the same password and setting. The
// two run interleaved so that frequency scaling and noisy neighbours hit both alike; the median resists outliers.
const int Runs = 7;
int[] costs = [10, 12];
const string password = "correct horse battery staple";
var passwordBytes = System.Text.Encoding.UTF8.GetBytes(password);

Console.WriteLine($"bcrypt, {Environment.ProcessorCount} cores, .NET {Environment.Version}, median of {Runs} interleaved runs");
Console.WriteLine();
Console.WriteLine("| cost | BCrypt.Net-Next (ms) | libxcrypt (ms) | BCrypt.Net-Next / libxcrypt |");
Console.WriteLine("|-----:|----------:|---------------:|-----------------:|");

foreach (var cost in costs)
{
    var setting = $"$2b${cost:D2}$abcdefghijklmnopqrstuu";
    var ours = BCrypt.Net.BCrypt.HashPassword(password, setting);
    var native = NativeCrypt.Crypt(passwordBytes, setting);
    if (ours != native)
    {
        Console.Error.WriteLine($"Mismatch at cost {cost}: BCrypt.Net-Next {ours}, libxcrypt {native}");
        return 1;
    }

    var oursMs = new double[Runs];
    var nativeMs = new double[Runs];
    for (var i = 0; i < Runs; i++)
    {
        oursMs[i] = Time(() => BCrypt.Net.BCrypt.HashPassword(password, setting));
        nativeMs[i] = Time(() => NativeCrypt.Crypt(passwordBytes, setting));
    }

    var oursMedian = Median(oursMs);
    var nativeMedian = Median(nativeMs);
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {cost} | {oursMedian:F1} | {nativeMedian:F1} | {oursMedian / nativeMedian:F2} |"));
}

return 0;

static double Time(Func<string> hash)
{
    var start = Stopwatch.GetTimestamp();
    hash();
    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}

static double Median(double[] values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}
