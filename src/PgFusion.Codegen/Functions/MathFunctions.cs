using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>abs, round, trunc, ceil and floor over integers, floats and numeric (int.c, int8.c, float.c, numeric.c).</summary>
public static class MathFunctions
{
    public static short Int2Abs(short v)
    {
        if (v == short.MinValue) PgErrors.SmallintOutOfRange();
        return Math.Abs(v);
    }

    public static int Int4Abs(int v)
    {
        if (v == int.MinValue) PgErrors.IntegerOutOfRange();
        return Math.Abs(v);
    }

    public static long Int8Abs(long v)
    {
        if (v == long.MinValue) PgErrors.BigintOutOfRange();
        return Math.Abs(v);
    }

    public static float Float4Abs(float v) => Math.Abs(v);

    public static double Float8Abs(double v) => Math.Abs(v);

    public static PgNumeric NumericAbs(PgNumeric v) => NumericMath.Abs(v);

    /// <summary>dround: rint, halves to even.</summary>
    public static double DRound(double v) => Math.Round(v, MidpointRounding.ToEven);

    public static double DTrunc(double v) => Math.Truncate(v);

    public static double DCeil(double v) => Math.Ceiling(v);

    public static double DFloor(double v) => Math.Floor(v);

    public static PgNumeric NumericRound(PgNumeric v, int scale) => NumericMath.RoundAt(v, scale);

    public static PgNumeric NumericRound0(PgNumeric v) => NumericMath.RoundAt(v, 0);

    public static PgNumeric NumericTrunc(PgNumeric v, int scale) => NumericMath.TruncAt(v, scale);

    public static PgNumeric NumericTrunc0(PgNumeric v) => NumericMath.TruncAt(v, 0);

    public static PgNumeric NumericCeil(PgNumeric v) => NumericMath.Ceil(v);

    public static PgNumeric NumericFloor(PgNumeric v) => NumericMath.Floor(v);
}
