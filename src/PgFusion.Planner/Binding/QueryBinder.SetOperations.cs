using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// UNION / INTERSECT / EXCEPT: the Query's setOperations tree (SetOperationStmt nodes with
// RangeTblRef leaves naming subquery range-table entries). The outer query's target list reads
// the leftmost leaf's range-table entry with the set operation's column types, so that entry
// resolves to the set operation's output columns.
public sealed partial class QueryBinder
{
    /// <summary>SetOperationStmt.op (PostgreSQL's SetOperation enum).</summary>
    private const int SetOpUnion = 1;
    private const int SetOpIntersect = 2;
    private const int SetOpExcept = 3;

    private Func<BindScope, LogicalPlan> PrepareSetOperations(QueryTreeNode setOps, BindScope scope)
    {
        var leaves = new SetOperationLeaves(setOps.RequireKind() == "SETOPERATIONSTMT" ? SetOperationTypes(setOps) : []);
        var plan = BindSetOperation(setOps, scope, out var columns, leaves);
        if (leaves.SimpleUnionAll && leaves.Members.Count > 0) plan = MarkAppendRelMembers(plan, leaves);
        // A UNION ALL flattened into an appendrel gets the quals in every arm that can take them
        // (set_append_rel_size, then each arm's own set_subquery_pathlist), whatever the other arms are.
        if ((leaves.PushdownSafe || leaves.SimpleUnionAll) && leaves.TopTypes.Count > 0)
            plan = MarkQualPushdown(plan, leaves.SimpleUnionAll ? leaves.TypeMismatch : [.. leaves.TypeMismatch.Select((m, i) => m || leaves.OutsidePartitions[i])], leaves);
        scope.SetSubquery(LeftmostLeaf(setOps), columns);
        return _ => plan;
    }

    /// <summary>
    /// The leaves of one set-operation tree as bound (each the branch cast to the set operation's
    /// types), and whether PostgreSQL flattens the tree into an appendrel (prepjointree.c
    /// is_simple_union_all_recurse: every node a UNION ALL, every leaf's output of the top-level
    /// column types). A recursive UNION is bound elsewhere.
    /// </summary>
    private sealed class SetOperationLeaves(List<PgType> topTypes)
    {
        public List<PgType> TopTypes { get; } = topTypes;
        public bool SimpleUnionAll { get; set; } = true;
        public HashSet<LogicalPlan> All { get; } = new(ReferenceEqualityComparer.Instance);
        /// <summary>Leaves PostgreSQL pulls up when it flattens the tree (is_simple_subquery and is_safe_append_member).</summary>
        public HashSet<LogicalPlan> Members { get; } = new(ReferenceEqualityComparer.Instance);
        /// <summary>subquery_is_pushdown_safe over the tree (<see cref="LogicalUnionAll.QualPushdownColumns"/>).</summary>
        public bool PushdownSafe { get; set; } = true;
        /// <summary>Per column, whether some leaf's column has another type than the set operation's (an unsafe column).</summary>
        public bool[] TypeMismatch { get; } = new bool[topTypes.Count];
        /// <summary>
        /// Per column, whether it is outside a PARTITION BY of a leaf with windows: unsafe for the whole
        /// tree, unless it is flattened into an appendrel, whose every member decides for itself.
        /// </summary>
        public bool[] OutsidePartitions { get; } = new bool[topTypes.Count];
    }

    /// <summary>
    /// Sets <see cref="LogicalUnionAll.QualPushdownColumns"/> on every UNION [ALL] node (UNION: under its
    /// grouping) and INTERSECT node of the tree, down to its leaves (each cast branch's projection
    /// crossed): PostgreSQL checks the whole tree (recurse_pushdown_safe) and pushes a qual into every
    /// leaf's query, `(A UNION B) UNION ALL C` and `A UNION (B INTERSECT C)` alike, and per column one
    /// safety holds throughout (every leaf compared with the top-level types).
    /// </summary>
    private static LogicalPlan MarkQualPushdown(LogicalPlan plan, bool[] typeMismatch, SetOperationLeaves leaves)
    {
        if (leaves.All.Contains(plan)) return plan;
        LogicalPlan Mark(LogicalPlan p) => MarkQualPushdown(p, typeMismatch, leaves);
        return plan switch
        {
            LogicalUnionAll u => u with { Inputs = [.. u.Inputs.Select(Mark)], QualPushdownColumns = [.. typeMismatch.Select(m => !m)] },
            LogicalSetOp { Kind: SetOpKind.Intersect } s => s with { Left = Mark(s.Left), Right = Mark(s.Right), QualPushdownColumns = [.. typeMismatch.Select(m => !m)] },
            LogicalAggregate { Aggregates.Count: 0, Input: LogicalUnionAll u } a => a with { Input = Mark(u) },
            LogicalProject { Input: LogicalUnionAll or LogicalSetOp or LogicalAggregate { Aggregates.Count: 0, Input: LogicalUnionAll } } p => p with { Input = Mark(p.Input) },
            _ => plan,
        };
    }

