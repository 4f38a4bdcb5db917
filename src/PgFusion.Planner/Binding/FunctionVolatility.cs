namespace PgFusion.Planner.Binding;

/// <summary>
/// pg_proc.provolatile of the functions pg_fusion runs or the binder calls on its own (the output
/// functions of x::text), by pg_proc OID. PostgreSQL's eval_const_expressions folds a call over
/// constants only when its function is IMMUTABLE (evaluate_function; a STABLE one only when
/// estimating selectivities), so a stable call stays a call, its value is computed at run time,
/// and an AND/OR/CASE/COALESCE around it does not short-circuit on it while planning: `(DATE
/// '2010-06-15')::text IS NULL AND x >= x * x` keeps both conjuncts, and PostgreSQL folds the
/// second (seed 503 case 2589). A CoerceViaIO folds when both the source type's output function
/// and the result type's input function are immutable; the binder writes x::text as a call of
/// x's output function (text's input function, textin, is immutable). Every function Codegen
/// implements that is not listed here is immutable in PostgreSQL 15: the integration test
/// FunctionVolatilityTests compares the whole function registry with pg_proc. Volatile functions
/// are not listed: a query calling one is not offloaded.
/// </summary>
public static class FunctionVolatility
{
    /// <summary>The STABLE ones (provolatile 's' in PostgreSQL 15's pg_proc): they read the session's TimeZone, DateStyle or IntervalStyle.</summary>
    private static readonly HashSet<uint> Stable =
    [
        1085, // date_out (DateStyle)
        1313, // timestamp_out (DateStyle)
        1151, // timestamptz_out (DateStyle, TimeZone)
        1161, // interval_out (IntervalStyle)
        1174, // timestamptz(date)
        1178, // date(timestamptz)
        2027, // timestamp(timestamptz)
        2028, // timestamptz(timestamp)
        2019, // time(timestamptz) (TimeZone)
        1189, // timestamptz_pl_interval
        1190, // timestamptz_mi_interval
        2549, // interval_pl_timestamptz (the binder calls timestamptz_pl_interval for it)
        1171, // date_part(text, timestamptz)
        6203, // extract(text, timestamptz)
        1217, // date_trunc(text, timestamptz)
        2003, // textanycat (text || anynonarray; the binder calls the operand's output function)
        2004, // anytextcat
    ];

    /// <summary>Whether PostgreSQL's planner may evaluate a call of <paramref name="funcOid"/> over constants (provolatile 'i').</summary>
    public static bool IsImmutable(uint funcOid) => !Stable.Contains(funcOid);

    /// <summary>The OIDs listed as stable (for the test that compares them with pg_proc).</summary>
    public static IReadOnlyCollection<uint> StableFunctions => Stable;
}
