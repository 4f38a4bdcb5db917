using System.Text;
using System.Text.Json;
using Npgsql;

namespace PgFusion.Planner.Tests.Fixtures;

/// <summary>
/// TEST FIXTURE TOOL, not product code: builds a Query JSON envelope for a SELECT from a running
/// PostgreSQL 15 without pg_fusion. The query tree comes from debug_print_rewritten (the server logs
/// the rewritten Query's nodeToString to the client) through <see cref="NodeToStringConverter"/>;
/// "relations" and "catalog" come from SQL over pg_class/pg_attribute/pg_stats/pg_proc/pg_operator/pg_type.
/// Limits: atthasmissing values are written as null.
/// </summary>
public static class FixtureCapture
{
    private static readonly string[] FunctionFields = ["funcid", "opfuncid", "aggfnoid", "winfnoid"];
    private static readonly string[] OperatorFields = ["opno", "sortop", "eqop"];
    private static readonly string[] TypeFields = ["vartype", "consttype", "opresulttype", "funcresulttype", "aggtype", "resulttype", "casetype", "coalescetype", "minmaxtype", "typeId", "array_typeid", "element_typeid"];

    public static byte[] Capture(NpgsqlConnection conn, string sql)
    {
        string tree = RewrittenTree(conn, sql);
        var queryJson = new MemoryStream();
        using (var w = new Utf8JsonWriter(queryJson)) NodeToStringConverter.Convert(tree, w);
        using var query = JsonDocument.Parse(queryJson.ToArray());
        var queryRoot = query.RootElement.ValueKind == JsonValueKind.Array ? query.RootElement[0] : query.RootElement;

        var functions = new SortedSet<long>();
        var operators = new SortedSet<long>();
        var types = new SortedSet<long>();
        var relids = new SortedSet<long>();
        Collect(queryRoot, functions, operators, types, relids);

        var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteNumber("server_version_num", System.Convert.ToInt32(Scalar(conn, "SHOW server_version_num"), System.Globalization.CultureInfo.InvariantCulture));
            w.WritePropertyName("query");
            queryRoot.WriteTo(w);
            w.WriteStartArray("relations");
            foreach (var relid in relids) WriteRelation(conn, w, relid, types);
            w.WriteEndArray();
            WriteCatalog(conn, w, functions, operators, types);
            w.WriteEndObject();
        }
        return output.ToArray();
    }

    /// <summary>Runs the statement with debug_print_rewritten on and returns the logged tree.</summary>
    public static string RewrittenTree(NpgsqlConnection conn, string sql)
    {
        string? tree = null;
        void OnNotice(object? s, NpgsqlNoticeEventArgs e)
        {
            if (e.Notice.MessageText.Contains("rewritten parse tree", StringComparison.Ordinal) && !e.Notice.Detail!.Contains(":commandType 6", StringComparison.Ordinal))
                tree ??= e.Notice.Detail;
        }
        conn.Notice += OnNotice;
        try
        {
            Execute(conn, "SET debug_print_rewritten = on; SET debug_pretty_print = off; SET client_min_messages = log");
            using (var cmd = new NpgsqlCommand(sql, conn))
            using (var reader = cmd.ExecuteReader())
                while (reader.Read()) { }
            Execute(conn, "RESET client_min_messages; RESET debug_print_rewritten; RESET debug_pretty_print");
        }
        finally
        {
            conn.Notice -= OnNotice;
        }
        return tree ?? throw new InvalidOperationException("the server logged no rewritten parse tree");
    }

    private static void Collect(JsonElement e, SortedSet<long> functions, SortedSet<long> operators, SortedSet<long> types, SortedSet<long> relids)
    {
        if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in e.EnumerateArray()) Collect(x, functions, operators, types, relids);
            return;
        }
        if (e.ValueKind != JsonValueKind.Object) return;
        bool isRte = e.TryGetProperty("node", out var n) && n.GetString() == "RANGETBLENTRY";
        foreach (var p in e.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out long v) && v > 0)
            {
                if (FunctionFields.Contains(p.Name)) functions.Add(v);
                if (OperatorFields.Contains(p.Name)) operators.Add(v);
                if (TypeFields.Contains(p.Name)) types.Add(v);
                if (isRte && p.Name == "relid") relids.Add(v);
            }
            if (p.Name == "aggargtypes" && p.Value.ValueKind == JsonValueKind.Array)
                foreach (var t in p.Value.EnumerateArray()) types.Add(t.GetInt64());
            Collect(p.Value, functions, operators, types, relids);
        }
    }

    private static void WriteRelation(NpgsqlConnection conn, Utf8JsonWriter w, long relid, SortedSet<long> types)
    {
        w.WriteStartObject();
        using (var cmd = new NpgsqlCommand("SELECT c.relname, n.nspname, c.relkind::text, c.relpages, c.reltuples, c.relhassubclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid::bigint = $1", conn))
        {
            cmd.Parameters.AddWithValue(relid);
            using var r = cmd.ExecuteReader();
            if (!r.Read()) throw new InvalidOperationException($"relation {relid} not found");
            w.WriteNumber("relid", relid);
            w.WriteString("name", r.GetString(0));
            w.WriteString("namespace", r.GetString(1));
            w.WriteString("relkind", r.GetString(2));
            w.WriteNumber("relpages", r.GetInt32(3));
            w.WriteNumber("reltuples", r.GetFloat(4));
            w.WriteBoolean("hassubclass", r.GetBoolean(5));
        }
        var names = new Dictionary<string, int>();
        w.WriteStartArray("attributes");
        using (var cmd = new NpgsqlCommand("SELECT attnum, attname::text, atttypid, atttypmod, attlen, attbyval, attalign::text, attnotnull, attisdropped, atthasmissing, attcollation FROM pg_attribute WHERE attrelid::bigint = $1 AND attnum > 0 ORDER BY attnum", conn))
        {
            cmd.Parameters.AddWithValue(relid);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                w.WriteStartObject();
                w.WriteNumber("attnum", r.GetInt16(0));
                w.WriteString("name", r.GetString(1));
                w.WriteNumber("typid", r.GetFieldValue<uint>(2));
                w.WriteNumber("typmod", r.GetInt32(3));
                w.WriteNumber("len", r.GetInt16(4));
                w.WriteBoolean("byval", r.GetBoolean(5));
                w.WriteString("align", r.GetString(6));
                w.WriteBoolean("notnull", r.GetBoolean(7));
                w.WriteBoolean("dropped", r.GetBoolean(8));
                w.WriteBoolean("hasmissing", r.GetBoolean(9));
                w.WriteNull("missing");
                w.WriteNumber("collation", r.GetFieldValue<uint>(10));
                w.WriteEndObject();
                names[r.GetString(1)] = r.GetInt16(0);
                if (!r.GetBoolean(8)) types.Add(r.GetFieldValue<uint>(2));
            }
        }
        w.WriteEndArray();
        // The hook's "indexes": btree, valid, without a predicate, plain key columns.
        w.WriteStartArray("indexes");
        using (var cmd = new NpgsqlCommand("SELECT i.indexrelid, c.relname::text, i.indisunique, i.indisprimary, i.indimmediate, (i.indkey::int2[])[0:i.indnkeyatts - 1] FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid::bigint = $1 AND a.amname = 'btree' AND i.indisvalid AND i.indisready AND i.indislive AND i.indpred IS NULL AND NOT (0 = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])) ORDER BY i.indexrelid", conn))
        {
            cmd.Parameters.AddWithValue(relid);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                w.WriteStartObject();
                w.WriteNumber("oid", r.GetFieldValue<uint>(0));
                w.WriteString("name", r.GetString(1));
                w.WriteString("am", "btree");
                w.WriteBoolean("unique", r.GetBoolean(2));
                w.WriteBoolean("primary", r.GetBoolean(3));
                w.WriteBoolean("immediate", r.GetBoolean(4));
                w.WriteStartArray("keys");
                foreach (var k in r.GetFieldValue<short[]>(5)) w.WriteNumberValue(k);
                w.WriteEndArray();
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteStartArray("stats");
        using (var cmd = new NpgsqlCommand("SELECT s.attname::text, s.null_frac, s.avg_width, s.n_distinct, s.most_common_vals::text::text[], s.most_common_freqs, s.histogram_bounds::text::text[], s.correlation FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname WHERE c.oid::bigint = $1 AND NOT s.inherited ORDER BY s.attname", conn))
        {
            cmd.Parameters.AddWithValue(relid);
            using var r = cmd.ExecuteReader();
            var rows = new List<(int AttNum, Action<Utf8JsonWriter> Write)>();
            while (r.Read())
            {
                int attnum = names[r.GetString(0)];
                double nullFrac = r.GetFloat(1), nDistinct = r.GetFloat(3);
                int avgWidth = r.GetInt32(2);
                string[]? mcv = r.IsDBNull(4) ? null : r.GetFieldValue<string[]>(4);
                float[]? freqs = r.IsDBNull(5) ? null : r.GetFieldValue<float[]>(5);
                string[]? hist = r.IsDBNull(6) ? null : r.GetFieldValue<string[]>(6);
                double? corr = r.IsDBNull(7) ? null : r.GetFloat(7);
                rows.Add((attnum, x =>
                {
                    x.WriteStartObject();
                    x.WriteNumber("attnum", attnum);
                    x.WriteNumber("null_frac", nullFrac);
                    x.WriteNumber("avg_width", avgWidth);
                    x.WriteNumber("n_distinct", nDistinct);
                    WriteStrings(x, "mcv_values", mcv);
                    if (freqs is null) x.WriteNull("mcv_freqs");
                    else { x.WriteStartArray("mcv_freqs"); foreach (var f in freqs) x.WriteNumberValue(f); x.WriteEndArray(); }
                    WriteStrings(x, "histogram", hist);
                    if (corr is { } c) x.WriteNumber("correlation", c); else x.WriteNull("correlation");
                    x.WriteEndObject();
                }));
            }
            foreach (var row in rows.OrderBy(r => r.AttNum)) row.Write(w);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteCatalog(NpgsqlConnection conn, Utf8JsonWriter w, SortedSet<long> functions, SortedSet<long> operators, SortedSet<long> types)
    {
        w.WriteStartObject("catalog");
        var opRows = Rows(conn, "SELECT oid, oprname::text, oprleft, oprright, oprresult, oprcode::oid FROM pg_operator WHERE oid::bigint = ANY($1) ORDER BY oid", operators);
        foreach (var o in opRows) functions.Add((uint)o[5]);
        w.WriteStartArray("functions");
        foreach (var f in Rows(conn, "SELECT oid, proname::text, prorettype FROM pg_proc WHERE oid::bigint = ANY($1) ORDER BY oid", functions))
        {
            w.WriteStartObject();
            w.WriteNumber("oid", (uint)f[0]);
            w.WriteString("name", (string)f[1]);
            w.WriteNumber("rettype", (uint)f[2]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("operators");
        foreach (var o in opRows)
        {
            w.WriteStartObject();
            w.WriteNumber("oid", (uint)o[0]);
            w.WriteString("name", (string)o[1]);
            w.WriteNumber("left", (uint)o[2]);
            w.WriteNumber("right", (uint)o[3]);
            w.WriteNumber("result", (uint)o[4]);
            w.WriteNumber("funcid", (uint)o[5]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("types");
        foreach (var t in Rows(conn, "SELECT oid, typname::text, typlen, typbyval, typalign::text FROM pg_type WHERE oid::bigint = ANY($1) ORDER BY oid", types))
        {
            w.WriteStartObject();
            w.WriteNumber("oid", (uint)t[0]);
            w.WriteString("name", (string)t[1]);
            w.WriteNumber("len", (short)t[2]);
            w.WriteBoolean("byval", (bool)t[3]);
            w.WriteString("align", (string)t[4]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static List<object[]> Rows(NpgsqlConnection conn, string sql, SortedSet<long> oids)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(oids.ToArray());
        using var r = cmd.ExecuteReader();
        var rows = new List<object[]>();
        while (r.Read())
        {
            var row = new object[r.FieldCount];
            r.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, string[]? values)
    {
        if (values is null) { w.WriteNull(name); return; }
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void Execute(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        return cmd.ExecuteScalar();
    }

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
