using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgFusion.Tpch.Generation;
using PgFusion.Tpch.Schema;

namespace PgFusion.Tpch.Loading;

/// <summary>
/// Loads TPC-H into a database: drop and create the tables, stream generated rows through binary COPY
/// (two generator threads, one COPY connection per table), build keys and indexes two at a time,
/// then VACUUM ANALYZE. The load is recorded in <c>tpch_meta</c> so callers can tell it is there.
/// </summary>
public static class TpchLoader
{
    /// <summary>Bumped whenever the generator's output changes, so stale databases are reloaded.</summary>
    public const int GeneratorVersion = 1;

    private const int Connections = 2;

    public static TpchLoadReport Load(string connectionString, double scaleFactor, ulong seed = 0, TextWriter? progressOutput = null)
    {
        var scale = new TpchScale(scaleFactor);
        var generator = new TpchGenerator(scale, seed);
        using var progress = new LoadProgress(progressOutput);
        var total = Stopwatch.StartNew();

        using (var conn = Open(connectionString))
        {
            Execute(conn, "DROP TABLE IF EXISTS tpch_meta, " + string.Join(", ", TpchSchema.Tables.Select(TpchSchema.Name)));
            foreach (var table in TpchSchema.Tables)
                Execute(conn, TpchSchema.CreateTable(table));
        }
        // The text pool is built once; doing it before the clock keeps the copy rate honest.
        _ = TextPool.Default.Length;

        var counts = new ConcurrentDictionary<TpchTable, long>();
        progress.StartCopy(TotalRowsEstimate(scale));
        var copyClock = Stopwatch.StartNew();
        var big = Task.Factory.StartNew(
            () => Copy(connectionString, progress, counts, [TpchTable.Orders, TpchTable.LineItem],
                sinks => generator.GenerateOrdersAndLineItem(sinks[0], sinks[1])),
            TaskCreationOptions.LongRunning);
        var rest = Task.Factory.StartNew(() =>
        {
            Copy(connectionString, progress, counts, [TpchTable.Part, TpchTable.PartSupp],
                sinks => generator.GeneratePartAndPartSupp(sinks[0], sinks[1]));
            Copy(connectionString, progress, counts, [TpchTable.Customer], sinks => generator.GenerateCustomer(sinks[0]));
            Copy(connectionString, progress, counts, [TpchTable.Supplier], sinks => generator.GenerateSupplier(sinks[0]));
            Copy(connectionString, progress, counts, [TpchTable.Nation], sinks => generator.GenerateNation(sinks[0]));
            Copy(connectionString, progress, counts, [TpchTable.Region], sinks => generator.GenerateRegion(sinks[0]));
        }, TaskCreationOptions.LongRunning);
        Task.WaitAll(big, rest);
        var copyTime = copyClock.Elapsed;
        progress.Finish($"copied {counts.Values.Sum():N0} rows in {copyTime.TotalSeconds:F1}s");

        // Biggest first, so the two connections finish together.
        var indexStatements = TpchSchema.Tables.Reverse().SelectMany(TpchSchema.Indexes).ToList();
        var indexClock = Stopwatch.StartNew();
        RunInParallel(connectionString, progress, "keys, indexes", indexStatements);
        var indexTime = indexClock.Elapsed;
        progress.Finish($"built {indexStatements.Count} keys and indexes in {indexTime.TotalSeconds:F1}s");

        var vacuumClock = Stopwatch.StartNew();
        RunInParallel(connectionString, progress, "vacuum analyze",
            TpchSchema.Tables.Reverse().Select(t => $"VACUUM (ANALYZE) {TpchSchema.Name(t)}").ToList());
        var vacuumTime = vacuumClock.Elapsed;
        progress.Finish($"vacuum analyze in {vacuumTime.TotalSeconds:F1}s");

        using (var conn = Open(connectionString))
        {
            Execute(conn, "CREATE TABLE tpch_meta (scale_factor float8 NOT NULL, seed bigint NOT NULL, generator_version int NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(), load_seconds float8 NOT NULL)");
            Execute(conn, string.Create(CultureInfo.InvariantCulture,
                $"INSERT INTO tpch_meta (scale_factor, seed, generator_version, load_seconds) VALUES ({scaleFactor:R}, {(long)seed}, {GeneratorVersion}, {total.Elapsed.TotalSeconds:F3})"));
        }
        progress.Finish($"TPC-H SF {scaleFactor} loaded in {total.Elapsed.TotalSeconds:F1}s");
        return new TpchLoadReport(scaleFactor, seed, new Dictionary<TpchTable, long>(counts), copyTime, indexTime, vacuumTime, total.Elapsed);
    }

