using Npgsql;
using PgFusion.Arrow;
using Xunit;

namespace PgFusion.HeapDecoder.Tests.Support;

/// <summary>Decodes a table's pages and compares every value with PostgreSQL's SELECT, in ctid order.</summary>
public static class DecodeCheck
{
    /// <summary>Decodes <paramref name="attNums"/> (all live attributes when null); returns the rows compared.</summary>
    public static int Run(NpgsqlConnection conn, string table, IReadOnlyList<int>? attNums = null, IDetoastedValues? detoasted = null, int batchCapacity = 64) =>
        Run(conn, table, DecodePaths.Default, attNums, detoasted, batchCapacity);

    /// <summary>The same with the decoder restricted to <paramref name="paths"/> (the specialised walk, the step list or the general walk).</summary>
    /// <param name="betweenPages">Called with the batch and the next block before each page after the first (a caller changing the batch's buffers between pages).</param>
    internal static int Run(NpgsqlConnection conn, string table, DecodePaths paths, IReadOnlyList<int>? attNums = null, IDetoastedValues? detoasted = null, int batchCapacity = 64,
        Action<RecordBatch, int>? betweenPages = null)
    {
        var heap = HeapTable.Read(conn, table);
        attNums ??= [.. heap.Layout.Attributes.Where(a => !a.IsDropped).Select(a => a.AttNum)];
        var decoder = new HeapPageDecoder(heap.Layout, attNums, paths);
        var batch = decoder.NewBatch(batchCapacity);
        var sqlDetoaster = new SqlDetoaster(conn, table, heap.Layout);
        for (int b = 0; b < heap.Pages.Count; b++)
        {
            sqlDetoaster.Block = (uint)b;
            if (b > 0) betweenPages?.Invoke(batch, b);
            // two of three pages with the next page passed (its lines are prefetched), as the worker's page source does
            if (b % 3 != 2 && b + 1 < heap.Pages.Count)
                decoder.Decode(heap.Pages[b], heap.Visibility[b], (uint)b, batch, detoasted ?? sqlDetoaster, heap.Pages[b + 1], heap.Visibility[b + 1]);
            else
                decoder.Decode(heap.Pages[b], heap.Visibility[b], (uint)b, batch, detoasted ?? sqlDetoaster);
        }

        var atts = attNums.Select(heap.Layout.Attribute).ToArray();
        string select = string.Join(", ", atts.Select(a => ValueText.SelectExpr(a.Type, $"\"{a.Name}\"")));
        using var cmd = new NpgsqlCommand($"SELECT ctid, {select} FROM {table} ORDER BY ctid", conn);
        using var r = cmd.ExecuteReader();
        int row = 0;
        while (r.Read())
        {
            Assert.True(row < batch.Length, $"{table}: PostgreSQL returns more than the {batch.Length} decoded rows");
            for (int c = 0; c < atts.Length; c++)
            {
                string expected = ValueText.Expected(atts[c].Type, r, c + 1);
                string actual = ValueText.Decoded(atts[c].Type, batch.Columns[c], row);
                if (expected != actual)
                    Assert.Fail($"{table} ({paths}) row {row} (ctid {r.GetValue(0)}), attribute {atts[c].AttNum} {atts[c].Name} {atts[c].Type}: expected <{expected}>, decoded <{actual}>");
            }
            row++;
        }
        Assert.Equal(row, batch.Length);
        foreach (var c in batch.Columns) Assert.Equal(batch.Length, c.Length);
        return row;
    }

    public static RecordBatch DecodeAll(HeapTable heap, IReadOnlyList<int> attNums, IDetoastedValues? detoasted = null)
    {
        var decoder = new HeapPageDecoder(heap.Layout, attNums);
        var batch = decoder.NewBatch(16);
        for (int b = 0; b < heap.Pages.Count; b++) decoder.Decode(heap.Pages[b], heap.Visibility[b], (uint)b, batch, detoasted);
        return batch;
    }
}
