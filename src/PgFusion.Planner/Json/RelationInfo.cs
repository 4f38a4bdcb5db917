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
}
