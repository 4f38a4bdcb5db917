using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// Conversions to text: x::text through the output function (CoerceViaIO), and || with a non-text operand.
public sealed partial class ExpressionBinder
{
    /// <summary>x::text / x::varchar through x's output function; for dates, timestamps, floats and bytea as the session's settings print them (<see cref="Output"/>).</summary>
    private BoundExpr BindCoerceViaIO(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint result = node.UInt32("resulttype");
        if (result is not (PgTypeOid.Text or PgTypeOid.Varchar))
            throw UnsupportedConstructException.NotYet($"cast to {TypeLabel(result)} through text I/O (CoerceViaIO)");
        var text = ToText(Bind(node.Field("arg"), aggregates));
        return result == PgTypeOid.Text ? text : new BoundRelabel(text, new PgType(PgTypeOid.Varchar));
    }

    /// <summary>
    /// anytextcat (2004, anynonarray || text) and textanycat (2003, text || anynonarray) are the SQL
    /// functions $1::text || $2 and $1 || $2::text: bound as textcat over the operand's text.
    /// </summary>
    private BoundExpr? BindAnyTextCat(uint funcId, IReadOnlyList<BoundExpr> args)
    {
        if (funcId is not (2003 or 2004) || args.Count != 2) return null;
        var left = funcId == 2004 ? ToText(args[0]) : args[0];
        var right = funcId == 2003 ? ToText(args[1]) : args[1];
        return new BoundFuncCall(1258, "textcat", [left, right], PgType.Text);
    }

    /// <summary>The text of <paramref name="e"/>; a call of a type's output function is a CoerceViaIO (<see cref="BoundFuncCall.ViaIo"/>).</summary>
    private BoundExpr ToText(BoundExpr e) => ToTextCall(e) switch
    {
        BoundFuncCall { Name: var name } output when name.EndsWith("out", StringComparison.Ordinal) => output with { ViaIo = true },
        var text => text,
    };

    private BoundExpr ToTextCall(BoundExpr e) => e.Type.Oid switch
    {
        PgTypeOid.Text => e,
        PgTypeOid.Varchar => new BoundRelabel(e, PgType.Text),
        PgTypeOid.Bpchar => new BoundFuncCall(401, "text", [e], PgType.Text),
        PgTypeOid.Int2 => new BoundFuncCall(39, "int2out", [e], PgType.Text),
        PgTypeOid.Int4 => new BoundFuncCall(43, "int4out", [e], PgType.Text),
        PgTypeOid.Int8 => new BoundFuncCall(461, "int8out", [e], PgType.Text),
        PgTypeOid.Oid => new BoundFuncCall(1799, "oidout", [e], PgType.Text),
        PgTypeOid.Numeric => new BoundFuncCall(1702, "numeric_out", [e], PgType.Text),
        PgTypeOid.Bool => new BoundFuncCall(2971, "text", [e], PgType.Text),
        PgTypeOid.Uuid => new BoundFuncCall(2953, "uuid_out", [e], PgType.Text),
        PgTypeOid.Time => new BoundFuncCall(1144, "time_out", [e], PgType.Text),
        PgTypeOid.Date => new BoundFuncCall(1085, "date_out", [e, DateStyleArgument(e)], PgType.Text),
        PgTypeOid.Timestamp => new BoundFuncCall(1313, "timestamp_out", [e, DateStyleArgument(e)], PgType.Text),
        PgTypeOid.Timestamptz => new BoundFuncCall(1151, "timestamptz_out", [e, DateStyleArgument(e), TimeZoneArgument("timestamp with time zone as text")], PgType.Text),
        PgTypeOid.Interval => new BoundFuncCall(1161, "interval_out", [e, IntervalStyleArgument()], PgType.Text),
        PgTypeOid.Float4 => new BoundFuncCall(201, "float4out", [e, ExtraFloatDigitsArgument(e)], PgType.Text),
        PgTypeOid.Float8 => new BoundFuncCall(215, "float8out", [e, ExtraFloatDigitsArgument(e)], PgType.Text),
        PgTypeOid.Bytea => HexByteaOut(e),
        _ => throw UnsupportedConstructException.NotYet($"{TypeLabel(e.Type.Oid)} as text (its text depends on session settings or is not implemented)"),
    };

    /// <summary>
    /// date_out and timestamp_out print by DateStyle, which the session may change: the style goes
    /// into the call as a constant second argument (<see cref="DateStyleCodes"/>), and a cached
    /// plan executed under another DateStyle is compiled again (docs/ipc.md, PGF_FLAG_SETTINGS_CHANGED).
    /// </summary>
    private BoundConst DateStyleArgument(BoundExpr e) =>
        Output.DateStyleCode is { } code
            ? new BoundConst(code, PgType.Int4)
            : throw UnsupportedConstructException.NotYet($"{TypeLabel(e.Type.Oid)} as text under DateStyle '{Output.DateStyle ?? "(not sent)"}'");

    /// <summary>float4out / float8out print by extra_float_digits (above 0 the shortest exact text, else a rounded %g): a constant second argument, like the DateStyle.</summary>
    private BoundConst ExtraFloatDigitsArgument(BoundExpr e) =>
        Output.ExtraFloatDigits is { } digits
            ? new BoundConst(digits, PgType.Int4)
            : throw UnsupportedConstructException.NotYet($"{TypeLabel(e.Type.Oid)} as text without the session's extra_float_digits");

    /// <summary>interval_out prints by IntervalStyle: a constant second argument (<see cref="IntervalStyleCodes"/>).</summary>
    private BoundConst IntervalStyleArgument() =>
        Output.IntervalStyleCode is { } code
            ? new BoundConst(code, PgType.Int4)
            : throw UnsupportedConstructException.NotYet($"interval as text under IntervalStyle '{Output.IntervalStyle ?? "(not sent)"}'");

    /// <summary>byteaout with bytea_output = hex; the escape format is not implemented.</summary>
    private BoundFuncCall HexByteaOut(BoundExpr e) =>
        Output.ByteaOutput == "hex"
            ? new BoundFuncCall(31, "byteaout", [e], PgType.Text)
            : throw UnsupportedConstructException.NotYet($"bytea as text with bytea_output = '{Output.ByteaOutput ?? "(not sent)"}' (only hex is implemented)");
}
