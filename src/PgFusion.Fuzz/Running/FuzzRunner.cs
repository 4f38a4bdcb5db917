using System.Text.RegularExpressions;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Running;

/// <summary>
/// Runs cases: loads the schema, runs each query with pg_fusion off and on, asks EXPLAIN whether it
/// was offloaded, compares, and shrinks every mismatch (query clauses and expressions first, then
/// tables and rows) to a minimal reproduction.
/// </summary>
public sealed class FuzzRunner(FuzzDatabase db, FuzzOptions options)
{
    public FuzzStats Stats { get; } = new();

    public List<FuzzFailure> Failures { get; } = [];

    /// <summary>Runs one case; returns its (shrunk) mismatches, also added to <see cref="Failures"/>.</summary>
    public IReadOnlyList<FuzzFailure> RunCase(FuzzCase c, string origin)
    {
        Stats.Cases++;
        db.Load(c.Schema);
        var found = new List<FuzzFailure>();
        for (var i = 0; i < c.Queries.Count; i++)
        {
            var q = c.Queries[i];
            var (off, on, verdict) = RunQuery(q);
            var (offloaded, plan) = db.Explain(q.Sql);
            Stats.Record(q.Constructs(), q.SingleTable, offloaded, verdict, off is ErrorOutcome && on is ErrorOutcome);
            if (off is ErrorOutcome oracleError && on is ErrorOutcome) Stats.AddOracleError(oracleError.SqlState, oracleError.Message);
            if (!offloaded && q.SingleTable && off is RowsOutcome) Stats.AddFallbackReason(db.FallbackReason(q.Sql));
            if (verdict.Detail != null && verdict.Detail.StartsWith("same SQLSTATE", StringComparison.Ordinal) && Stats.Notes.Count < 10
                && !Stats.Notes.Any(n => n.EndsWith(verdict.Detail, StringComparison.Ordinal)))
                Stats.Notes.Add($"{q.Sql}\n{verdict.Detail}");
            if (verdict.Kind == VerdictKind.ErrorGap) Stats.AddGapExample($"{origin}, query {i}: {q.Sql}\n  off: {off}\n  on:  {on}");
            if (verdict.Kind == VerdictKind.PlanDependent) Stats.AddPlanDependentExample($"{origin}, query {i}: {q.Sql}\n  {verdict.Detail}");
            if (!verdict.IsMismatch) continue;
            found.Add(Shrink(c.Schema, q, verdict, off, plan, $"{origin}, query {i}"));
            db.Load(c.Schema);
        }
        Failures.AddRange(found);
        return found;
    }

