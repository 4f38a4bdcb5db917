using System.Numerics;

namespace PgFusion.Types;

public enum NumericKind : byte
{
    Finite = 0,
    NaN = 1,
    PositiveInfinity = 2,
    NegativeInfinity = 3,
}

/// <summary>
/// A PostgreSQL numeric value: Unscaled / 10^Scale, where Scale is the value's display scale
/// (dscale, which PostgreSQL keeps per value and prints). Values with more than 38 significant
/// digits do not fit Int128 and carry their unscaled value in <see cref="Big"/> instead.
/// </summary>
public readonly record struct PgNumeric(Int128 Unscaled, short Scale, NumericKind Kind = NumericKind.Finite, BigInteger? Big = null)
{
    public static readonly PgNumeric NaN = new(0, 0, NumericKind.NaN);
    public static readonly PgNumeric PositiveInfinity = new(0, 0, NumericKind.PositiveInfinity);
    public static readonly PgNumeric NegativeInfinity = new(0, 0, NumericKind.NegativeInfinity);

    public bool IsFinite => Kind == NumericKind.Finite;

    /// <summary>The unscaled value at any size.</summary>
    public BigInteger UnscaledBig => Big ?? (BigInteger)Unscaled;

    /// <summary>numeric_out's text: plain notation with exactly Scale digits after the point.</summary>
    public override string ToString()
    {
        switch (Kind)
        {
            case NumericKind.NaN: return "NaN";
            case NumericKind.PositiveInfinity: return "Infinity";
            case NumericKind.NegativeInfinity: return "-Infinity";
        }
        var v = UnscaledBig;
        bool negative = v.Sign < 0;
        string digits = BigInteger.Abs(v).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Scale > 0)
        {
            if (digits.Length <= Scale) digits = new string('0', Scale - digits.Length + 1) + digits;
            digits = digits[..^Scale] + "." + digits[^Scale..];
        }
        return negative ? "-" + digits : digits;
    }
}
