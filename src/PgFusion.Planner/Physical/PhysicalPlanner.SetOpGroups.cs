using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Physical;

// The groups of an INTERSECT / EXCEPT input, as PostgreSQL 15's recurse_set_operations estimates
// them for generate_nonunion_paths (which reads the INTERSECT input with fewer groups first).
public sealed partial class PhysicalPlanner
{
    /// <summary>
    /// A set operation input's groups: a nested set operation's rows; a query block that groups,
    /// aggregates or is DISTINCT, its rows; any other block, estimate_num_groups over its output
    /// expressions (<see cref="EstimateNumGroups"/>) with the input's rows.
    /// </summary>
    private double SetOpInputGroups(LogicalPlan input, PhysicalPlan lowered)
    {
        double rows = lowered.EstimatedRows;
        // a UNION: make_union_unique takes every appended row for a group (the worst case)
        if (input is LogicalAggregate { Aggregates.Count: 0, Input: LogicalUnionAll } && lowered is PhysicalHashAggregate { Input: PhysicalAppend append })
            return append.EstimatedRows;
        var exprs = input.Output.Select(c => (BoundExpr)new LogicalColumnRef(c)).ToList();
        var block = input;
        while (true)
        {
            switch (block)
            {
                case LogicalProject p:
                    var map = p.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr);
                    exprs = [.. exprs.Select(e => e.ReplaceColumns(map))];
                    block = p.Input;
                    continue;
                case LogicalSort s:
                    block = s.Input;
                    continue;
                case LogicalLimit l:
                    block = l.Input;
                    continue;
            }
            break;
        }
        // subquery->groupClause / distinctClause / hasAggs / havingQual: the block's rows. A nested
        // set operation (UNION ALL, a VALUES list, UNION's DISTINCT over its append) reports its rows too.
        if (block is LogicalAggregate or LogicalSetOp or LogicalUnionAll or LogicalFilter { Input: LogicalAggregate }) return rows;
        return EstimateNumGroups(exprs, block, rows);
    }

    /// <summary>
    /// estimate_num_groups (selfuncs.c) for expressions over the base tables of <paramref name="block"/>:
    /// a boolean expression counts 2 groups and a constant one; the others contribute the distinct
    /// values of the columns they read, each column once. Per table scan, the product of its columns'
    /// distinct values is clamped to the table's tuples (a tenth of them when several columns, but
    /// not below the largest column's), scaled to the rows its filters leave
    /// (n * (1 - ((N - p) / N) ^ (N / n))) and rounded; the product over the scans is rounded up
    /// and clamped to [1, <paramref name="inputRows"/>].
    /// </summary>
    private double EstimateNumGroups(IReadOnlyList<BoundExpr> exprs, LogicalPlan block, double inputRows)
    {
        if (exprs.Count == 0) return 1;
        inputRows = Estimates.Rows(inputRows);
        var scans = new List<ScanSize>();
        var scanOf = new Dictionary<int, ScanSize>();
        CollectScans(block, 1.0, scans, scanOf);
        double groups = 1;
        // per scan, its columns' distinct values (each column once); columns of no base table scan apart
        var perScan = new Dictionary<ScanSize, Dictionary<int, double>>(ReferenceEqualityComparer.Instance);
        var unknown = new HashSet<int>();
        foreach (var e in exprs)
        {
            // estimate_num_groups' short cut for a boolean expression
            if (e.Type.Oid == PgTypeOid.Bool)
            {
                groups *= 2;
                continue;
            }
            foreach (var column in e.ReferencedColumns())
            {
                if (!scanOf.TryGetValue(column.Id, out var scan))
                {
                    unknown.Add(column.Id);
                    continue;
                }
                if (!perScan.TryGetValue(scan, out var columns)) perScan[scan] = columns = [];
                columns.TryAdd(column.Id, VariableDistinct(column, scan));
            }
        }
        foreach (var scan in scans)
        {
            if (!perScan.TryGetValue(scan, out var columns)) continue;
            double tuples = scan.Tuples;
            if (tuples <= 0) continue;
            double distinct = 1, largest = 1;
            foreach (var d in columns.Values)
            {
                distinct *= d;
                largest = Math.Max(largest, d);
            }
            // correlated columns: at most a tenth of the tuples, but never fewer than the largest column's
            double clamp = tuples;
            if (columns.Count > 1)
            {
                clamp *= 0.1;
                if (clamp < largest) clamp = Math.Min(largest, tuples);
            }
            distinct = Math.Min(distinct, clamp);
            double rows = Estimates.Rows(tuples * scan.Selectivity);
            if (distinct > 0 && rows < tuples) distinct *= 1 - Math.Pow((tuples - rows) / tuples, tuples / distinct);
            groups *= Estimates.Rows(distinct);
        }
        // a column of no base table scan (a CTE's, a grouped subquery's): DEFAULT_NUM_DISTINCT, unclamped
        foreach (var _ in unknown) groups *= JoinOrder.ColumnStatistics.DefaultDistinctValues;
        return Math.Max(1, Math.Min(Math.Ceiling(groups), inputRows));
    }

    /// <summary>A base table scan under a set operation input: its tuples, the selectivity of the filters right above it, its columns' attnums.</summary>
    private sealed record ScanSize(RelationInfo Relation, double Tuples, double Selectivity, IReadOnlyDictionary<int, int> AttNums);

    /// <summary>The scans under <paramref name="plan"/> (not below a grouping, a set operation or a CTE reference), and each of their columns' scan.</summary>
    private void CollectScans(LogicalPlan plan, double selectivity, List<ScanSize> scans, Dictionary<int, ScanSize> scanOf)
    {
        switch (plan)
        {
            case LogicalScan scan:
            {
                var size = new ScanSize(scan.Relation, Math.Max(0, scan.Relation.Tuples), selectivity, scan.Columns.ToDictionary(c => c.Column.Id, c => c.AttNum));
                scans.Add(size);
                foreach (var c in scan.Columns) scanOf[c.Column.Id] = size;
                return;
            }
            case LogicalFilter { OneTime: false } filter when IsScanChain(filter.Input):
                CollectScans(filter.Input, selectivity * new SelectivityEstimator(catalog, _origins).Estimate(filter.Predicate), scans, scanOf);
                return;
            case LogicalAggregate or LogicalSetOp or LogicalUnionAll or LogicalCteScan or LogicalRecursiveUnion:
                return;
            default:
                foreach (var child in plan.Children) CollectScans(child, 1.0, scans, scanOf);
                return;
        }
    }

    private static bool IsScanChain(LogicalPlan plan) => plan is LogicalScan || plan is LogicalFilter { OneTime: false } f && IsScanChain(f.Input);

    private static double VariableDistinct(LogicalColumn column, ScanSize scan) => new ColumnOrigin(scan.Relation, scan.AttNums[column.Id]).NumDistinct();
}