    private (Outcome Off, Outcome On, Verdict Verdict) RunQuery(FuzzQuery q)
    {
        var off = db.Run(q.Sql, fusion: false);
        var on = db.Run(q.Sql, fusion: true);
        var verdict = OutcomeComparer.Compare(off, on, q);
        if (verdict.IsMismatch && OutcomeComparer.IsErrorGap(off, on))
        {
            // Accepted only when PostgreSQL itself, under another plan, gives pg_fusion's outcome.
            bool GivesMine(Outcome other) => other switch
            {
                ErrorOutcome e => on is ErrorOutcome mine && mine.SqlState == e.SqlState,
                RowsOutcome => on is RowsOutcome && !OutcomeComparer.Compare(other, on, q).IsMismatch,
                _ => false,
            };
            var settings = db.RunUnderOtherPlans(q.Sql, GivesMine);
            string? reordered = null, summed = null;
            if (settings == null && q.Limit != null && off is RowsOutcome && on is ErrorOutcome onError
                && db.Run((q with { Limit = null, Offset = null }).Sql, fusion: false) is ErrorOutcome unlimited && unlimited.SqlState == onError.SqlState)
            {
                // A LIMIT that PostgreSQL reaches without sorting everything (ORDER BY keys that are
                // constant, or equated to constants) stops its plan after the first rows: which rows
                // are evaluated before it stops depends on the plan, and PostgreSQL evaluating every
                // row (the query without LIMIT) raises pg_fusion's error.
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL without LIMIT: the same error\n  off: {off}\n  on:  {on}");
            }
            else if (settings == null && q.Grouped && q.GroupBy.Count == 0 && off is RowsOutcome && on is ErrorOutcome onError2
                && db.Run((q with { Select = [.. q.Select.Select(e => e.WithTrueFilters())], Having = [.. q.Having.Select(e => e.WithTrueFilters())] }).Sql, fusion: false) is ErrorOutcome unoptimized
                && unoptimized.SqlState == onError2.SqlState)
            {
                // planagg.c rewrites a query whose aggregates are all min/max-like (min, max,
                // bool_and, bool_or) into `SELECT arg ... ORDER BY arg LIMIT 1` when that is cheaper:
                // over a constant argument it stops at the first row passing WHERE and never
                // evaluates the others. FILTER (WHERE true) keeps the same values and disables the
                // rewrite; PostgreSQL then raises pg_fusion's error.
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL without the MIN/MAX rewrite (FILTER (WHERE true)): the same error\n  off: {off}\n  on:  {on}");
            }
            else if (settings != null)
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL with {settings}: {(on is ErrorOutcome ? "the same error" : "the same rows")}\n  off: {off}\n  on:  {on}");
            else if ((reordered = db.RunWithRowsReordered(q.Sql, GivesMine)) != null)
            {
                // Which rows an aggregate or a join meets first is not defined by PostgreSQL (its
                // sorts keep no order among equal keys, its heap order is the insertion order):
                // PostgreSQL over the same rows stored in another order gives pg_fusion's outcome.
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL with {reordered}: {(on is ErrorOutcome ? "the same error" : "the same rows")}\n  off: {off}\n  on:  {on}");
            }
            else if (q.CommutedFrom is { } commutedFrom && CommutedGivesMine(q with { From = commutedFrom }, GivesMine) is { } how)
            {
                // Which input of a join PostgreSQL hashes, and so in which order it meets the rows
                // (a hash full join emits the hashed side's unmatched rows in bucket order, after the
                // probe side's), follows the written order when the costs tie: the same join written
                // the other way round, PostgreSQL gives pg_fusion's outcome.
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL with the join's inputs commuted (FROM {commutedFrom}){how}: {(on is ErrorOutcome ? "the same error" : "the same rows")}\n  off: {off}\n  on:  {on}");
            }
            else if (OutcomeComparer.MayBeSummationOrder(off, on, q) && (summed = SummationOrderGivingMine(q, GivesMine)) != null)
            {
                // A float sum overflows or not depending on the order of its terms (an infinite or
                // cancelling term before two large ones): PostgreSQL summing in one fixed order of
                // the same terms gives pg_fusion's outcome.
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL summing {summed}: {(on is ErrorOutcome ? "the same error" : "the same rows")}\n  off: {off}\n  on:  {on}");
            }
            else if (options.TolerateErrorGaps)
                verdict = verdict with { Kind = VerdictKind.ErrorGap };
        }
        else if (verdict.IsMismatch && off is RowsOutcome && on is RowsOutcome && OutcomeComparer.HasInexactAggregate(q))
        {
            // A float sum's value depends on the order of its terms, which PostgreSQL's plan decides
            // (its Sort keeps no order among equal keys): a HAVING or ORDER BY over it turns that into
            // which rows come out (seed 799 case 2629: 1e300, 3411.6 and -1e300 summed in scan order are
            // 0, in PostgreSQL's sorted order 3411.6, so a HAVING sum >= 1.5 keeps the group). Accepted
            // when PostgreSQL, summing in one fixed order of the same terms or over the rows stored in
            // another order, gives pg_fusion's rows.
            bool GivesMyRows(Outcome other) => other is RowsOutcome && !OutcomeComparer.Compare(other, on, q).IsMismatch;
            string? reordered = null;
            if (SummationOrderGivingMine(q, GivesMyRows) is { } summed)
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL summing {summed}: the same rows\n  off: {off}\n  on:  {on}");
            else if ((reordered = db.RunWithRowsReordered(q.Sql, GivesMyRows)) != null)
                verdict = new Verdict(VerdictKind.PlanDependent, $"PostgreSQL with {reordered}: the same rows\n  off: {off}\n  on:  {on}");
        }
        return (off, on, verdict);
    }

