using System.Text.RegularExpressions;

namespace PgFusion.TestSupport.Slt;

/// <summary>
/// Runs an .slt script: statements once with pg_fusion off; each query with pg_fusion off (the
/// oracle) and on, compared by <see cref="ResultComparer"/>. Without pg_fusion loaded only the off
/// side runs and each query must succeed or fail as declared. Every failure is collected, not just the first.
/// </summary>
public static class SltRunner
{
    private const string FusionScan = "PgFusionScan";

    /// <summary>Parses and runs one file in a fresh database of its own (dropped again when it passes).</summary>
    public static SltFileReport RunFile(string path, string displayName)
    {
        SltScript script;
        try
        {
            script = SltParser.ParseFile(path, displayName);
        }
        catch (SltParseException e)
        {
            return new SltFileReport(displayName, false, 0, 0, 0, 0, [new SltFailure(displayName, "-", "parse error", "", e.Message)]);
        }
        var database = DatabaseName(displayName);
        var connectionString = PgServer.CreateDatabase(database);
        SltFileReport report;
        using (var conn = new Npgsql.NpgsqlConnection(connectionString))
        {
            conn.Open();
            using var backend = new PgSltBackend(conn);
            report = Run(script, backend);
        }
        if (report.Passed)
        {
            using var admin = PgServer.Open();
            PgServer.Execute(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
        return report;
    }

    public static SltFileReport Run(SltScript script, ISltBackend backend)
    {
        var failures = new List<SltFailure>();
        var log = new List<string>();
        int statements = 0, queries = 0, explainChecks = 0, explainSkipped = 0;
        foreach (var record in script.Records)
        {
            try
            {
                switch (record)
                {
                    case SltStatement s:
                        statements++;
                        RunStatement(s, backend, failures);
                        break;
                    case SltQuery q:
                        queries++;
                        var (checks, skipped) = RunQuery(script, q, backend, failures, log);
                        explainChecks += checks;
                        explainSkipped += skipped;
                        break;
                }
            }
            catch (Npgsql.NpgsqlException e) when (e is not Npgsql.PostgresException)
            {
                // A broken connection or a timeout: the session is gone, so the rest of the file cannot run.
                var label = record is SltQuery lq ? lq.Label : "statement";
                failures.Add(new SltFailure(record.Location, label, "connection lost or timed out (did the server restart? see postgres.log)",
                    record.Sql, e.Message));
                break;
            }
        }
        return new SltFileReport(script.File, backend.FusionLoaded, statements, queries, explainChecks, explainSkipped, failures)
        {
            QueryLog = log,
        };
    }

    private static void RunStatement(SltStatement s, ISltBackend backend, List<SltFailure> failures)
    {
        var error = backend.ExecuteStatement(s.Sql);
        if (!s.ExpectError && error != null)
            failures.Add(new SltFailure(s.Location, "statement", "statement failed", s.Sql, error.ToString()));
        else if (s.ExpectError && error == null)
            failures.Add(new SltFailure(s.Location, "statement", "statement succeeded but an error was expected", s.Sql, $"expected {s.SqlState ?? "an error"}"));
        else if (s.ExpectError && s.SqlState != null && error!.SqlState != s.SqlState)
            failures.Add(new SltFailure(s.Location, "statement", "wrong SQLSTATE", s.Sql, $"expected {s.SqlState}, got {error}"));
    }

    private static (int Checks, int Skipped) RunQuery(SltScript script, SltQuery q, ISltBackend backend, List<SltFailure> failures, List<string> log)
    {
        void Fail(string kind, string detail) => failures.Add(new SltFailure(q.Location, q.Label, kind, q.Sql, detail));

        var offload = script.OffloadOf(q);
        var off = backend.RunQuery(q.Sql, FusionSide.Off, offload);
        log.Add($"{q.Label} (line {q.Line}, {(offload == SltOffload.Required ? "offload" : "fallback ok")}): "
                + (off is QueryRows rows ? $"{rows.Rows.Count} rows" : off.ToString()));
        if (!CheckOracle(q, off, Fail)) return (0, 0);

        var explainCount = q.ExplainMatch.Count + q.ExplainNotMatch.Count + q.ExplainAnalyzeMatch.Count + (offload == SltOffload.Required && !q.ExpectError ? 1 : 0);
        if (!backend.FusionLoaded) return (0, explainCount);

        var on = backend.RunQuery(q.Sql, FusionSide.On, offload);
        var diff = ResultComparer.Compare(off, on, q.ColumnTypes, q.SortMode, q.Tolerance);
        if (diff != null)
        {
            // With offload required, on_unsupported = error: an unsupported construct surfaces as an ERROR here.
            Fail(on is QueryError && off is QueryRows
                ? offload == SltOffload.Required
                    ? "pg_fusion raised an error (offload required: unsupported constructs fail here)"
                    : "pg_fusion raised an error"
                : "off/on results differ", diff);
            return (0, 0);
        }
        if (explainCount == 0) return (0, 0);

        var explain = backend.Explain(q.Sql, offload);
        if (explain is QueryError ee)
        {
            Fail("EXPLAIN failed", ee.ToString());
            return (explainCount, 0);
        }
        var plan = ((QueryRows)explain).Rows[0][0] ?? "";
        if (offload == SltOffload.Required && !q.ExpectError && !plan.Contains(FusionScan, StringComparison.Ordinal))
            Fail("offload required but the plan has no PgFusionScan", "EXPLAIN (pg_fusion on):\n" + plan);
        foreach (var regex in q.ExplainMatch)
            if (!Regex.IsMatch(plan, regex, RegexOptions.Multiline))
                Fail($"EXPLAIN does not match /{regex}/", "EXPLAIN (pg_fusion on):\n" + plan);
        foreach (var regex in q.ExplainNotMatch)
            if (Regex.IsMatch(plan, regex, RegexOptions.Multiline))
                Fail($"EXPLAIN matches /{regex}/ but must not", "EXPLAIN (pg_fusion on):\n" + plan);
        if (q.ExplainAnalyzeMatch.Count > 0)
        {
            var analyzed = backend.ExplainAnalyze(q.Sql, offload);
            if (analyzed is QueryError ae)
            {
                Fail("EXPLAIN ANALYZE failed", ae.ToString());
                return (explainCount, 0);
            }
            var run = ((QueryRows)analyzed).Rows[0][0] ?? "";
            foreach (var regex in q.ExplainAnalyzeMatch)
                if (!Regex.IsMatch(run, regex, RegexOptions.Multiline))
                    Fail($"EXPLAIN ANALYZE does not match /{regex}/", "EXPLAIN ANALYZE (pg_fusion on):\n" + run);
        }
        return (explainCount, 0);
    }

    /// <summary>The oracle must do what the file declares, else the test itself is wrong.</summary>
    private static bool CheckOracle(SltQuery q, QueryOutcome off, Action<string, string> fail)
    {
        switch (off)
        {
            case QueryError e when !q.ExpectError:
                fail("query failed with pg_fusion off", e.ToString());
                return false;
            case QueryRows r when q.ExpectError:
                fail("query error: PostgreSQL returned rows instead of an error", $"{r.Rows.Count} rows");
                return false;
            case QueryError e when q.SqlState != null && e.SqlState != q.SqlState:
                fail("query error: wrong SQLSTATE with pg_fusion off", $"expected {q.SqlState}, got {e}");
                return false;
            case QueryRows r when r.Columns.Count != q.ColumnTypes.Length:
                fail("column count differs from the header", $"header '{q.ColumnTypes}' has {q.ColumnTypes.Length} columns, the query returns ({string.Join(", ", r.Columns)})");
                return false;
            case QueryRows r:
                for (var i = 0; i < r.Columns.Count; i++)
                {
                    if (!SltColumnTypes.Accepts(q.ColumnTypes[i], r.Columns[i].TypeOid))
                    {
                        fail("column type differs from the header", $"column {i + 1} ({r.Columns[i]}) is not '{q.ColumnTypes[i]}'");
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>One database per file, named after it, so files can run in parallel.</summary>
    public static string DatabaseName(string displayName)
    {
        var name = "slt_" + Regex.Replace(Path.ChangeExtension(displayName, null).ToLowerInvariant(), "[^a-z0-9]+", "_").Trim('_');
        if (name.Length <= 63) return name;
        var hash = (uint)displayName.Aggregate(17, (h, c) => unchecked(h * 31 + c));
        return name[..54] + "_" + hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }
}
