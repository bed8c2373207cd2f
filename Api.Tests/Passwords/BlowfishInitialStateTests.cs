using System.Numerics;
using Api.Passwords;

namespace Api.Tests.Passwords;

public class BlowfishInitialStateTests
{
    private const int GuardBits = 64;

    [Fact]
    public void Initial_state_is_the_hexadecimal_fraction_of_pi()
    {
        var bits = BlowfishInitialState.Length * 32;
        var fraction = PiFraction(bits);

        var expected = new uint[BlowfishInitialState.Length];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = (uint)((fraction >> ((expected.Length - 1 - i) * 32)) & uint.MaxValue);
        }

        Assert.Equal(0x243F6A88u, expected[0]);
        Assert.Equal(expected, BlowfishInitialState.Words.ToArray());
    }

    /// <summary>
    /// The first <paramref name="bits"/> bits of pi's fractional part, by Machin's formula
    /// pi = 16 atan(1/5) - 4 atan(1/239) in fixed point. Each series term truncates by under one unit, and
    /// a few thousand terms stay far inside the guard bits.
    /// </summary>
    private static BigInteger PiFraction(int bits)
    {
        var one = BigInteger.One << (bits + GuardBits);
        var pi = (16 * ArctanOfInverse(5, one)) - (4 * ArctanOfInverse(239, one));
        return (pi - (3 * one)) >> GuardBits;
    }

    private static BigInteger ArctanOfInverse(int x, BigInteger one)
    {
        var power = one / x;
        var squared = x * x;
        var sum = BigInteger.Zero;
        for (var k = 0; !power.IsZero; k++)
        {
            var term = power / ((2 * k) + 1);
            sum += (k & 1) == 0 ? term : -term;
            power /= squared;
        }

        return sum;
    }
}
