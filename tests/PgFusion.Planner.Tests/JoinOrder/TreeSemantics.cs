using PgFusion.Planner.JoinOrder;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>
/// A join condition conjunct of the random trees: the relations' x values are all equal
/// (strict, so null-rejecting on all of them), or, when not strict, also true when any of them
/// is NULL-padded (null-rejecting on none).
/// </summary>
internal sealed record TestPredicate(int[] Relations, bool Strict)
{
    public bool Evaluate(int[] tuple, int[][] data)
    {
        int? first = null;
        foreach (var r in Relations)
        {
            if (tuple[r] == Absent)
                throw new InvalidOperationException($"predicate on {string.Join(",", Relations)} reads relation {r}, which is not in this join's input: invalid reordering");
            if (tuple[r] == Null)
            {
                if (!Strict)
                    return true;
                return false;
            }
            var x = data[r][tuple[r]];
            if (first is null)
                first = x;
            else if (first != x)
                return false;
        }
        return true;
    }

    public const int Absent = -2;
    public const int Null = -1;

    public override string ToString() => (Strict ? "=" : "=?") + "(" + string.Join(",", Relations) + ")";
}

/// <summary>
/// Executes written operator trees and enumerated join trees on tiny tables with bag semantics, so
/// a test can check that a reordering returns the same rows as the query as written. A tuple holds
/// per relation its row index, <see cref="TestPredicate.Null"/> when padded by an outer join, or
/// <see cref="TestPredicate.Absent"/> when not in the result (not joined yet, or the inner side of a semi/anti join).
/// </summary>
internal static class TreeSemantics
{
    public static List<string> Run(JoinOperatorTree tree, int[][] data) => Canonical(Eval(tree, data).Rows);

    public static List<string> Run(JoinTree tree, int[][] data) => Canonical(Eval(tree, data).Rows);

    private static Result Eval(JoinOperatorTree node, int[][] data) => node switch
    {
        JoinOperatorLeaf leaf => Scan(leaf.Relation, data),
        JoinOperator op => Join(op.Kind, Eval(op.Left, data), Eval(op.Right, data),
            [.. op.Predicates.Select(p => (TestPredicate)p.Payload)], data),
        _ => throw new ArgumentException(node.ToString()),
    };

    private static Result Eval(JoinTree node, int[][] data) => node switch
    {
        JoinTreeLeaf leaf => Scan(leaf.RelIndex, data),
        JoinTreeNode join => Join(join.Kind, Eval(join.Left, data), Eval(join.Right, data),
            [.. join.Edges.SelectMany(e => e.Predicates).Cast<TestPredicate>()], data),
        _ => throw new ArgumentException(node.ToString()),
    };

    /// <summary>Rows and the relations they carry (semi and anti joins drop their inner side).</summary>
    private sealed record Result(List<int[]> Rows, RelSet Schema);

    private static Result Scan(int relation, int[][] data)
    {
        var result = new List<int[]>();
        for (var i = 0; i < data[relation].Length; i++)
        {
            var t = Enumerable.Repeat(TestPredicate.Absent, data.Length).ToArray();
            t[relation] = i;
            result.Add(t);
        }
        return new Result(result, RelSet.Single(relation));
    }

    private static Result Join(JoinKind kind, Result leftInput, Result rightInput, TestPredicate[] predicates, int[][] data)
    {
        var (left, leftSchema) = (leftInput.Rows, leftInput.Schema);
        var (right, rightSchema) = (rightInput.Rows, rightInput.Schema);
        var result = new List<int[]>();
        var rightMatched = new bool[right.Count];
        foreach (var l in left)
        {
            var matched = false;
            for (var j = 0; j < right.Count; j++)
            {
                var t = Combine(l, right[j]);
                if (!predicates.All(p => p.Evaluate(t, data)))
                    continue;
                matched = true;
                rightMatched[j] = true;
                if (kind is JoinKind.Inner or JoinKind.LeftOuter or JoinKind.FullOuter)
                    result.Add(t);
            }
            if ((kind == JoinKind.Semi && matched) || (kind == JoinKind.Anti && !matched))
                result.Add(l);
            if (!matched && kind is JoinKind.LeftOuter or JoinKind.FullOuter)
                result.Add(Pad(l, rightSchema));
        }
        if (kind == JoinKind.FullOuter)
        {
            for (var j = 0; j < right.Count; j++)
            {
                if (!rightMatched[j])
                    result.Add(Pad(right[j], leftSchema));
            }
        }
        return new Result(result, kind is JoinKind.Semi or JoinKind.Anti ? leftSchema : leftSchema | rightSchema);
    }

    private static int[] Combine(int[] a, int[] b)
    {
        var t = (int[])a.Clone();
        for (var r = 0; r < t.Length; r++)
        {
            if (b[r] != TestPredicate.Absent)
                t[r] = b[r];
        }
        return t;
    }

    private static int[] Pad(int[] t, RelSet schema)
    {
        var padded = (int[])t.Clone();
        foreach (var r in schema)
            padded[r] = TestPredicate.Null;
        return padded;
    }

    private static List<string> Canonical(List<int[]> rows) =>
        [.. rows.Select(t => string.Join(",", t.Select(v => v == TestPredicate.Null || v == TestPredicate.Absent ? "-" : v.ToString(System.Globalization.CultureInfo.InvariantCulture)))).Order(StringComparer.Ordinal)];
}
