using System.Numerics;
using PgFusion.HeapDecoder.Numeric;
using Xunit;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>
/// The branch-free short-numeric path (NumericScaled) against BigInteger arithmetic on the
/// same bytes: random headers, weights, digit counts, scales, digits over 9999 and garbage
/// after the value, read both with the 8-byte load and with the per-digit loads near the end of
/// readable memory, with the scaling computed and looked up in the per-scale table (TableFor).
/// A failure names the seed and the case.
/// </summary>
public sealed class NumericScaledTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Short_numerics_scale_exactly_or_fall_back(int seed)
    {
        var random = new Random(seed);
        var buffer = new byte[32];
        for (int c = 0; c < 200_000; c++)
        {
            int n = random.Next(0, 6);
            int weight = random.Next(-64, 64);
            bool negative = random.Next(2) == 1;
            int dscale = random.Next(0, 64);
            int scale = random.Next(-1, 21);
            int header = random.Next(20) switch
            {
                0 => 0xC000, // NaN
                1 => 0xD000, // +Infinity
                2 => 0xF000, // -Infinity
                3 => random.Next(0, 0x8000), // long form
                _ => 0x8000 | (negative ? 0x2000 : 0) | (dscale << 7) | (weight & 0x7F),
            };
            random.NextBytes(buffer);
            buffer[0] = (byte)header;
            buffer[1] = (byte)(header >> 8);
            var digits = new int[n];
            for (int i = 0; i < n; i++)
            {
                digits[i] = random.Next(50) == 0 ? random.Next(10000, 65536) : random.Next(4) == 0 ? 0 : random.Next(0, 10000);
                buffer[2 + (2 * i)] = (byte)digits[i];
                buffer[3 + (2 * i)] = (byte)(digits[i] >> 8);
            }
            int len = 2 + (2 * n);
            long expected = Reference(header, digits, scale);
            string context = $"seed {seed} case {c}: header 0x{header:X4}, digits [{string.Join(", ", digits)}], scale {scale}";
            Assert.True(expected == NumericScaled.TryShort(ref buffer[0], len, scale, buffer.Length), "8-byte load, " + context);
            Assert.True(expected == NumericScaled.TryShort(ref buffer[0], len, scale, len), "per-digit loads, " + context);
            // the table-driven form of the specialised walk: same answers
            var table = scale >= 0 ? NumericScaled.TableFor(scale) : NumericScaled.Never;
            Assert.True(expected == NumericScaled.TryShort(ref buffer[0], len, table, buffer.Length), "scale table, 8-byte load, " + context);
            Assert.True(expected == NumericScaled.TryShort(ref buffer[0], len, table, len), "scale table, per-digit loads, " + context);
        }
    }

    [Fact]
    public void Exact_division_finds_every_remainder()
    {
        var random = new Random(7);
        for (int c = 0; c < 200_000; c++)
        {
            ulong value = (ulong)random.NextInt64(0, 10_000_000_000_000_000);
            if (random.Next(2) == 0) value -= value % (ulong)Math.Pow(10, random.Next(0, 16));
            int k = random.Next(1, 25);
            BigInteger q = BigInteger.DivRem(value, BigInteger.Pow(10, k), out var rem);
            long expected = rem.IsZero ? (long)q : NumericScaled.NotDecoded;
            Assert.True(expected == NumericScaled.DivideExact(value, k), $"case {c}: {value} / 10^{k}");
        }
    }

    /// <summary>What the fast path must return: the scaled value when it is exact and fits, else NotDecoded.</summary>
    private static long Reference(int header, int[] digits, int scale)
    {
        if ((header & 0xC000) != 0x8000 || digits.Length > 4 || scale < 0 || digits.Any(d => d > 9999)) return NumericScaled.NotDecoded;
        int weight = (header & 0x3F) - ((header & 0x40) != 0 ? 64 : 0);
        BigInteger unscaled = BigInteger.Zero;
        foreach (int d in digits) unscaled = (unscaled * 10000) + d;
        // value = unscaled * 10000^(weight - n + 1); times 10^scale
        int e = (4 * (weight - digits.Length + 1)) + scale;
        if (e >= 0)
        {
            unscaled *= BigInteger.Pow(10, e);
        }
        else
        {
            unscaled = BigInteger.DivRem(unscaled, BigInteger.Pow(10, -e), out var rem);
            if (!rem.IsZero) return NumericScaled.NotDecoded;
        }
        if ((header & 0x2000) != 0) unscaled = -unscaled;
        return unscaled > long.MaxValue || unscaled <= long.MinValue ? NumericScaled.NotDecoded : (long)unscaled;
    }
}
