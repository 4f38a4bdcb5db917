using System.Runtime.InteropServices;

namespace PgFusion.Types;

/// <summary>PostgreSQL's interval exactly as stored: int64 microseconds, int32 days, int32 months (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct PgInterval(long Micros, int Days, int Months);
