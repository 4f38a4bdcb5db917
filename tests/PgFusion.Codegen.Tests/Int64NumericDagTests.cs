using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Aggregates;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// A column load through a selection vector (the AVX2 gather and the checked loop after it)
/// against the values read one by one: the same low halves, the same magnitude bound, and an
/// Int128 outside Int64 among the selected rows (only there) reported as a failed batch.
/// </summary>
public sealed class Int64NumericDagTests
{
    [Fact]
    public void SelectedLoadReadsTheSelectedRows()
    {
        var rnd = new Random(20261202);
        Int128[] pool = [0, 1, -1, 5, -7, 2400, 999_999_999_999, -999_999_999_999, long.MaxValue, long.MinValue];
        for (int iteration = 0; iteration < 500; iteration++)
        {
            int length = rnd.Next(1, 300);
            var column = new DecimalColumn(length, 15, 2);
            for (int r = 0; r < column.Values.Length; r++) column.Values[r] = pool[rnd.Next(pool.Length)];
            column.Length = length;
            var chosen = Enumerable.Range(0, length).Where(_ => rnd.Next(4) != 0).ToArray();
            bool wide = rnd.Next(5) == 0 && chosen.Length > 0;
            if (wide) column.Values[chosen[rnd.Next(chosen.Length)]] = (Int128)long.MaxValue + 1;
            var selection = new int[length];
            chosen.CopyTo(selection, 0);
            var dag = new Int64NumericDag();
            int load = dag.Load(0);
            dag.Seal(length);
            bool ok = dag.Run(new RecordBatch([column], length), selection, chosen.Length);
            Assert.Equal(!wide, ok);
            if (!ok) continue;
            var values = dag.Values(load, chosen.Length);
            ulong bits = 0;
            for (int k = 0; k < chosen.Length; k++)
            {
                long v = (long)column.Values[chosen[k]];
                Assert.Equal(v, values[k]);
                bits |= (ulong)(v ^ (v >> 63));
            }
            Assert.Equal((double)bits + 1, dag.Bound(load));
        }
    }
}
