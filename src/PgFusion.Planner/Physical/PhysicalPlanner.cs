using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Physical;

/// <summary>
/// Lowers an optimized logical plan to the physical operators: column ids become positions in the
/// child's output, scans are numbered from 0, and every node gets its estimated rows.
/// </summary>
public sealed partial class PhysicalPlanner(QueryCatalog catalog)
{
    private const double DefaultGroups = 200;
    private readonly Dictionary<int, ColumnOrigin> _origins = [];
    private int _nextScanId;
    private readonly Dictionary<CteDefinition, PhysicalCte> _ctes = [];

    /// <summary>The grouping sort's keys as group key indexes; null when one of them is no longer a group key.</summary>
    private static List<GroupSortKey>? SortedGrouping(LogicalAggregate aggregate)
    {
        if (aggregate.SortedGrouping is not { Count: > 0 } order) return null;
        var keys = new List<GroupSortKey>(order.Count);
        foreach (var o in order)
        {
            int index = -1;
            for (int j = 0; j < aggregate.GroupKeys.Count && index < 0; j++)
                if (aggregate.GroupKeys[j].Column.Id == o.Column.Id) index = j;
            if (index < 0) return null;
            keys.Add(new GroupSortKey(index, o.Descending, o.NullsFirst));
        }
        return keys;
    }

