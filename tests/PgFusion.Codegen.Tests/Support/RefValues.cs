using System.Globalization;
using System.Numerics;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>
/// A float8 with PostgreSQL's ordering (float8_cmp_internal): NaN equals NaN and sorts above
/// Infinity, -0 equals 0. <see cref="ToString"/> is the same for equal values (for grouping).
/// </summary>
public readonly record struct RefFloat(double Value) : IComparable
{
    public int CompareTo(object? obj)
    {
        double o = ((RefFloat)obj!).Value;
        if (double.IsNaN(Value)) return double.IsNaN(o) ? 0 : 1;
        if (double.IsNaN(o)) return -1;
        return Value < o ? -1 : Value > o ? 1 : 0;
    }

    public override string ToString() => double.IsNaN(Value) ? "NaN" : Value == 0 ? "0" : Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// A numeric with PostgreSQL's ordering (cmp_numerics): -Infinity &lt; finite &lt; Infinity &lt; NaN,
/// finite values by value whatever their scale (1.0 = 1.00). <see cref="ToString"/> is the same for
/// equal values (trailing fraction zeros dropped).
/// </summary>
public sealed record RefNumeric(int Rank, BigInteger Unscaled, int Scale) : IComparable
{
    public static RefNumeric Parse(string text) => text switch
    {
        "-Infinity" => new(0, 0, 0),
        "Infinity" => new(2, 0, 0),
        "NaN" => new(3, 0, 0),
        _ => new(1, BigInteger.Parse(text.Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture), text.Contains('.', StringComparison.Ordinal) ? text.Length - text.IndexOf('.', StringComparison.Ordinal) - 1 : 0),
    };

    public int CompareTo(object? obj)
    {
        var o = (RefNumeric)obj!;
        if (Rank != o.Rank || Rank != 1) return Rank.CompareTo(o.Rank);
        int scale = Math.Max(Scale, o.Scale);
        return (Unscaled * BigInteger.Pow(10, scale - Scale)).CompareTo(o.Unscaled * BigInteger.Pow(10, scale - o.Scale));
    }

    public override string ToString()
    {
        if (Rank != 1) return Rank.ToString(CultureInfo.InvariantCulture);
        var u = Unscaled;
        int s = Scale;
        while (s > 0 && u % 10 == 0)
        {
            u /= 10;
            s--;
        }
        return $"{u}e-{s}";
    }
}
