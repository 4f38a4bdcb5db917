using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Physical;

/// <summary>The base-table attribute a logical column carries unchanged, for statistics lookups.</summary>
public sealed record ColumnOrigin(RelationInfo Relation, int AttNum)
{
    public ColumnStatistics? Statistics => Relation.StatisticsOf(AttNum);

    /// <summary>rel->tuples, as get_variable_numdistinct scales a negative n_distinct by it.</summary>
    public double RelTuples => Relation.EstimatedTuples ?? Math.Max(Relation.Layout.RelTuples, 0);

    /// <summary>
    /// get_variable_numdistinct: pg_statistic's n_distinct (a unique one-column index makes the
    /// column unique, less its nulls); without statistics 2 for a boolean, else the table's tuples
    /// when fewer than DEFAULT_NUM_DISTINCT (200), else 200. Rounded as clamp_row_est.
    /// </summary>
    public double NumDistinct()
    {
        const double defaultNumDistinct = JoinOrder.ColumnStatistics.DefaultDistinctValues;
        var stats = Statistics;
        double tuples = RelTuples;
        bool isBool = AttNum >= 1 && AttNum <= Relation.Layout.Attributes.Count && Relation.Layout.Attribute(AttNum).Type.Oid == PgTypeOid.Bool;
        double stadistinct = stats?.NDistinct ?? (isBool ? 2 : 0);
        if (Relation.Indexes.Any(i => i.Unique && i.Keys.Count == 1 && i.Keys[0] == AttNum)) stadistinct = -1.0 * (1.0 - (stats?.NullFrac ?? 0));
        if (stadistinct > 0) return Estimates.Rows(stadistinct);
        if (tuples <= 0) return defaultNumDistinct;
        if (stadistinct < 0) return Estimates.Rows(-stadistinct * tuples);
        return tuples < defaultNumDistinct ? Estimates.Rows(tuples) : defaultNumDistinct;
    }
}