    public PhysicalPlan Lower(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalScan scan:
            {
                foreach (var c in scan.Columns) _origins[c.Column.Id] = new ColumnOrigin(scan.Relation, c.AttNum);
                _scanRelations[_nextScanId] = scan.Relation;
                double rows = ScanRows(scan.Relation);
                return new PhysicalScan(
                    _nextScanId++,
                    scan.RangeTableIndex,
                    scan.Relation.Layout,
                    [.. scan.Columns.Select(c => c.AttNum)],
                    [.. scan.Columns.Select(c => new OutputColumn(c.Column.Name, c.Column.Type))],
                    rows);
            }
            case LogicalFilter filter:
            {
                var input = Lower(filter.Input);
                // a pseudoconstant gate does not count in PostgreSQL's estimates (clause_selectivity: 1.0)
                double selectivity = filter.OneTime ? 1.0 : new SelectivityEstimator(catalog, _origins).Estimate(filter.Predicate);
                return new PhysicalFilter(input, Resolve(filter.Predicate, filter.Input.Output), Estimates.Rows(input.EstimatedRows * selectivity))
                {
                    OverGroupingSets = filter.OverGroupingSets,
                    CopiedToWhere = filter.CopiedToWhere,
                    OneTime = filter.OneTime,
                };
            }
            case LogicalProject project:
            {
                var input = Lower(project.Input);
                foreach (var e in project.Exprs) Propagate(e);
                var exprs = project.Exprs.Select(e => Resolve(e.Expr, project.Input.Output)).ToList();
                // A projection that passes its input through unchanged adds nothing at run time.
                if (exprs.Count == input.Output.Count && exprs.Select((e, i) => e is BoundColumnRef c && c.Index == i).All(x => x)) return input;
                return new PhysicalProject(input, exprs, Columns(project.Output));
            }
            case LogicalAggregate aggregate:
            {
                var input = Lower(aggregate.Input);
                foreach (var k in aggregate.GroupKeys) Propagate(k);
                var keys = aggregate.GroupKeys.Select(k => Resolve(k.Expr, aggregate.Input.Output)).ToList();
                var aggs = aggregate.Aggregates.Select(a => a.Aggregate with
                {
                    Args = [.. a.Aggregate.Args.Select(x => Resolve(x, aggregate.Input.Output))],
                    Filter = a.Aggregate.Filter is { } f ? Resolve(f, aggregate.Input.Output) : null,
                    OrderBy = a.Aggregate.OrderBy?.Select(o => o with { Expr = Resolve(o.Expr, aggregate.Input.Output) }).ToList(),
                }).ToList();
                return new PhysicalHashAggregate(input, keys, aggs, Columns(aggregate.Output), GroupCount(aggregate, input.EstimatedRows))
                {
                    SortedGrouping = SortedGrouping(aggregate),
                };
            }
            case LogicalSort sort:
            {
                var input = Lower(sort.Input);
                var keys = sort.Keys.Select(k => new SortKey(Resolve(k.Expr, sort.Input.Output), k.Descending, k.NullsFirst)).ToList();
                return new PhysicalSort(input, keys, sort.Limit) { WithTies = sort.WithTies };
            }
            case LogicalLimit limit:
                return new PhysicalLimit(Lower(limit.Input), limit.Offset, limit.Count);
            case LogicalJoin join:
                return LowerJoin(join);
            case LogicalCteScan cteScan:
                return LowerCteScan(cteScan);
            default:
                return LowerSetOperation(plan);
        }
    }

    /// <summary>
    /// The estimated rows of <paramref name="plan"/>, as <c>Lower(plan).EstimatedRows</c> with the same
    /// side effects (column origins, scan numbering), without building the physical nodes of a
    /// scan or of filters over one: join ordering asks this for every input of a join region.
    /// </summary>
    internal double EstimateRows(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalScan scan:
                foreach (var c in scan.Columns) _origins[c.Column.Id] = new ColumnOrigin(scan.Relation, c.AttNum);
                _scanRelations[_nextScanId++] = scan.Relation;
                return ScanRows(scan.Relation);
            case LogicalFilter { Input: LogicalScan or LogicalFilter } filter:
                double input = EstimateRows(filter.Input);
                double selectivity = new SelectivityEstimator(catalog, _origins).Estimate(filter.Predicate);
                return Estimates.Rows(input * selectivity);
            default:
                return Lower(plan).EstimatedRows;
        }
    }

    /// <summary>
    /// At least one row, as PostgreSQL's clamp_row_est: an analyzed empty relation (reltuples 0)
    /// estimates 1 row, so it ties with a one-row relation and the join reads the first of the FROM
    /// list first, as PostgreSQL's nested loop does.
    /// </summary>
    private static double ScanRows(RelationInfo relation) =>
        Math.Max(1, relation.Tuples);

    /// <summary>The CTE's plan is lowered once (for the first reference); its columns' statistics carry over to each reference's.</summary>
    private PhysicalCteScan LowerCteScan(LogicalCteScan scan)
    {
        var definition = scan.Definition;
        if (!_ctes.TryGetValue(definition, out var cte))
        {
            cte = new PhysicalCte(definition.Id, definition.Name, Lower(definition.Plan));
            _ctes[definition] = cte;
        }
        var produced = definition.Plan.Output;
        if (produced.Count != scan.Columns.Count) throw new InvalidOperationException($"CTE {definition.Name} yields {produced.Count} columns, its reference reads {scan.Columns.Count}");
        for (int i = 0; i < produced.Count; i++)
            if (_origins.TryGetValue(produced[i].Id, out var origin)) _origins[scan.Columns[i].Id] = origin;
        return new PhysicalCteScan(cte, Columns(scan.Columns));
    }

    /// <summary>Logical column references -> positions in <paramref name="input"/>.</summary>
    public static BoundExpr Resolve(BoundExpr expr, IReadOnlyList<LogicalColumn> input) => expr.TransformUp(e =>
    {
        if (e is not LogicalColumnRef r) return e;
        for (int i = 0; i < input.Count; i++)
            if (input[i].Id == r.Column.Id)
                return new BoundColumnRef(i, r.Column.Type, r.Column.Name);
        throw new InvalidOperationException($"column {r.Column} is not in the input ({string.Join(", ", input)})");
    });

    private static List<OutputColumn> Columns(IReadOnlyList<LogicalColumn> columns) => [.. columns.Select(c => new OutputColumn(c.Name, c.Type))];

    /// <summary>A column that passes a base attribute through unchanged keeps its statistics.</summary>
    private void Propagate(NamedExpr e)
    {
        var inner = e.Expr is BoundRelabel r ? r.Arg : e.Expr;
        if (inner is LogicalColumnRef c && _origins.TryGetValue(c.Column.Id, out var origin)) _origins[e.Column.Id] = origin;
    }

    /// <summary>Groups: the product of the keys' distinct counts (200 for a key without statistics), at most the input rows.</summary>
    private double GroupCount(LogicalAggregate aggregate, double inputRows)
    {
        if (aggregate.GroupKeys.Count == 0) return 1;
        double groups = 1;
        foreach (var k in aggregate.GroupKeys)
        {
            var origin = (k.Expr is BoundRelabel r ? r.Arg : k.Expr) is LogicalColumnRef c ? _origins.GetValueOrDefault(c.Column.Id) : null;
            double distinct = origin?.Statistics?.DistinctValues(origin.RelTuples) ?? DefaultGroups;
            if (origin?.Statistics is { NullFrac: > 0 }) distinct += 1; // NULL is a group of its own
            groups *= distinct;
        }
        return Estimates.Rows(Math.Min(groups, inputRows));
    }
}
