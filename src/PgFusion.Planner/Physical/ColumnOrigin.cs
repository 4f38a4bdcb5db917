using PgFusion.Planner.Json;

namespace PgFusion.Planner.Physical;

/// <summary>The base-table attribute a logical column carries unchanged, for statistics lookups.</summary>
public sealed record ColumnOrigin(RelationInfo Relation, int AttNum)
{
    public ColumnStatistics? Statistics => Relation.StatisticsOf(AttNum);

    /// <summary>rel->tuples, as get_variable_numdistinct scales a negative n_distinct by it.</summary>
    public double RelTuples => Relation.EstimatedTuples ?? Math.Max(Relation.Layout.RelTuples, 0);
}
