using PgFusion.Types;

namespace PgFusion.Arrow.Ipc;

/// <summary>The fields of an Arrow IPC stream, in column order.</summary>
public sealed class ArrowSchema
{
    /// <summary>Field metadata key: the PostgreSQL type as format_type() prints it, e.g. "numeric(15,2)".</summary>
    public const string PgTypeKey = "pgfusion.pg_type";

    /// <summary>Field metadata key: the PostgreSQL type OID in decimal.</summary>
    public const string PgTypeOidKey = "pgfusion.pg_type_oid";

    /// <summary>Field metadata key: the PostgreSQL typmod in decimal (-1 when none).</summary>
    public const string PgTypmodKey = "pgfusion.pg_typmod";

    public ArrowSchema(IReadOnlyList<ArrowField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Fields = fields;
    }

    public IReadOnlyList<ArrowField> Fields { get; }

    /// <summary>The schema for PostgreSQL columns: each field's IPC type from <see cref="PgArrowMapping.IpcTypeOf"/>.</summary>
    public static ArrowSchema FromPostgres(IEnumerable<(string Name, PgType Type, bool NotNull)> columns) =>
        new([.. columns.Select(c => new ArrowField(c.Name, PgArrowMapping.IpcTypeOf(c.Type), !c.NotNull, c.Type))]);

    /// <summary>The schema for the attributes <paramref name="attNums"/> of a relation, in that order (as the decoder fills a batch).</summary>
    public static ArrowSchema FromLayout(RelationLayout layout, IEnumerable<int> attNums)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return FromPostgres(attNums.Select(n => layout.Attribute(n)).Select(a => (a.Name, a.Type, a.NotNull)));
    }
}
