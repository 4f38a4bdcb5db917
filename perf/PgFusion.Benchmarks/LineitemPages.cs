using Npgsql;
using PgFusion.HeapDecoder;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>
/// The first pages of a loaded TPC-H lineitem, read with pageinspect's get_raw_page
/// (PGFUSION_BENCH_CONNECTION, else the caller's default connection string), with the relation's layout
/// from pg_attribute and a visibility bitmap marking every normal line pointer visible, as after
/// VACUUM FREEZE. Shared by the decoder benchmarks. With PGFUSION_BENCH_PAGES_FILE the layout and pages
/// are read from that file when it exists (the first count pages it holds), else read from the server and
/// saved there (decoder15: a run under valgrind, and runs that keep off a busy cluster).
/// </summary>
internal sealed class LineitemPages
{
    public RelationLayout Layout { get; }
    public List<byte[]> Pages { get; } = [];
    public List<byte[]> Visibility { get; } = [];

    /// <summary>Visible tuples on the pages read.</summary>
    public int Tuples { get; private set; }

    /// <summary>Bytes of those tuples (lp_len summed).</summary>
    public long Bytes { get; private set; }

    public LineitemPages(string defaultConnection, int count)
    {
        // PGFUSION_BENCH_PAGES_FILE: the layout and pages saved there by an earlier run (read without a server, as a
        // run under valgrind needs: its connection times out); a missing file is written after reading from the server
        string? file = Environment.GetEnvironmentVariable("PGFUSION_BENCH_PAGES_FILE");
        if (file is not null && File.Exists(file))
        {
            using var reader = new BinaryReader(File.OpenRead(file));
            var saved = new List<AttributeLayout>();
            for (int n = reader.ReadInt32(); n > 0; n--)
                saved.Add(new AttributeLayout(reader.ReadInt16(), reader.ReadString(), new PgType(reader.ReadUInt32(), reader.ReadInt32()),
                    reader.ReadInt16(), reader.ReadBoolean(), reader.ReadChar(), reader.ReadBoolean(), reader.ReadBoolean(), false, null));
            Layout = new RelationLayout(0, "lineitem", saved, count, 0);
            for (int n = Math.Min(reader.ReadInt32(), count); n > 0; n--) Pages.Add(reader.ReadBytes(8192));
        }
        else
        {
            Layout = ReadFromServer(defaultConnection, count);
            if (file is not null)
            {
                using var writer = new BinaryWriter(File.Create(file));
                writer.Write(Layout.Attributes.Count);
                foreach (var a in Layout.Attributes)
                {
                    writer.Write((short)a.AttNum);
                    writer.Write(a.Name);
                    writer.Write(a.Type.Oid);
                    writer.Write(a.Type.Typmod);
                    writer.Write(a.Len);
                    writer.Write(a.ByVal);
                    writer.Write(a.Align);
                    writer.Write(a.NotNull);
                    writer.Write(a.IsDropped);
                }
                writer.Write(Pages.Count);
                foreach (var page in Pages) writer.Write(page);
            }
        }
        MarkVisible();
    }

    private RelationLayout ReadFromServer(string defaultConnection, int count)
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
        var layout = new RelationLayout(0, "lineitem", atts, count, 0);
        using (var cmd = new NpgsqlCommand($"SELECT get_raw_page('lineitem', b::int8) FROM generate_series(0, {count - 1}) b", conn))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) Pages.Add((byte[])r.GetValue(0));
        }
        return layout;
    }

    private void MarkVisible()
    {
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
