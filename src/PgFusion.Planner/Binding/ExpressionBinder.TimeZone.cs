using PgFusion.Types;
using PgFusion.Types.TimeZones;

namespace PgFusion.Planner.Binding;

// Functions whose result depends on the session's TimeZone: the zone goes into the call as a constant.
public sealed partial class ExpressionBinder
{
    /// <summary>
    /// pg_proc OIDs of the timestamptz functions that read the session's TimeZone and that Codegen
    /// implements with the zone as a planner-added last argument: the casts to and from timestamp
    /// and date, to time, EXTRACT / date_part / date_trunc, and ± interval.
    /// </summary>
    private static readonly Dictionary<uint, string> ZoneFunctions = new()
    {
        [2027] = "timestamptz -> timestamp", [2028] = "timestamp -> timestamptz",
        [1174] = "date -> timestamptz", [1178] = "timestamptz -> date", [2019] = "timestamptz -> time",
        [6203] = "extract(timestamptz)", [1171] = "date_part(text, timestamptz)", [1217] = "date_trunc(text, timestamptz)",
        [1189] = "timestamptz + interval", [1190] = "timestamptz - interval",
    };

    /// <summary>interval_pl_timestamptz (interval + timestamptz), the SQL function $2 + $1.</summary>
    private const uint IntervalPlTimestamptz = 2549;

    /// <summary>The call with the session zone appended, or null when <paramref name="funcId"/> does not read it.</summary>
    private BoundFuncCall? BindZoned(uint funcId, string name, IReadOnlyList<BoundExpr> args, PgType type)
    {
        if (funcId == IntervalPlTimestamptz && args.Count == 2)
            return new BoundFuncCall(1189, "timestamptz_pl_interval", [args[1], args[0], TimeZoneArgument("interval + timestamptz")], type);
        if (!ZoneFunctions.TryGetValue(funcId, out string? label)) return null;
        return new BoundFuncCall(funcId, name, [.. args, TimeZoneArgument(label)], type);
    }

    /// <summary>
    /// The session's TimeZone as an id of <see cref="TimeZoneRegistry"/> (read from the system
    /// tzdata the first time): the plan is compiled again when the session changes it, since the
    /// name is part of the JSON's settings. A zone that was not sent or that we cannot read
    /// declines the construct, and PostgreSQL computes it.
    /// </summary>
    private BoundConst TimeZoneArgument(string what)
    {
        if (Output.TimeZone is not { } name)
            throw UnsupportedConstructException.NotYet($"{what} without the session's TimeZone");
        return TimeZoneRegistry.Resolve(name, out string? reason) is { } id
            ? new BoundConst(id, PgType.Int4)
            : throw UnsupportedConstructException.NotYet($"{what} in time zone \"{name}\": {reason}");
    }
}
