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

    /// <summary>Usable btree indexes (valid, without a predicate, plain key columns); empty when the JSON has none.</summary>
    public IReadOnlyList<RelationIndex> Indexes { get; init; } = [];
}

/// <summary>One entry of a relation's "indexes": a btree index whose key columns are <paramref name="Keys"/> (attnums, in order).</summary>
public sealed record RelationIndex(uint Oid, string Name, bool Unique, IReadOnlyList<int> Keys);
