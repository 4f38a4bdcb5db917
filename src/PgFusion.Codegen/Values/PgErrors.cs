using System.Diagnostics.CodeAnalysis;
using PgFusion.Types;

namespace PgFusion.Codegen.Values;

/// <summary>
/// PostgreSQL's errors raised from kernels, with its SQLSTATEs and messages. The throwing helpers
/// are kept out of line so the arithmetic that calls them stays small enough to inline.
/// </summary>
public static class PgErrors
{
    public const string NumericValueOutOfRange = "22003";
    public const string DivisionByZero = "22012";
    public const string DatetimeFieldOverflow = "22008";
    public const string InvalidEscapeSequence = "22025";
    public const string StringDataRightTruncation = "22001";
    public const string FeatureNotSupported = "0A000";

    [DoesNotReturn]
    public static void SmallintOutOfRange() => throw new PgFusionException(NumericValueOutOfRange, "smallint out of range");

    [DoesNotReturn]
    public static void IntegerOutOfRange() => throw new PgFusionException(NumericValueOutOfRange, "integer out of range");

    [DoesNotReturn]
    public static void BigintOutOfRange() => throw new PgFusionException(NumericValueOutOfRange, "bigint out of range");

    [DoesNotReturn]
    public static void DivideByZero() => throw new PgFusionException(DivisionByZero, "division by zero");

    [DoesNotReturn]
    public static void FloatOverflow() => throw new PgFusionException(NumericValueOutOfRange, "value out of range: overflow");

    [DoesNotReturn]
    public static void FloatUnderflow() => throw new PgFusionException(NumericValueOutOfRange, "value out of range: underflow");

    [DoesNotReturn]
    public static void DateOutOfRange() => throw new PgFusionException(DatetimeFieldOverflow, "date out of range");

    [DoesNotReturn]
    public static void TimestampOutOfRange() => throw new PgFusionException(DatetimeFieldOverflow, "timestamp out of range");

    [DoesNotReturn]
    public static void Raise(string sqlState, string message) => throw new PgFusionException(sqlState, message);
}
