using System.Globalization;

namespace PgFusion.Planner.Logical;

/// <summary>Where a window frame starts or ends (PostgreSQL's FRAMEOPTION_*_UNBOUNDED/CURRENT_ROW/OFFSET_* bits).</summary>
public enum WindowFrameBound
{
    UnboundedPreceding,
    OffsetPreceding,
    CurrentRow,
    OffsetFollowing,
    UnboundedFollowing,
}

/// <summary>
/// The frame of a window clause that pg_fusion evaluates: ROWS with any bounds (offsets are constant,
/// non-negative row counts), or RANGE between UNBOUNDED PRECEDING / CURRENT ROW (the current row's
/// first or last peer) / UNBOUNDED FOLLOWING. GROUPS, RANGE with an offset and EXCLUDE are not
/// represented: the binder rejects them.
/// </summary>
public sealed record WindowFrame(bool Rows, WindowFrameBound Start, long StartOffset, WindowFrameBound End, long EndOffset)
{
    /// <summary>RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW: the frame without a frame clause.</summary>
    public static readonly WindowFrame Default = new(Rows: false, WindowFrameBound.UnboundedPreceding, 0, WindowFrameBound.CurrentRow, 0);

    public override string ToString() => $"{(Rows ? "ROWS" : "RANGE")} BETWEEN {Format(Start, StartOffset)} AND {Format(End, EndOffset)}";

    private static string Format(WindowFrameBound bound, long offset) => bound switch
    {
        WindowFrameBound.UnboundedPreceding => "UNBOUNDED PRECEDING",
        WindowFrameBound.OffsetPreceding => $"{offset.ToString(CultureInfo.InvariantCulture)} PRECEDING",
        WindowFrameBound.CurrentRow => "CURRENT ROW",
        WindowFrameBound.OffsetFollowing => $"{offset.ToString(CultureInfo.InvariantCulture)} FOLLOWING",
        _ => "UNBOUNDED FOLLOWING",
    };
}
