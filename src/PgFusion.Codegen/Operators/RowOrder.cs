using PgFusion.Arrow;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// PostgreSQL runs a plan a row at a time: a row's quals, then its projection, then its aggregate
/// transitions, before the next row is read. A kernel runs a whole batch, so when one raises on row
/// k the operators above it have not yet seen rows 0..k-1, whose own evaluation may raise first in
/// PostgreSQL (a projection that overflows on row 1 while the filter divides by zero on row 5).
/// On an error (never on the happy path) an operator finds the first row of the batch whose
/// evaluation raises, hands the rows before it on as a batch, and raises that row's error on its
/// next call: the operators above evaluate the earlier rows first, as PostgreSQL does.
/// </summary>
internal static class RowOrder
{
    /// <summary>
    /// The live rows of <paramref name="batch"/> before the first one on which <paramref name="run"/>
    /// raises (found by bisecting prefixes: a prefix raises exactly when one of its rows does, since
    /// a kernel evaluates rows in order), after a last <paramref name="run"/> over them, whose result
    /// is <paramref name="result"/>; null when the first row raises. <paramref name="error"/> is the
    /// first raising row's error. <paramref name="run"/> raised <paramref name="batchError"/> on the
    /// whole batch.
    /// </summary>
    public static RecordBatch? PrefixBeforeError(RecordBatch batch, Func<RecordBatch, int> run, PgFusionException batchError,
        out PgFusionException error, out int result)
    {
        int n = batch.LiveRows;
        var rows = new int[n];
        for (int k = 0; k < n; k++) rows[k] = batch.Selection is { } s ? s[k] : k;
        RecordBatch Prefix(int m) => new(batch.Columns, batch.Length) { Selection = rows, SelectedCount = m };
        PgFusionException? Raises(int m)
        {
            try
            {
                run(Prefix(m));
                return null;
            }
            catch (PgFusionException e)
            {
                return e;
            }
        }

        // The whole batch may have run another path (a vectorized filter): its error may be another row's.
        PgFusionException? first = Raises(n);
        if (first is null)
        {
            error = batchError;
            result = 0;
            return null;
        }
        int lo = 1, hi = n;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) / 2);
            if (Raises(mid) is { } e)
            {
                hi = mid;
                first = e;
            }
            else
            {
                lo = mid + 1;
            }
        }
        error = first;
        if (hi == 1)
        {
            result = 0;
            return null;
        }
        var prefix = Prefix(hi - 1);
        result = run(prefix);
        return prefix;
    }
}
