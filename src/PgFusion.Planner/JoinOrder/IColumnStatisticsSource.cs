namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// The planner's view of pg_statistic for the relations of one query graph. Relations are graph
/// indexes; columns are attribute numbers (attnum) of that relation.
/// </summary>
public interface IColumnStatisticsSource
{
    bool TryGetColumnStatistics(int relation, int attributeNumber, out ColumnStatistics statistics);
}