    private void RecordLeaf(QueryTreeNode arg, BindScope scope, LogicalPlan branch, IReadOnlyList<LogicalColumn> columns, SetOperationLeaves leaves)
    {
        if (arg.Kind != "RANGETBLREF") return;
        leaves.All.Add(branch);
        if (columns.Count != leaves.TopTypes.Count || columns.Select((c, i) => c.Type.Oid != leaves.TopTypes[i].Oid).Any(x => x))
            leaves.SimpleUnionAll = false;
        for (int i = 0; i < columns.Count && i < leaves.TypeMismatch.Length; i++)
            if (columns[i].Type.Oid != leaves.TopTypes[i].Oid) leaves.TypeMismatch[i] = true;
        var sub = scope.Entry(arg.Int32("rtindex"), arg.Field("rtindex")).Field("subquery");
        if (!sub.IsNullField("limitCount") || !sub.IsNullField("limitOffset") || sub.Bool("hasDistinctOn") || !sub.IsNullField("setOperations"))
            leaves.PushdownSafe = false;
        else if (sub.Bool("hasWindowFuncs"))
        {
            // A leaf with window functions makes the outputs unsafe that are not in every PARTITION BY
            // (check_output_expressions over the leaf, into the tree's one safety info); a qual over
            // the others goes into every leaf, below this one's windows (PredicatePushdown).
            var targetList = sub.List("targetList");
            var safe = WindowQualPushdownColumns(sub, targetList);
            int column = 0;
            for (int i = 0; i < targetList.Count; i++)
            {
                if (targetList[i].Bool("resjunk")) continue;
                if (!safe[i] && column < leaves.OutsidePartitions.Length) leaves.OutsidePartitions[column] = true;
                column++;
            }
        }
        if (IsPulledUp(sub) && IsSafeAppendMember(sub)) leaves.Members.Add(branch);
    }

    /// <summary>
    /// prepjointree.c is_safe_append_member: the sub-query's FROM is exactly one range-table entry
    /// (possibly under nested FromExprs) and it has no WHERE, or its FROM and WHERE are both empty.
    /// When that one entry is itself a sub-query PostgreSQL pulls up first, its FROM and WHERE take
    /// its place, and must pass the same test (pull_up_simple_subquery rechecks it).
    /// </summary>
    private static bool IsSafeAppendMember(QueryTreeNode sub)
    {
        var jt = sub.Field("jointree");
        if (jt.List("fromlist").Count == 0 && jt.IsNullField("quals")) return true;
        while (jt.Kind == "FROMEXPR")
        {
            if (!jt.IsNullField("quals")) return false;
            var from = jt.List("fromlist");
            if (from.Count != 1) return false;
            jt = from[0];
        }
        if (jt.Kind != "RANGETBLREF") return false;
        var rte = sub.List("rtable")[jt.Int32("rtindex") - 1];
        if (rte.Int32("rtekind") != RteKind.Subquery) return true;
        var inner = rte.Field("subquery");
        return !IsPulledUp(inner) || IsSafeAppendMember(inner);
    }

    /// <summary>Sets <see cref="LogicalUnionAll.AppendRelMembers"/> on the UNION ALL nodes of a flattened tree (not inside its leaves).</summary>
    private static LogicalPlan MarkAppendRelMembers(LogicalPlan plan, SetOperationLeaves leaves)
    {
        if (leaves.All.Contains(plan)) return plan;
        return plan switch
        {
            LogicalUnionAll u => u with
            {
                Inputs = [.. u.Inputs.Select(i => MarkAppendRelMembers(i, leaves))],
                AppendRelMembers = [.. u.Inputs.Select(i => leaves.Members.Contains(i) ? AppendRelArm.PulledUp : leaves.All.Contains(i) ? AppendRelArm.Planned : AppendRelArm.Nested)],
            },
            LogicalProject { Input: LogicalUnionAll inner } p => p with { Input = MarkAppendRelMembers(inner, leaves) },
            _ => plan,
        };
    }

    private static int LeftmostLeaf(QueryTreeNode node) =>
        node.RequireKind() == "RANGETBLREF" ? node.Int32("rtindex") : LeftmostLeaf(node.Field("larg"));

