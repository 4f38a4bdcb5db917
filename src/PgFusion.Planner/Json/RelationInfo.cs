using PgFusion.Types;

namespace PgFusion.Planner.Json;

/// <summary>
/// One entry of the envelope's "relations": the layout the decoder needs plus what the planner
/// checks (relkind, inheritance children) and estimates from (statistics by attnum).
/// </summary>
public sealed record RelationInfo(
    RelationLayout Layout,
    string Namespace,
    char RelKind,
    bool? HasSubclass,
    IReadOnlyDictionary<int, ColumnStatistics> Statistics)
{
    public uint RelId => Layout.RelId;

    public string Name => Layout.Name;

    public ColumnStatistics? StatisticsOf(int attnum) => Statistics.GetValueOrDefault(attnum);

    /// <summary>
    /// pg_class.relallvisible: heap pages the visibility map marks all-visible, as of the last
    /// VACUUM or ANALYZE; 0 when the JSON has none (the backend sends it only when it answers
    /// index-only first-match probes, pg_fusion.serve_tuning bit 512).
    /// </summary>
    public long RelAllVisible { get; init; }

    /// <summary>
    /// The relation's tuples as PostgreSQL's planner estimates them (estimate_rel_size, the JSON's
    /// <c>est_tuples</c>): the current block count, at least 10 pages while never vacuumed or analyzed,
    /// times pg_class's tuple density, or the attribute widths' when pg_class has none. Null when
    /// the JSON has none (written before the member existed).
    /// </summary>
    public double? EstimatedTuples { get; init; }

    /// <summary>
    /// The relation's pages as PostgreSQL's planner estimates them (estimate_rel_size, the JSON's
    /// <c>est_pages</c>, rel->pages): the current block count, at least 10 while never vacuumed or
    /// analyzed. cost_seqscan charges seq_page_cost for each. Null when the JSON has none.
    /// </summary>
    public long? EstimatedPages { get; init; }

    /// <summary>
    /// rel->tuples: <see cref="EstimatedTuples"/>, else pg_class's reltuples, else (never analyzed)
    /// 100 rows per page of at least 10 pages.
    /// </summary>
    public double Tuples => EstimatedTuples ?? (Layout.RelTuples >= 0 ? Layout.RelTuples : Math.Max(Layout.RelPages, 10) * 100);

    /// <summary>Usable btree indexes (valid, without a predicate, plain key columns); empty when the JSON has none.</summary>
    public IReadOnlyList<RelationIndex> Indexes { get; init; } = [];

    /// <summary>
    /// Column sets (attnums) that identify a row: the keys of a unique, immediate index whose key
    /// columns are all NOT NULL (the primary key among them). Every other column of the relation is
    /// functionally dependent on each such set.
    /// </summary>
    public IEnumerable<IReadOnlyList<int>> UniqueKeys()
    {
        foreach (var index in Indexes)
        {
            if (!index.Unique || !index.Immediate || index.Keys.Count == 0) continue;
            if (index.Keys.All(k => Layout.Attributes.FirstOrDefault(a => a.AttNum == k) is { NotNull: true })) yield return index.Keys;
        }
    }
}

/// <summary>One entry of a relation's "indexes": a btree index whose key columns are <paramref name="Keys"/> (attnums, in order).</summary>
public sealed record RelationIndex(uint Oid, string Name, bool Unique, IReadOnlyList<int> Keys)
{
    /// <summary>The index of the table's PRIMARY KEY (indisprimary).</summary>
    public bool Primary { get; init; }

    /// <summary>Uniqueness is checked at once (indimmediate), not deferred to the end of the transaction.</summary>
    public bool Immediate { get; init; }
}
