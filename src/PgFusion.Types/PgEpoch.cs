namespace PgFusion.Types;

/// <summary>
/// PostgreSQL counts dates in days and timestamps in microseconds from 2000-01-01 (UTC for
/// timestamptz). PgFusion keeps those values unchanged in its columns (an int32 day or int64
/// microsecond count from the PostgreSQL epoch); only the Arrow IPC writer converts to Arrow's
/// 1970 epoch, because PostgreSQL's largest timestamps do not fit int64 microseconds from 1970.
/// </summary>
public static class PgEpoch
{
    public const int UnixEpochDays = 10957;
    public const long UnixEpochMicros = 946_684_800_000_000L;
    public const int DateNegativeInfinity = int.MinValue;
    public const int DatePositiveInfinity = int.MaxValue;
    public const long TimestampNegativeInfinity = long.MinValue;
    public const long TimestampPositiveInfinity = long.MaxValue;
    public const long MicrosPerDay = 86_400_000_000L;
}