    private LogicalPlan BindSetOperation(QueryTreeNode node, BindScope scope, out IReadOnlyList<LogicalColumn> columns, SetOperationLeaves? leaves = null)
    {
        // A recursive UNION's terms (QueryBinder.From) are never flattened.
        leaves ??= new SetOperationLeaves([]) { SimpleUnionAll = false };
        if (node.RequireKind() == "RANGETBLREF")
        {
            int rti = node.Int32("rtindex");
            var rte = scope.Entry(rti, node.Field("rtindex"));
            if (rte.Int32("rtekind") != RteKind.Subquery) throw node.Error($"set operation leaf is a {RteKind.Describe(rte.Int32("rtekind"))}");
            var sub = BindQuery(rte.Field("subquery"));
            columns = sub.ResultColumns;
            return sub.Root;
        }
        if (node.Kind != "SETOPERATIONSTMT") throw node.Error($"expected SETOPERATIONSTMT or RANGETBLREF, found {node.Kind}");
        int op = node.Int32("op");
        bool all = node.Bool("all");
        if (op != SetOpUnion || !all) leaves.SimpleUnionAll = false;
        if (op == SetOpExcept) leaves.PushdownSafe = false;
        var types = SetOperationTypes(node);
        var left = CastBranch(BindSetOperation(node.Field("larg"), scope, out var leftColumns, leaves), leftColumns, types, node.Field("larg"));
        RecordLeaf(node.Field("larg"), scope, left, leftColumns, leaves);
        var right = CastBranch(BindSetOperation(node.Field("rarg"), scope, out var rightColumns, leaves), rightColumns, types, node.Field("rarg"));
        RecordLeaf(node.Field("rarg"), scope, right, rightColumns, leaves);
        var names = leftColumns.Select(c => c.Name).ToList();
        var output = types.Select((t, i) => _ids.New(names[i], t)).ToList();
        columns = output;
        switch (op)
        {
            case SetOpUnion:
            {
                // UNION ALL branches flatten into one node; UNION is UNION ALL then grouping on every column.
                var inputs = new List<LogicalPlan>();
                foreach (var branch in new[] { left, right })
                {
                    if (branch is LogicalProject { Input: LogicalUnionAll inner } p && IsPassThrough(p, inner)) inputs.AddRange(inner.Inputs);
                    else inputs.Add(branch);
                }
                if (all) return new LogicalUnionAll(inputs, output);
                var unionColumns = types.Select((t, i) => _ids.New(names[i], t)).ToList();
                var keys = output.Select((c, i) => new NamedExpr(c, new LogicalColumnRef(unionColumns[i]))).ToList();
                return new LogicalAggregate(new LogicalUnionAll(inputs, unionColumns), keys, []);
            }
            case SetOpIntersect:
                return new LogicalSetOp(left, right, SetOpKind.Intersect, all, output);
            case SetOpExcept:
                return new LogicalSetOp(left, right, SetOpKind.Except, all, output);
            default:
                throw node.Field("op").Error($"unknown set operation {op}");
        }
    }

    private static bool IsPassThrough(LogicalProject project, LogicalPlan input) =>
        project.Exprs.Count == input.Output.Count
        && project.Exprs.Select((e, i) => e.Expr is LogicalColumnRef r && r.Column.Id == input.Output[i].Id).All(x => x);

    /// <summary>colTypes/colTypmods/colCollations: the column types PostgreSQL chose for this set operation.</summary>
    private List<PgType> SetOperationTypes(QueryTreeNode node) =>
        ColumnTypes(node, "colTypes", "colTypmods", node.Optional("colCollations"), "set operation column of type", "set operation on text");

    /// <summary>
    /// Column types from parallel lists of type OIDs, typmods and collations (a set operation's,
    /// a VALUES list's): each type supported, text only under a byte-order collation.
    /// <paramref name="typeLabel"/> and <paramref name="textLabel"/> start the Unsupported messages.
    /// </summary>
    private List<PgType> ColumnTypes(QueryTreeNode node, string oidsField, string typmodsField, QueryTreeNode? collationList, string typeLabel, string textLabel)
    {
        var oids = node.List(oidsField);
        var typmods = node.List(typmodsField);
        var collations = collationList?.Items() ?? [];
        if (typmods.Count != oids.Count) throw node.Field(typmodsField).Error($"{typmods.Count} typmods for {oids.Count} columns");
        var types = new List<PgType>(oids.Count);
        for (int i = 0; i < oids.Count; i++)
        {
            var type = new PgType(oids[i].UInt32(), typmods[i].Int32());
            if (!SupportedTypes.IsSupported(type.Oid)) throw UnsupportedConstructException.NotYet($"{typeLabel} {TypeLabel(type.Oid)}");
            uint collation = i < collations.Count ? collations[i].UInt32() : 0;
            if (SupportedTypes.IsCollatable(type.Oid) && !_envelope.Locale.OrdersByBytes(collation))
                throw UnsupportedConstructException.NotYet($"{textLabel} under collation OID {collation} (only C and the default collation)");
            types.Add(type);
        }
        return types;
    }

    /// <summary>
    /// A branch's columns converted to the set operation's types, as PostgreSQL's planner does
    /// (generate_setop_tlist): a cast function where the type differs, a relabel where only the typmod does.
    /// </summary>
    private LogicalPlan CastBranch(LogicalPlan plan, IReadOnlyList<LogicalColumn> columns, List<PgType> types, QueryTreeNode at)
    {
        if (columns.Count != types.Count) throw at.Error($"set operation branch has {columns.Count} columns, the set operation {types.Count}");
        var exprs = new List<NamedExpr>(types.Count);
        for (int i = 0; i < types.Count; i++)
        {
            BoundExpr e = new LogicalColumnRef(columns[i]);
            var from = columns[i].Type;
            if (from.Oid != types[i].Oid) e = SetOperationCasts.Cast(e, types[i]);
            else if (from != types[i]) e = new BoundRelabel(e, types[i]);
            exprs.Add(new NamedExpr(_ids.New(columns[i].Name, types[i]), e));
        }
        return new LogicalProject(plan, exprs);
    }
}