    /// <summary>
    /// "" when PostgreSQL running <paramref name="commuted"/> gives an accepted outcome, " over the
    /// tables freshly loaded" when it does so before ANALYZE (the costs then tie, and the written
    /// order decides which side a hash join builds on), else null.
    /// </summary>
    private string? CommutedGivesMine(FuzzQuery commuted, Func<Outcome, bool> accept)
    {
        if (accept(db.Run(commuted.Sql, fusion: false))) return "";
        return db.RunUnanalyzed(commuted.Sql) is { } fresh && accept(fresh) ? " over the tables freshly loaded, before ANALYZE" : null;
    }

    /// <summary>The order ("ORDER BY x" or "ORDER BY x DESC" in every float sum/avg) under which PostgreSQL gives an accepted outcome, or null.</summary>
    private string? SummationOrderGivingMine(FuzzQuery q, Func<Outcome, bool> accept)
    {
        foreach (var descending in new[] { false, true })
            if (accept(db.Run(q.WithSummationOrder(descending).Sql, fusion: false)))
                return descending ? "in descending order of the argument (sum(x ORDER BY x DESC))" : "in ascending order of the argument (sum(x ORDER BY x))";
        return null;
    }

    private FuzzFailure Shrink(FuzzSchema schema, FuzzQuery query, Verdict verdict, Outcome off, string plan, string origin)
    {
        var originalSql = query.Sql;
        var budget = options.ShrinkBudget;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        var loaded = schema;

        bool Fails(FuzzSchema s, FuzzQuery q)
        {
            if (budget-- <= 0 || DateTime.UtcNow > deadline) return false;
            if (!ReferenceEquals(s, loaded))
            {
                db.Load(s);
                loaded = s;
            }
            var (o, _, v) = RunQuery(q);
            if (!v.IsMismatch) return false;
            verdict = v;
            off = o;
            return true;
        }

        bool ShrinkQuery()
        {
            var any = false;
            for (var progress = true; progress;)
            {
                progress = false;
                foreach (var candidate in query.Shrinks())
                {
                    if (!Fails(schema, candidate)) continue;
                    query = candidate;
                    progress = any = true;
                    break;
                }
            }
            return any;
        }

        bool ShrinkData()
        {
            var any = false;
            foreach (var t in schema.Tables.ToArray())
            {
                if (Regex.IsMatch(query.Sql, $@"\b{t.Name}\b")) continue;
                var without = FuzzFailure.Without(schema, t);
                if (Fails(without, query)) { schema = without; any = true; }
            }
            foreach (var name in schema.Tables.Select(t => t.Name).ToArray())
            {
                for (var progress = true; progress;)
                {
                    progress = false;
                    var rows = schema.Table(name).Rows;
                    foreach (var subset in RowSubsets(rows))
                    {
                        var candidate = FuzzFailure.WithRows(schema, name, subset);
                        if (!Fails(candidate, query)) continue;
                        schema = candidate;
                        progress = any = true;
                        break;
                    }
                }
            }
            return any;
        }

        ShrinkQuery();
        if (ShrinkData()) ShrinkQuery();
        var (_, finalPlan) = db.Explain(query.Sql);
        return new FuzzFailure(origin, schema, query, originalSql, verdict, off, string.IsNullOrEmpty(finalPlan) ? plan : finalPlan);
    }

    /// <summary>Halves and quarters first (delta debugging), single-row removals once few rows are left.</summary>
    private static IEnumerable<IReadOnlyList<string[]>> RowSubsets(IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0) yield break;
        for (var parts = 2; parts <= Math.Min(8, rows.Count); parts *= 2)
        {
            var size = (rows.Count + parts - 1) / parts;
            for (var p = 0; p < parts; p++)
            {
                var (from, to) = (p * size, (p + 1) * size);
                yield return rows.Where((_, j) => j < from || j >= to).ToArray(); // without part p
            }
        }
        if (rows.Count <= 16)
            for (var i = 0; i < rows.Count; i++)
                yield return rows.Where((_, j) => j != i).ToArray();
    }
}
