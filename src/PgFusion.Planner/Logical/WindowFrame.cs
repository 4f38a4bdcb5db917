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

/// <summary>How a frame's offsets count (FRAMEOPTION_ROWS / RANGE / GROUPS).</summary>
public enum WindowFrameMode
{
    /// <summary>Offsets count rows; CURRENT ROW is the row itself.</summary>
    Rows,

    /// <summary>Offsets are distances on the one ORDER BY key's value; CURRENT ROW takes in the row's peers.</summary>
    Range,

    /// <summary>Offsets count peer groups; CURRENT ROW takes in the row's peers.</summary>
    Groups,
}

/// <summary>
/// The frame of a window clause that pg_fusion evaluates: ROWS and GROUPS with any bounds (offsets
/// are constant, non-negative counts), RANGE with UNBOUNDED / CURRENT ROW bounds, and RANGE with
/// constant offsets over one integer ORDER BY key (<paramref name="Descending"/>: that key sorts
/// descending, so PRECEDING means larger values, as PostgreSQL's inRangeAsc). EXCLUDE is not
/// represented: the binder rejects it.
/// </summary>
public sealed record WindowFrame(WindowFrameMode Mode, WindowFrameBound Start, long StartOffset, WindowFrameBound End, long EndOffset, bool Descending = false)
{
    /// <summary>RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW: the frame without a frame clause.</summary>
    public static readonly WindowFrame Default = new(WindowFrameMode.Range, WindowFrameBound.UnboundedPreceding, 0, WindowFrameBound.CurrentRow, 0);

    /// <summary>ROWS mode: offsets count rows and CURRENT ROW is the row itself, not its peer group.</summary>
    public bool Rows => Mode == WindowFrameMode.Rows;

    /// <summary>Whether a bound is an offset of the key's value (RANGE mode with PRECEDING/FOLLOWING n).</summary>
    public bool HasRangeOffset => Mode == WindowFrameMode.Range
        && (Start is WindowFrameBound.OffsetPreceding or WindowFrameBound.OffsetFollowing || End is WindowFrameBound.OffsetPreceding or WindowFrameBound.OffsetFollowing);

    public override string ToString() => $"{Mode.ToString().ToUpperInvariant()} BETWEEN {Format(Start, StartOffset)} AND {Format(End, EndOffset)}";

    private static string Format(WindowFrameBound bound, long offset) => bound switch
    {
        WindowFrameBound.UnboundedPreceding => "UNBOUNDED PRECEDING",
        WindowFrameBound.OffsetPreceding => $"{offset.ToString(CultureInfo.InvariantCulture)} PRECEDING",
        WindowFrameBound.CurrentRow => "CURRENT ROW",
        WindowFrameBound.OffsetFollowing => $"{offset.ToString(CultureInfo.InvariantCulture)} FOLLOWING",
        _ => "UNBOUNDED FOLLOWING",
    };
}
