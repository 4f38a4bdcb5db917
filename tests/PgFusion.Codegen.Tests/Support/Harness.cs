using Npgsql;
using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Planner;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>Serves fixed batches for every scan.</summary>
public sealed class ListScanProvider(IReadOnlyList<RecordBatch> batches) : IScanProvider
{
    public IBatchSource OpenScan(PhysicalScan scan) => new Source(batches);

    private sealed class Source(IReadOnlyList<RecordBatch> batches) : IBatchSource
    {
        private int next;

        public RecordBatch? Next(CancellationToken cancellation) => next < batches.Count ? batches[next++] : null;
    }
}

public sealed class CollectingSink : IResultSink
{
    public List<byte[]> Tuples { get; } = [];

    public void WriteTuple(ReadOnlySpan<byte> minimalTuple) => Tuples.Add(minimalTuple.ToArray());
}

/// <summary>An outcome to compare: rows as PostgreSQL text, or an error (SQLSTATE + message).</summary>
public sealed record Outcome(List<string?[]>? Rows, string? Error)
{
    public override string ToString() => Error ?? string.Join("\n", Rows!.Select(r => string.Join(" | ", r.Select(v => v ?? "NULL"))));
}

public static class Harness
{
    public static Outcome RunCompiled(PlannedQuery plan, IReadOnlyList<RecordBatch> batches)
    {
        var result = new QueryCompiler().Compile(plan);
        if (result.Query is null) throw new InvalidOperationException("unsupported: " + result.UnsupportedReason);
        var sink = new CollectingSink();
        try
        {
            result.Query.Execute(new ListScanProvider(batches), sink, CancellationToken.None);
        }
        catch (PgFusionException e)
        {
            return new Outcome(null, $"{e.SqlState}: {e.Message}");
        }
        var types = plan.ResultColumns.Select(c => c.Type).ToArray();
        var rows = sink.Tuples.Select(t =>
        {
            var values = MinimalTupleReader.Read(t, types);
            return values.Select((v, i) => PgText.Format(v, types[i])).ToArray();
        }).ToList();
        return new Outcome(rows, null);
    }

    public static Outcome RunPostgres(NpgsqlConnection connection, string sql, int columns)
    {
        string names = string.Join(", ", Enumerable.Range(0, columns).Select(i => $"c{i}"));
        string cast = string.Join(", ", Enumerable.Range(0, columns).Select(i => $"c{i}::text"));
        try
        {
            using var cmd = new NpgsqlCommand($"SELECT {cast} FROM ({sql}) AS q({names})", connection);
            using var reader = cmd.ExecuteReader();
            var rows = new List<string?[]>();
            while (reader.Read())
            {
                var row = new string?[columns];
                for (int i = 0; i < columns; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
                rows.Add(row);
            }
            return new Outcome(rows, null);
        }
        catch (PostgresException e)
        {
            return new Outcome(null, $"{e.SqlState}: {e.MessageText}");
        }
    }

    /// <summary>Rows sorted as strings, for multiset comparison.</summary>
    public static string Canonical(Outcome o, bool ordered) =>
        o.Error ?? string.Join("\n", (ordered ? (IEnumerable<string?[]>)o.Rows! : o.Rows!.OrderBy(r => string.Join("\u0001", r.Select(v => v ?? "\u0000")), StringComparer.Ordinal))
            .Select(r => string.Join(" | ", r.Select(v => v ?? "NULL"))));
}