    /// <summary>True when the database holds a complete load of this scale factor, seed and generator version.</summary>
    public static bool IsLoaded(string connectionString, double scaleFactor, ulong seed = 0)
    {
        using var conn = Open(connectionString);
        using var check = new NpgsqlCommand("SELECT to_regclass('tpch_meta') IS NOT NULL", conn);
        if (check.ExecuteScalar() is not true)
            return false;
        using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM tpch_meta WHERE scale_factor = @sf AND seed = @seed AND generator_version = @v", conn);
        cmd.Parameters.AddWithValue("sf", scaleFactor);
        cmd.Parameters.AddWithValue("seed", (long)seed);
        cmd.Parameters.AddWithValue("v", GeneratorVersion);
        return cmd.ExecuteScalar() is long n && n > 0;
    }

    /// <summary>Creates <paramref name="database"/> (C collation, like the test databases) unless it exists.</summary>
    public static void EnsureDatabase(string adminConnectionString, string database)
    {
        using var conn = Open(adminConnectionString);
        using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", conn);
        cmd.Parameters.AddWithValue("name", database);
        if (cmd.ExecuteScalar() is long n && n > 0)
            return;
        Execute(conn, $"CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
    }

    public static long TotalRowsEstimate(TpchScale scale) =>
        5 + 25 + scale.Suppliers + scale.Customers + scale.Parts + scale.PartSupps + scale.Orders + scale.LineItemsEstimate;

    /// <summary>
    /// One connection per table, each COPY in its own transaction right after TRUNCATE so that
    /// COPY FREEZE applies: rows are written frozen and pages all-visible, as after a VACUUM FREEZE.
    /// </summary>
    private static void Copy(string connectionString, LoadProgress progress, ConcurrentDictionary<TpchTable, long> counts,
        TpchTable[] tables, Action<IRowSink[]> generate)
    {
        var connections = new List<NpgsqlConnection>();
        var transactions = new List<NpgsqlTransaction>();
        var importers = new List<NpgsqlBinaryImporter>();
        var sinks = new NpgsqlRowSink[tables.Length];
        try
        {
            for (var i = 0; i < tables.Length; i++)
            {
                var conn = Open(connectionString);
                connections.Add(conn);
                transactions.Add(conn.BeginTransaction());
                var name = TpchSchema.Name(tables[i]);
                Execute(conn, $"TRUNCATE {name}");
                var importer = conn.BeginBinaryImport($"COPY {name} FROM STDIN (FORMAT BINARY, FREEZE)");
                importers.Add(importer);
                sinks[i] = new NpgsqlRowSink(importer, progress);
            }
            generate(sinks);
            for (var i = 0; i < tables.Length; i++)
            {
                sinks[i].Flush();
                importers[i].Complete();
                importers[i].Dispose();
                transactions[i].Commit();
                counts[tables[i]] = sinks[i].Rows;
            }
        }
        catch (Exception e) when (e is NpgsqlException or PostgresException)
        {
            throw new InvalidOperationException($"TPC-H load failed copying {string.Join(", ", tables)}: {e.Message}", e);
        }
        finally
        {
            foreach (var conn in connections)
                conn.Dispose();
        }
    }

    private static void RunInParallel(string connectionString, LoadProgress progress, string phase, List<string> statements)
    {
        progress.StartSteps(phase, statements.Count);
        var queue = new ConcurrentQueue<string>(statements);
        var workers = Enumerable.Range(0, Connections).Select(_ => Task.Factory.StartNew(() =>
        {
            using var conn = Open(connectionString);
            while (queue.TryDequeue(out var sql))
            {
                try
                {
                    Execute(conn, sql);
                }
                catch (PostgresException e)
                {
                    throw new InvalidOperationException($"TPC-H load failed on '{sql}': {e.Message}", e);
                }
                progress.StepDone();
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(workers);
    }

    private static NpgsqlConnection Open(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 };
        var conn = new NpgsqlConnection(builder.ConnectionString);
        conn.Open();
        return conn;
    }

    private static void Execute(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }
}
