using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// What the compiler knows about a numeric expression whose values all share one scale, fixed at
/// compile time: that <see cref="Scale"/>, and a bound on the unscaled magnitude
/// (|value| &lt; 10^<see cref="Digits"/>). Operations whose bound stays within 38 digits cannot
/// overflow Int128 and run unchecked; past it, they check at run time and the batch falls back to
/// the general kernel.
/// </summary>
public readonly record struct FixedNumeric(int Scale, int Digits)
{
    /// <summary>|v| &lt; 10^38 always fits Int128 (whose maximum is about 1.7 * 10^38).</summary>
    public const int SafeDigits = 38;

    /// <summary>The largest scale handled: rescaling multiplies by at most 10^38.</summary>
    public const int MaxScale = 38;

    public bool NeedsCheck => Digits > SafeDigits;

    /// <summary>
    /// The fixed-scale facts of <paramref name="e"/> (type numeric) following numeric.c's result
    /// dscales: add/sub at the larger input scale, mul at the sum of the scales (numeric_mul asks
    /// mul_var for the exact product); null when some part has no compile-time scale.
    /// </summary>
    public static FixedNumeric? Of(BoundExpr e, IReadOnlyList<PgType> inputTypes)
    {
        if (e.Type.Oid != PgTypeOid.Numeric) return null;
        switch (e)
        {
            case BoundColumnRef c:
                return Column(c, inputTypes);
            case BoundConst { Value: PgNumeric v }:
                if (!v.IsFinite || v.Big is not null || v.Scale < 0 || v.Scale > MaxScale || v.Unscaled == Int128.MinValue) return null;
                return new FixedNumeric(v.Scale, DigitCount(Int128.Abs(v.Unscaled)));
            case BoundRelabel r:
                return Of(r.Arg, inputTypes);
            case BoundFuncCall { Args.Count: 1 } f when IntegerCastDigits(f) is { } digits:
                return new FixedNumeric(0, digits);
            case BoundFuncCall { Args.Count: 1 } f when f.FuncOid is NumericUMinus or NumericUPlus:
                return Of(f.Args[0], inputTypes);
            case BoundFuncCall { Args.Count: 2 } f when f.FuncOid is NumericAdd or NumericSub or NumericMul:
            {
                if (Of(f.Args[0], inputTypes) is not { } a || Of(f.Args[1], inputTypes) is not { } b) return null;
                if (f.FuncOid == NumericMul)
                {
                    int scale = a.Scale + b.Scale;
                    return scale > MaxScale ? null : new FixedNumeric(scale, Cap(a.Digits + b.Digits));
                }
                int s = Math.Max(a.Scale, b.Scale);
                return new FixedNumeric(s, Cap(Math.Max(a.Digits + s - a.Scale, b.Digits + s - b.Scale) + 1));
            }
            default:
                return null;
        }
    }

    /// <summary>A numeric(p, s) input column (s &gt;= 0): its values have scale s and at most p digits.</summary>
    public static FixedNumeric? Column(BoundColumnRef c, IReadOnlyList<PgType> inputTypes)
    {
        if (c.Index < 0 || c.Index >= inputTypes.Count || inputTypes[c.Index] != c.Type) return null;
        if (c.Type.NumericPrecision is not { } p || c.Type.NumericScale is not { } s || s < 0 || s > MaxScale || p > SafeDigits) return null;
        return new FixedNumeric(s, p);
    }

    /// <summary>
    /// numeric(int2) (1782), numeric(int4) (1740), numeric(int8) (1781): scale 0 and the integer
    /// type's digits. The planner keeps such casts of constants (numeric(1::integer) in 1 - x) as calls.
    /// </summary>
    public static int? IntegerCastDigits(BoundFuncCall f) => f.Args.Count != 1 ? null : (f.FuncOid, f.Args[0].Type.Oid) switch
    {
        (1782, PgTypeOid.Int2) => 5,
        (1740, PgTypeOid.Int4) => 10,
        (1781, PgTypeOid.Int8) => 19,
        _ => null,
    };

    /// <summary>A numeric constant: a numeric literal, or a cast of an integer literal.</summary>
    public static PgNumeric? Constant(BoundExpr e) => e switch
    {
        BoundConst { Value: PgNumeric v } => v,
        BoundFuncCall { Args: [BoundConst { Value: { } k }] } f when IntegerCastDigits(f) is not null => k switch
        {
            short x => new PgNumeric(x, 0),
            int x => new PgNumeric(x, 0),
            long x => new PgNumeric(x, 0),
            _ => null,
        },
        _ => null,
    };

    /// <summary>numeric_eq .. numeric_ge (pg_proc 1718..1723) between two fixed-scale operands.</summary>
    public static bool IsComparison(BoundFuncCall f) => f.FuncOid is >= 1718 and <= 1723 && f.Args.Count == 2;

    /// <summary>The numeric input columns the fixed-scale parts of <paramref name="exprs"/> read (the per-batch guard checks them).</summary>
    public static SortedSet<int> GuardColumns(IEnumerable<BoundExpr> exprs, IReadOnlyList<PgType> inputTypes)
    {
        var columns = new SortedSet<int>();
        void Collect(BoundExpr e)
        {
            if (e is BoundColumnRef c && Column(c, inputTypes) is not null) columns.Add(c.Index);
            foreach (var child in e.Children()) Collect(child);
        }
        foreach (var e in exprs) Collect(e);
        return columns;
    }

    /// <summary>True when some part of <paramref name="e"/> would compile differently in a fixed-scale kernel.</summary>
    public static bool AnyFixed(BoundExpr e, IReadOnlyList<PgType> inputTypes)
    {
        if (e is BoundFuncCall f && IsComparison(f) && Of(f.Args[0], inputTypes) is not null && Of(f.Args[1], inputTypes) is not null) return true;
        if (e is not BoundConst && Of(e, inputTypes) is not null) return true;
        foreach (var child in e.Children())
        {
            if (AnyFixed(child, inputTypes)) return true;
        }
        return false;
    }

    public const uint NumericAdd = 1724, NumericSub = 1725, NumericMul = 1726, NumericUMinus = 1771, NumericUPlus = 1915;

    /// <summary>A bound past 38 digits is checked at run time, after which the value is below 2^127 (39 digits).</summary>
    private static int Cap(int digits) => Math.Min(digits, 77);

    private static int DigitCount(Int128 magnitude)
    {
        int d = 1;
        for (Int128 p = 10; d < 39 && magnitude >= p; p *= 10) d++;
        return d;
    }
}
