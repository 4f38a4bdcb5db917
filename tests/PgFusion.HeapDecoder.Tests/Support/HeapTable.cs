using Npgsql;
using NpgsqlTypes;
using PgFusion.Types;

namespace PgFusion.HeapDecoder.Tests.Support;

/// <summary>
/// A real table's pages and layout, read from PostgreSQL: pg_attribute for the layout,
/// pageinspect's get_raw_page for the pages, and `SELECT ctid` for the visibility PostgreSQL applies.
/// </summary>
public sealed class HeapTable
{
    public required RelationLayout Layout { get; init; }

    public required IReadOnlyList<byte[]> Pages { get; init; }

    public required IReadOnlyList<byte[]> Visibility { get; init; }

    public static HeapTable Read(NpgsqlConnection conn, string table)
    {
        var layout = ReadLayout(conn, table);
        long blocks = (long)PgFusion.TestSupport.PgServer.Scalar(conn, $"SELECT pg_relation_size('{table}') / 8192")!;
        var pages = new List<byte[]>();
        for (long b = 0; b < blocks; b++)
            pages.Add((byte[])PgFusion.TestSupport.PgServer.Scalar(conn, $"SELECT get_raw_page('{table}', {b})")!);
        var visibility = new List<byte[]>();
        for (int b = 0; b < blocks; b++) visibility.Add(new byte[HeapPageDecoder.VisibilityBitmapBytes]);
        using (var cmd = new NpgsqlCommand($"SELECT ctid FROM {table}", conn))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var tid = r.GetFieldValue<NpgsqlTid>(0);
                int i = tid.OffsetNumber - 1;
                visibility[(int)tid.BlockNumber][i >> 3] |= (byte)(1 << (i & 7));
            }
        }
        return new HeapTable { Layout = layout, Pages = pages, Visibility = visibility };
    }

    public static RelationLayout ReadLayout(NpgsqlConnection conn, string table)
    {
        var atts = new List<AttributeLayout>();
        var missing = new List<(int Index, string TypeName)>();
        using (var cmd = new NpgsqlCommand(
            $"""
            SELECT attnum, attname::text, atttypid::int8, atttypmod, attlen, attbyval, attalign::text, attnotnull, attisdropped,
                   atthasmissing AND attmissingval IS NOT NULL AND (attmissingval::text::text[])[1] IS NOT NULL,
                   format_type(atttypid, atttypmod)
            FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum > 0 ORDER BY attnum
            """, conn))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                atts.Add(new AttributeLayout(r.GetInt16(0), r.GetString(1), new PgType((uint)r.GetInt64(2), r.GetInt32(3)),
                    r.GetInt16(4), r.GetBoolean(5), r.GetString(6)[0], r.GetBoolean(7), r.GetBoolean(8), r.GetBoolean(9), null));
                if (r.GetBoolean(9)) missing.Add((atts.Count - 1, r.GetString(10)));
            }
        }
        foreach (var (index, typeName) in missing)
            atts[index] = atts[index] with { MissingValue = RawMissingValue(conn, table, atts[index].AttNum, typeName, atts[index].Len) };
        return new RelationLayout(0, table, atts, 0, 0);
    }

    /// <summary>
    /// PostgreSQL's own datum bytes for an atthasmissing default: the value is stored into a
    /// one-column temp table and read back from its page with heap_page_items.
    /// </summary>
    private static byte[] RawMissingValue(NpgsqlConnection conn, string table, int attnum, string typeName, short attlen)
    {
        PgFusion.TestSupport.PgServer.Execute(conn, "DROP TABLE IF EXISTS pg_temp.missing_probe");
        PgFusion.TestSupport.PgServer.Execute(conn, $"CREATE TEMP TABLE missing_probe (v {typeName})");
        PgFusion.TestSupport.PgServer.Execute(conn,
            $"INSERT INTO missing_probe SELECT (attmissingval::text::{typeName}[])[1] FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum = {attnum}");
        var data = (byte[])PgFusion.TestSupport.PgServer.Scalar(conn, "SELECT t_data FROM heap_page_items(get_raw_page('missing_probe', 0)) WHERE lp = 1")!;
        return attlen > 0 ? data[..attlen] : data;
    }
}
