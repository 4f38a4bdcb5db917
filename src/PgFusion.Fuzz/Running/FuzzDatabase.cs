using System.Text.RegularExpressions;
using Npgsql;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Running;

/// <summary>
/// One connection to a PostgreSQL 15 with pg_fusion preloaded: loads a case's schema into a fresh
/// schema `fz`, and runs queries with pg_fusion off (the oracle) or on (on_unsupported = fallback,
/// so unsupported constructs exercise the fallback path). Reconnects after a crash.
/// </summary>
public sealed class FuzzDatabase : IDisposable
{
    private readonly string _connectionString;
    private NpgsqlConnection _conn;
    private bool? _fusionOn;

    /// <param name="connectionString">A connection to the database to fuzz in (created by <see cref="Prepare"/>).</param>
    public FuzzDatabase(string connectionString)
    {
        _connectionString = connectionString;
        _conn = Connect();
        using var cmd = new NpgsqlCommand("SELECT vartype FROM pg_settings WHERE name = 'pg_fusion.enable'", _conn);
        if (cmd.ExecuteScalar() is not "bool")
            throw new InvalidOperationException("pg_fusion is not loaded in this cluster (shared_preload_libraries): there is nothing to compare with");
    }

    /// <summary>
    /// Creates (or recreates) <paramref name="database"/> with the pg_fusion extension, and
    /// pg_fusion.work_mem = <paramref name="workMemKb"/> kB for its sessions when given (to fuzz the
    /// spill paths); returns its connection string.
    /// </summary>
    public static string Prepare(string adminConnectionString, string database, int? workMemKb = null)
    {
        using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            admin.Open();
            Exec(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            Exec(admin, $"CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
            if (workMemKb is { } kb)
                Exec(admin, $"ALTER DATABASE \"{database}\" SET pg_fusion.work_mem = {kb.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
        var cs = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database, Pooling = false }.ConnectionString;
        using (var db = new NpgsqlConnection(cs))
        {
            db.Open();
            Exec(db, "CREATE EXTENSION IF NOT EXISTS pg_fusion");
        }
        return cs;
    }

    /// <summary>The schema <see cref="Load"/> created last.</summary>
    public FuzzSchema? Loaded { get; private set; }

    /// <summary>Drops the previous case's tables and creates this one's.</summary>
    public void Load(FuzzSchema schema)
    {
        EnsureOpen();
        SetFusion(false);
        Loaded = null;
        Exec(_conn, "DROP SCHEMA IF EXISTS fz CASCADE; CREATE SCHEMA fz");
        foreach (var statement in schema.Statements()) Exec(_conn, statement);
        Loaded = schema;
    }

    public Outcome Run(string sql, bool fusion)
    {
        try
        {
            EnsureOpen();
            SetFusion(fusion);
            using var cmd = new NpgsqlCommand(sql, _conn) { AllResultTypesAreUnknown = true };
            using var reader = cmd.ExecuteReader();
            var columns = new (string, uint)[reader.FieldCount];
            for (var i = 0; i < columns.Length; i++) columns[i] = (reader.GetName(i), reader.GetDataTypeOID(i));
            var rows = new List<string?[]>();
            while (reader.Read())
            {
                var row = new string?[columns.Length];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
                rows.Add(row);
            }
            return new RowsOutcome(columns, rows);
        }
        catch (PostgresException e) when (e.SqlState is not ("57P01" or "57P02" or "57P03"))
        {
            return new ErrorOutcome(e.SqlState, e.MessageText);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
        {
            Reconnect();
            return new LostOutcome(e.Message);
        }
    }

    /// <summary>
    /// Plan settings under which PostgreSQL may evaluate expressions over other rows or in another
    /// order: each forbids one choice the planner made for the fuzzed queries (aggregation, join
    /// method, index access, incremental sort stopping at LIMIT).
    /// </summary>
    public static IReadOnlyList<string> OtherPlans { get; } =
    [
        "enable_hashagg = off",
        "enable_sort = off",
        "enable_hashagg = off, enable_incremental_sort = off",
        "enable_sort = off, enable_incremental_sort = off",
        "enable_incremental_sort = off",
        "enable_hashjoin = off",
        "enable_mergejoin = off",
        "enable_nestloop = off",
        "enable_hashjoin = off, enable_mergejoin = off",
        "enable_hashjoin = off, enable_nestloop = off",
        "enable_mergejoin = off, enable_nestloop = off",
        "enable_indexscan = off, enable_indexonlyscan = off, enable_bitmapscan = off",
        "enable_material = off, enable_memoize = off",
    ];

    /// <summary>
    /// Runs <paramref name="sql"/> with pg_fusion off under each of <see cref="OtherPlans"/> (in a
    /// transaction, SET LOCAL) until <paramref name="accept"/> holds for an outcome; returns the
    /// settings that gave it, or null.
    /// </summary>
    public string? RunUnderOtherPlans(string sql, Func<Outcome, bool> accept)
    {
        foreach (var settings in OtherPlans)
        {
            var outcome = RunWith(sql, settings);
            if (outcome is LostOutcome) return null;
            if (accept(outcome)) return settings;
        }
        return null;
    }

    private Outcome RunWith(string sql, string settings)
    {
        EnsureOpen();
        SetFusion(false);
        try
        {
            Exec(_conn, "BEGIN; " + string.Join("; ", settings.Split(", ").Select(s => "SET LOCAL " + s)));
            return Run(sql, fusion: false);
        }
        finally
        {
            if (_conn.State == System.Data.ConnectionState.Open) Exec(_conn, "ROLLBACK");
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> with pg_fusion off over the same rows stored in other physical
    /// orders, one table at a time: stably sorted by each of its columns (ties keep the loaded
    /// order), then reversed; each in a transaction that is rolled back. Returns the order under
    /// which <paramref name="accept"/> holds, or null.
    /// </summary>
    /// <remarks>
    /// A table is a set: PostgreSQL defines no order in which an aggregate or a join meets its rows,
    /// and its own order follows the heap and its sorts (quicksort keeps no order among equal keys,
    /// but returns presorted input as it is). Stored sorted by a group or sort key, rows reach
    /// PostgreSQL's Sort presorted and so in heap order within each key, the order a hash aggregate
    /// over a scan (pg_fusion's) meets them.
    /// </remarks>
    public string? RunWithRowsReordered(string sql, Func<Outcome, bool> accept)
    {
        if (Loaded == null) return null;
        foreach (var t in Loaded.Tables.Where(t => t.Rows.Count > 1 && Regex.IsMatch(sql, $@"\b{t.Name}\b")))
        {
            foreach (var order in t.Columns.Select(c => c.Name + ", ctid").Append("ctid DESC"))
            {
                var outcome = RunReordered(sql, t.Name, order);
                if (outcome is LostOutcome) return null;
                if (outcome != null && accept(outcome)) return $"{t.Name}'s rows stored in the order of ORDER BY {order}";
            }
        }
        return null;
    }

    /// <summary>The outcome over the reordered table, or null when the table could not be reordered.</summary>
    private Outcome? RunReordered(string sql, string table, string order)
    {
        EnsureOpen();
        SetFusion(false);
        try
        {
            Exec(_conn, $"BEGIN; CREATE TEMP TABLE fz_reordered ON COMMIT DROP AS SELECT * FROM {table} ORDER BY {order}; "
                + $"TRUNCATE {table}; INSERT INTO {table} SELECT * FROM fz_reordered; ANALYZE {table}");
            return Run(sql, fusion: false);
        }
        catch (PostgresException)
        {
            return null;
        }
        finally
        {
            if (_conn.State == System.Data.ConnectionState.Open) Exec(_conn, "ROLLBACK");
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> with pg_fusion off over the same rows freshly loaded into every
    /// table it names, before any ANALYZE (no pg_statistic rows, reltuples -1: the estimates
    /// PostgreSQL plans a just-loaded table with), in a transaction that is rolled back. Null when
    /// the tables could not be reloaded.
    /// </summary>
    public Outcome? RunUnanalyzed(string sql)
    {
        if (Loaded == null) return null;
        var tables = Loaded.Tables.Where(t => Regex.IsMatch(sql, $@"\b{t.Name}\b")).Select(t => t.Name).ToList();
        if (tables.Count == 0) return null;
        EnsureOpen();
        SetFusion(false);
        try
        {
            Exec(_conn, "BEGIN; " + string.Concat(tables.Select(t =>
                $"CREATE TEMP TABLE fz_copy_{t} ON COMMIT DROP AS SELECT * FROM {t}; TRUNCATE {t}; INSERT INTO {t} SELECT * FROM fz_copy_{t}; "
                + $"DELETE FROM pg_statistic WHERE starelid = '{t}'::regclass; ")));
            return Run(sql, fusion: false);
        }
        catch (PostgresException)
        {
            return null;
        }
        finally
        {
            if (_conn.State == System.Data.ConnectionState.Open) Exec(_conn, "ROLLBACK");
        }
    }

    /// <summary>Whether pg_fusion runs the query itself (EXPLAIN shows its Custom Scan), and the plan text.</summary>
    public (bool Offloaded, string Plan) Explain(string sql)
    {
        var outcome = Run("EXPLAIN (COSTS OFF) " + sql, fusion: true);
        if (outcome is not RowsOutcome rows) return (false, outcome.ToString() ?? "");
        var plan = string.Join('\n', rows.Rows.Select(r => r[0]));
        return (plan.Contains("PgFusionScan", StringComparison.Ordinal), plan);
    }

    /// <summary>Why pg_fusion does not run the query: the error EXPLAIN raises under on_unsupported = error.</summary>
    public string FallbackReason(string sql)
    {
        Run("SET pg_fusion.on_unsupported = error", fusion: true);
        var outcome = Run("EXPLAIN (COSTS OFF) " + sql, fusion: true);
        Run("SET pg_fusion.on_unsupported = fallback", fusion: true);
        return outcome is ErrorOutcome e ? e.Message : "(no error under on_unsupported = error)";
    }

    private NpgsqlConnection Connect()
    {
        var conn = new NpgsqlConnection(_connectionString);
        conn.Open();
        // A runaway join must not stall the campaign; the oracle timing out skips the query.
        Exec(conn, "SET statement_timeout = '20s'; SET search_path = fz, public; SET pg_fusion.on_unsupported = fallback");
        _fusionOn = null;
        return conn;
    }

    private void EnsureOpen()
    {
        if (_conn.State != System.Data.ConnectionState.Open) Reconnect();
    }

    /// <summary>After a crash PostgreSQL restarts (recovery): retry for up to a minute.</summary>
    private void Reconnect()
    {
        _conn.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                _conn = Connect();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500);
            }
        }
    }

    private void SetFusion(bool on)
    {
        if (_fusionOn == on) return;
        Exec(_conn, on ? "SET pg_fusion.enable = on" : "SET pg_fusion.enable = off");
        _fusionOn = on;
    }

    private static void Exec(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _conn.Dispose();
}
