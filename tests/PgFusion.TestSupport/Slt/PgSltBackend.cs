using Npgsql;

namespace PgFusion.TestSupport.Slt;

/// <summary>Runs .slt SQL on one connection to a real PostgreSQL, switching pg_fusion per query.</summary>
public sealed class PgSltBackend : ISltBackend, IDisposable
{
    private readonly NpgsqlConnection _conn;
    private FusionSide? _side;
    private SltOffload? _offload;

    public PgSltBackend(NpgsqlConnection conn)
    {
        _conn = conn;
        FusionLoaded = IsFusionLoaded(conn);
    }

    public bool FusionLoaded { get; }

    /// <summary>
    /// pg_fusion is loaded when its GUC is a real one. `SET pg_fusion.enable = on` alone proves
    /// nothing: PostgreSQL accepts any dotted name as a placeholder, and placeholders do not
    /// appear in pg_settings. The extension being merely installed (pg_available_extensions) is not
    /// enough either: without shared_preload_libraries the hooks are not there.
    /// </summary>
    public static bool IsFusionLoaded(NpgsqlConnection conn)
    {
        using var cmd = new NpgsqlCommand("SELECT vartype FROM pg_settings WHERE name = 'pg_fusion.enable'", conn);
        return cmd.ExecuteScalar() is string vartype && vartype == "bool";
    }

    public QueryError? ExecuteStatement(string sql)
    {
        SwitchTo(FusionSide.Off, SltOffload.FallbackOk);
        try
        {
            using var cmd = new NpgsqlCommand(sql, _conn);
            cmd.ExecuteNonQuery();
            return null;
        }
        catch (PostgresException e)
        {
            return new QueryError(e.SqlState, e.MessageText);
        }
        finally
        {
            // A statement may itself SET pg_fusion.*: forget what we believe the session has.
            _side = null;
        }
    }

    public QueryOutcome RunQuery(string sql, FusionSide side, SltOffload offload)
    {
        SwitchTo(side, offload);
        return Read(sql);
    }

    public QueryOutcome Explain(string sql, SltOffload offload)
    {
        SwitchTo(FusionSide.On, offload);
        return OneText(Read("EXPLAIN (COSTS OFF) " + sql));
    }

    public QueryOutcome ExplainAnalyze(string sql, SltOffload offload)
    {
        SwitchTo(FusionSide.On, offload);
        return OneText(Read("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql));
    }

    /// <summary>EXPLAIN's rows as one text, lines joined by newlines.</summary>
    private static QueryOutcome OneText(QueryOutcome outcome)
    {
        return outcome is QueryRows rows
            ? new QueryRows(rows.Columns, [[string.Join('\n', rows.Rows.Select(r => r[0]))]])
            : outcome;
    }

    private QueryOutcome Read(string sql)
    {
        try
        {
            // Every column in the text result format: exactly what PostgreSQL's output functions
            // print (numeric scale, shortest-exact floats, ISO dates), independent of Npgsql's type mapping.
            using var cmd = new NpgsqlCommand(sql, _conn) { AllResultTypesAreUnknown = true };
            using var reader = cmd.ExecuteReader();
            var columns = new ResultColumn[reader.FieldCount];
            for (var i = 0; i < columns.Length; i++)
                columns[i] = new ResultColumn(reader.GetName(i), reader.GetDataTypeOID(i), reader.GetDataTypeName(i));
            var rows = new List<string?[]>();
            while (reader.Read())
            {
                var row = new string?[columns.Length];
                for (var i = 0; i < row.Length; i++)
                    row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
                rows.Add(row);
            }
            return new QueryRows(columns, rows);
        }
        catch (PostgresException e)
        {
            return new QueryError(e.SqlState, e.MessageText);
        }
    }

    private void SwitchTo(FusionSide side, SltOffload offload)
    {
        // Without pg_fusion there is only one side; setting the GUCs would only create placeholders.
        if (!FusionLoaded || (_side == side && (side == FusionSide.Off || _offload == offload))) return;
        var sql = side == FusionSide.Off
            ? "SET pg_fusion.enable = off"
            : $"SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = {(offload == SltOffload.Required ? "error" : "fallback")}";
        using var cmd = new NpgsqlCommand(sql, _conn);
        cmd.ExecuteNonQuery();
        _side = side;
        _offload = offload;
    }

    public void Dispose() => _conn.Dispose();
}
