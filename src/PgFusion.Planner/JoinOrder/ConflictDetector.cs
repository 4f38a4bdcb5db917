namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// CD-C of Moerkotte, Fender, Eich ("On the correct and complete enumeration of the core search
/// space", SIGMOD 2013). For each operator ◦ of the written join tree: its syntactic eligibility set
/// SES (relations its predicates read), plus conflict rules T1 → T2 from every operator below it
/// that does not commute with it by associativity, left-asscom or right-asscom
/// (<see cref="JoinOperatorAlgebra"/>). Rules whose trigger already meets the TES are folded into
/// it; the rest travel with the hyperedge and are checked on every join. The hyperedge is
/// (TES ∩ T(left ◦), TES ∩ T(right ◦)).
/// Conservative choices: an operator whose predicates read only one side gets that whole other side
/// in its TES; an inner operator is split into one edge per conjunct only when no conflict rule
/// touches it; a join never applies two operators unless both are inner (see HypergraphIndex.TryJoin).
/// </summary>
public static class ConflictDetector
{
    /// <summary>Adds hyperedges for every operator of <paramref name="tree"/> to <paramref name="graph"/>, whose relations it must reference by index.</summary>
    public static void AddEdges(QueryGraph graph, JoinOperatorTree tree)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(tree);
        var operators = new List<OperatorInfo>();
        Collect(graph, tree, operators, RelSet.Empty);
        var innerOnly = operators.All(o => o.Op.Kind == JoinKind.Inner);
        foreach (var op in operators)
            AddOperatorEdges(graph, op, operators, innerOnly);
    }

    /// <summary>Convenience: a graph of relations with the given row estimates, with the tree's edges.</summary>
    public static QueryGraph BuildGraph(IReadOnlyList<double> baseRows, JoinOperatorTree tree)
    {
        ArgumentNullException.ThrowIfNull(baseRows);
        var graph = new QueryGraph();
        foreach (var rows in baseRows)
            graph.AddRelation(rows);
        AddEdges(graph, tree);
        return graph;
    }

    private static RelSet Collect(QueryGraph graph, JoinOperatorTree node, List<OperatorInfo> operators, RelSet seen)
    {
        switch (node)
        {
            case JoinOperatorLeaf leaf:
                if (leaf.Relation < 0 || leaf.Relation >= graph.RelationCount)
                    throw new ArgumentException($"join tree names relation {leaf.Relation}, the graph has {graph.RelationCount}");
                if (seen.Contains(leaf.Relation))
                    throw new ArgumentException($"join tree names relation {leaf.Relation} twice");
                return seen | leaf.Relations;
            case JoinOperator op:
                seen = Collect(graph, op.Left, operators, seen);
                seen = Collect(graph, op.Right, operators, seen);
                operators.Add(new OperatorInfo(op, operators.Count));
                return seen;
            default:
                throw new ArgumentException($"unknown join tree node {node.GetType().Name}");
        }
    }

    private static void AddOperatorEdges(QueryGraph graph, OperatorInfo info, List<OperatorInfo> all, bool innerOnly)
    {
        var op = info.Op;
        var left = op.Left.Relations;
        var right = op.Right.Relations;
        if (op.Kind == JoinKind.Inner && op.Predicates.Count == 0 && innerOnly)
            return; // a cross join among inner joins only: nothing to apply, any order is valid

        var rules = new List<ConflictRule>();
        foreach (var child in all)
        {
            if (child.Op.Relations.IsSubsetOf(left) && child.Op != op)
            {
                if (!JoinOperatorAlgebra.Associative(child, info))
                    rules.Add(new ConflictRule(child.Op.Right.Relations, IntersectIfNotDegenerate(child.References, child.Op.Left.Relations)));
                if (!JoinOperatorAlgebra.LeftAsscom(child, info))
                    rules.Add(new ConflictRule(child.Op.Left.Relations, IntersectIfNotDegenerate(child.References, child.Op.Right.Relations)));
            }
            else if (child.Op.Relations.IsSubsetOf(right) && child.Op != op)
            {
                if (!JoinOperatorAlgebra.Associative(info, child))
                    rules.Add(new ConflictRule(child.Op.Left.Relations, IntersectIfNotDegenerate(child.References, child.Op.Right.Relations)));
                if (!JoinOperatorAlgebra.RightAsscom(info, child))
                    rules.Add(new ConflictRule(child.Op.Right.Relations, IntersectIfNotDegenerate(child.References, child.Op.Left.Relations)));
            }
        }

        var ses = info.References;
        var hadRules = rules.Count > 0;
        var tes = Absorb(ses, rules);
        // A predicate that reads one side only would leave a hyperedge end empty; take the whole side.
        if (!tes.Overlaps(left))
            tes |= left;
        if (!tes.Overlaps(right))
            tes |= right;
        tes = Absorb(tes, rules);

        var id = graph.NewOperatorId();
        if (op.Kind == JoinKind.Inner && !hadRules && tes == ses)
        {
            AddConjunctEdges(graph, op, tes, id);
            return;
        }
        graph.AddOperatorEdge(tes & left, tes & right, op.Kind, Selectivity(op.Predicates), [.. op.Predicates.Select(p => p.Payload)],
            rules, left, right, id, HashKey(op.Predicates));
    }

    /// <summary>An edge of several conjuncts (or of none: a cross join) has a hash key unless all of its conjuncts lack one.</summary>
    private static bool HashKey(IReadOnlyList<JoinPredicate> predicates) => predicates.Count == 0 || predicates.Any(p => p.HashKey);

    /// <summary>An inner join free of conflicts: each conjunct that spans both inputs is its own edge, so it applies as early as possible.</summary>
    private static void AddConjunctEdges(QueryGraph graph, JoinOperator op, RelSet tes, int operatorId)
    {
        var left = op.Left.Relations;
        var right = op.Right.Relations;
        var oneSided = new List<JoinPredicate>();
        foreach (var p in op.Predicates)
        {
            var refs = p.References & op.Relations;
            if (refs.Overlaps(left) && refs.Overlaps(right))
                graph.AddOperatorEdge(refs & left, refs & right, JoinKind.Inner, p.Selectivity, [p.Payload], [], refs & left, refs & right, operatorId, p.HashKey);
            else
                oneSided.Add(p);
        }
        if (oneSided.Count > 0)
            graph.AddOperatorEdge(tes & left, tes & right, JoinKind.Inner, Selectivity(oneSided), [.. oneSided.Select(p => p.Payload)], [], left, right, operatorId, HashKey(oneSided));
    }

    private static double Selectivity(IReadOnlyList<JoinPredicate> predicates)
    {
        var s = 1.0;
        foreach (var p in predicates)
            s *= p.Selectivity;
        return s;
    }

    /// <summary>Folds rules that the TES already triggers into it (to a fixpoint) and drops rules it already satisfies.</summary>
    private static RelSet Absorb(RelSet tes, List<ConflictRule> rules)
    {
        bool changed;
        do
        {
            changed = false;
            for (var i = rules.Count - 1; i >= 0; i--)
            {
                var rule = rules[i];
                if (rule.Required.IsSubsetOf(tes))
                {
                    rules.RemoveAt(i);
                }
                else if (rule.Activation.Overlaps(tes))
                {
                    tes |= rule.Required;
                    rules.RemoveAt(i);
                    changed = true;
                }
            }
        } while (changed);
        return tes;
    }

    /// <summary>The relations of <paramref name="side"/> the child's predicates read, or the whole side if they read none of it.</summary>
    private static RelSet IntersectIfNotDegenerate(RelSet references, RelSet side)
    {
        var both = references & side;
        return both.IsEmpty ? side : both;
    }
}

/// <summary>An operator of the written tree with its predicates' relations (F_T) and null rejection.</summary>
internal sealed record OperatorInfo(JoinOperator Op, int Position)
{
    public RelSet References { get; } = Op.Predicates.Aggregate(RelSet.Empty, (s, p) => s | p.References) & Op.Relations;
    public RelSet NullRejecting { get; } = Op.Predicates.Aggregate(RelSet.Empty, (s, p) => s | p.NullRejecting);

    /// <summary>Whether the operator's condition is false or NULL whenever all of <paramref name="relations"/> are NULL.</summary>
    public bool RejectsNullsOn(RelSet relations) => NullRejecting.Overlaps(relations);
}
