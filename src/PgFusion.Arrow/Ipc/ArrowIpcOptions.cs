namespace PgFusion.Arrow.Ipc;

/// <summary>Choices the Arrow IPC writer cannot make from the schema alone.</summary>
public sealed record ArrowIpcOptions
{
    public static readonly ArrowIpcOptions Default = new();

    /// <summary>
    /// A numeric(p, s) column travels as Decimal128, which has no NaN (PostgreSQL accepts 'NaN' in
    /// numeric(p, s); it rejects the infinities there). False (the default): such a value raises
    /// a PgFusionException (SQLSTATE 22003) naming column and row, so no value is silently lost.
    /// True: it is written as null.
    /// </summary>
    public bool NumericNaNAsNull { get; init; }
}
