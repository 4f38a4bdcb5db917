using System.Globalization;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Queries;

/// <summary>
/// A generated SQL expression: a template with `{0}`, `{1}` holes for its arguments, so the shrinker
/// can replace a node by one of its arguments of the same kind. <see cref="Tag"/> names the construct
/// (for offload statistics); <see cref="Aggregate"/> marks an aggregate call; <see cref="Inexact"/> a
/// float sum/avg whose last bits depend on summation order.
/// </summary>
public sealed record Expr(ColumnKind Kind, string Template, IReadOnlyList<Expr> Args, string? Tag = null, bool Aggregate = false, bool Inexact = false)
{
    public static Expr Leaf(ColumnKind kind, string sql, string? tag = null) => new(kind, sql, [], tag);

    public static Expr Op(ColumnKind kind, string template, string? tag, params Expr[] args) => new(kind, template, args, tag);

    public string Sql => Args.Count == 0 ? Template : string.Format(CultureInfo.InvariantCulture, Template, Args.Select(a => (object)a.Sql).ToArray());

    public bool ContainsAggregate => Aggregate || Args.Any(a => a.ContainsAggregate);

    /// <summary>Every construct tag in this expression tree.</summary>
    public IEnumerable<string> Tags()
    {
        if (Tag != null) yield return Tag;
        foreach (var a in Args)
            foreach (var t in a.Tags()) yield return t;
    }

    /// <summary>Smaller expressions of the same kind: each argument that has this kind, and this node with one argument shrunk.</summary>
    public IEnumerable<Expr> Shrinks()
    {
        // An aggregate's argument alone would change the query's shape; its argument may still shrink.
        if (!Aggregate)
            foreach (var a in Args)
                if (a.Kind == Kind) yield return a;
        for (var i = 0; i < Args.Count; i++)
            foreach (var s in Args[i].Shrinks())
            {
                var args = Args.ToArray();
                args[i] = s;
                yield return this with { Args = args };
            }
    }

    /// <summary>
    /// This tree with `FILTER (WHERE true)` on every aggregate that has no FILTER: the same values,
    /// but PostgreSQL's planagg.c no longer turns min/max/bool_and/bool_or into `ORDER BY ... LIMIT 1`.
    /// </summary>
    public Expr WithTrueFilters()
    {
        var args = Args.Select(a => a.WithTrueFilters()).ToArray();
        var template = Aggregate && !Template.Contains(" FILTER (", StringComparison.Ordinal) ? Template + " FILTER (WHERE true)" : Template;
        return this with { Template = template, Args = args };
    }

    /// <summary>
    /// This tree with every float sum/avg (<see cref="Inexact"/>) summing in the order of its
    /// argument, `sum(x ORDER BY x [DESC])`: the same terms, one fixed order of them (FuzzRunner's
    /// witness for an order-dependent float overflow). Unchanged nodes stay the same instances.
    /// </summary>
    public Expr WithSummationOrder(bool descending)
    {
        var args = Args.Select(a => a.WithSummationOrder(descending)).ToArray();
        var template = Inexact ? ReplaceFirst(Template, "({0})", descending ? "({0} ORDER BY {0} DESC)" : "({0} ORDER BY {0})") : Template;
        return template == Template && args.Zip(Args).All(p => ReferenceEquals(p.First, p.Second)) ? this : this with { Template = template, Args = args };
    }

    private static string ReplaceFirst(string s, string what, string with)
    {
        var i = s.IndexOf(what, StringComparison.Ordinal);
        return i < 0 ? s : string.Concat(s.AsSpan(0, i), with, s.AsSpan(i + what.Length));
    }

    public override string ToString() => Sql;
}
