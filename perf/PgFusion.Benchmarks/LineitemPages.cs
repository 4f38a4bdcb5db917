using Npgsql;
using PgFusion.HeapDecoder;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>
/// The first pages of a loaded TPC-H lineitem, read with pageinspect's get_raw_page
/// (PGFUSION_BENCH_CONNECTION, else the caller's default connection string), with the relation's layout
/// from pg_attribute and a visibility bitmap marking every normal line pointer visible, as after
/// VACUUM FREEZE. Shared by the decoder benchmarks.
/// </summary>
internal sealed class LineitemPages
{
    public RelationLayout Layout { get; }
    public List<byte[]> Pages { get; } = [];
    public List<byte[]> Visibility { get; } = [];

    /// <summary>Visible tuples on the pages read.</summary>
    public int Tuples { get; }

    /// <summary>Bytes of those tuples (lp_len summed).</summary>
    public long Bytes { get; }

    public LineitemPages(string defaultConnection, int count)
    {
        string cs = Environment.GetEnvironmentVariable("PGFUSION_BENCH_CONNECTION") ?? defaultConnection;
        using var conn = new NpgsqlConnection(cs);
        conn.Open();
        using (var c = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pageinspect", conn)) c.ExecuteNonQuery();
        var atts = new List<AttributeLayout>();
        using (var cmd = new NpgsqlCommand(
            "SELECT attnum, attname::text, atttypid::int8, atttypmod, attlen, attbyval, attalign::text, attnotnull, attisdropped " +
            "FROM pg_attribute WHERE attrelid = 'lineitem'::regclass AND attnum > 0 ORDER BY attnum", conn))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
                atts.Add(new AttributeLayout(r.GetInt16(0), r.GetString(1), new PgType((uint)r.GetInt64(2), r.GetInt32(3)),
                    r.GetInt16(4), r.GetBoolean(5), r.GetString(6)[0], r.GetBoolean(7), r.GetBoolean(8), false, null));
        }
        Layout = new RelationLayout(0, "lineitem", atts, count, 0);
        using (var cmd = new NpgsqlCommand($"SELECT get_raw_page('lineitem', b::int8) FROM generate_series(0, {count - 1}) b", conn))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) Pages.Add((byte[])r.GetValue(0));
        }
        foreach (var p in Pages)
        {
            // every normal line pointer visible, as after VACUUM FREEZE
            int lower = BitConverter.ToUInt16(p, 12);
            int items = (lower - 24) / 4;
            var vis = new byte[HeapPageDecoder.VisibilityBitmapBytes];
            for (int i = 0; i < items; i++)
            {
                uint lp = BitConverter.ToUInt32(p, 24 + (4 * i));
                if (((lp >> 15) & 3) == 1)
                {
                    vis[i >> 3] |= (byte)(1 << (i & 7));
                    Tuples++;
                    Bytes += lp >> 17;
                }
            }
            Visibility.Add(vis);
        }
    }
}
