using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// A late-materialization stage (docs/late-materialization.md) taken from the hash join right above
/// a parallel pipeline's scan: the rows whose join key is in the join's built table. TPC-H Q3's
/// lineitem probes the ~150K orders of BUILDING customers and keeps 5 % of its rows, Q12's orders
/// probe the 27K late lineitem rows (2 %): the key is the first attribute, so the scan tests it
/// (one bit of a <see cref="KeyBitmap"/>) before walking the tuple to the other columns, which it
/// then decodes only for the rows the join keeps. Offered when the planner expects the join to keep
/// at most <see cref="MaxSelectivity"/> of the rows; the staged decoder still measures and decides
/// whether the stage pays.
/// <para>
/// Exactness: an inner or semi join drops every probe row whose key is NULL or not in the table, so a
/// row the stage drops is a row the join drops. The join is the pipeline's first over the scan and
/// only filters stand between them, every conjunct of which is a comparison that never raises: on a
/// row the stage drops PostgreSQL evaluates nothing that could raise either (the join's residual
/// and everything above it only see rows whose key matched). The table is complete before the scan
/// opens (a pipeline builds every table first) and is only read.
/// </para>
/// </summary>
public static class JoinKeyStage
{
    /// <summary>
    /// Above this estimated share of the scan's rows kept by the join no stage is offered: TPC-H Q3's
    /// 5 % used a third less worker CPU with it, Q5's 20 % (suppliers of one region) a little more
    /// (perf/tpch9-2026-12-01.md): the stage walks every tuple once more to its key before the join.
    /// </summary>
    public const double MaxSelectivity = 0.1;

    /// <summary>PGFUSION_JOIN_KEY_STAGE=0 in the server's environment turns the stage off (A/B).</summary>
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("PGFUSION_JOIN_KEY_STAGE") != "0";

    /// <summary>
    /// PGFUSION_JOIN_KEY_STAGES=1 in the server's environment offers the lowest join's stage only
    /// (the behaviour before stacked stages; A/B).
    /// </summary>
    private static readonly bool LowestOnly = Environment.GetEnvironmentVariable("PGFUSION_JOIN_KEY_STAGES") == "1";

    /// <summary>
    /// <paramref name="scan"/>'s prefilter with a stage for each qualifying join of
    /// <paramref name="joins"/> (top-down, as <see cref="ParallelPipeline"/> collects them;
    /// <paramref name="tables"/> their built tables), from the lowest up while every join below
    /// qualifies (<see cref="StackedKeys"/>); else the scan's own prefilter. The stages are offered
    /// when together they are expected to keep at most <see cref="MaxSelectivity"/> of the rows:
    /// TPC-H Q5's lineitem probes ASIA's suppliers (20 % kept) and then 1994's orders (16 %),
    /// 3 % together, where neither alone passes.
    /// </summary>
    public static ScanPrefilter? Extend(ScanNode scan, IReadOnlyList<HashJoinNode> joins, IReadOnlyList<JoinHashTable> tables)
    {
        if (!Enabled || joins.Count == 0) return scan.Prefilter;
        var keys = StackedKeys(scan, joins, tables);
        if (keys.Count == 0) return scan.Prefilter;
        if (LowestOnly) keys = [keys[0]];
        double kept = KeptShare(keys, tables, scan);
        if (kept > MaxSelectivity) return scan.Prefilter;
        var prefilter = scan.Prefilter;
        foreach (var (join, at, column) in keys)
        {
            var table = tables[at];
            if (KeyBitmap.TryCreate(table) is not { } bitmap) continue;
            var stage = new PrefilterStage(column, bitmap, (batch, selection) => Select(bitmap, batch.Columns[column], batch.Length, batch.Selection, selection),
                $"{scan.Output[column].Name} in hash join table ({table.Count} rows)");
            prefilter = ScanPrefilter.With(prefilter, stage, kept);
        }
        return prefilter;
    }

    /// <summary>
    /// The joins whose one integer probe key is a column of <paramref name="scan"/> carried unchanged
    /// from it, with that column's position in the scan's output, lowest first. A join qualifies
    /// when it is an inner or semi join, its table has an integer key and it reaches the scan through
    /// never-raising filters and joins that qualified themselves and have no residual that could
    /// raise: a row its stage drops is then a row it drops (its key is not in its table), and on
    /// that row nothing below it evaluated anything that could raise either. The walk stops at the
    /// first join that does not qualify.
    /// </summary>
    private static List<(HashJoinNode Join, int At, int Column)> StackedKeys(ScanNode scan, IReadOnlyList<HashJoinNode> joins, IReadOnlyList<JoinHashTable> tables)
    {
        var keys = new List<(HashJoinNode, int, int)>();
        // columnOf[i]: the scan column output i of the current node carries (-1: none); null: the scan itself
        int[]? columnOf = null;
        OperatorNode below = scan;
        for (int j = joins.Count - 1; j >= 0; j--)
        {
            var join = joins[j];
            if (join.Plan.Kind is not (HashJoinKind.Inner or HashJoinKind.Semi) || !tables[j].IsIntegerKey) break;
            if (!ReachesThroughFilters(join.Probe, below)) break;
            if (join.Plan.ProbeKeys.Count != 1 || join.Plan.ProbeKeys[0] is not BoundColumnRef key) break;
            if (key.Index < 0 || key.Index >= join.Probe.Output.Count || key.Type.Oid is not (PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8)) break;
            int column = columnOf is null ? key.Index : columnOf[key.Index];
            if (column < 0 || column >= scan.Output.Count) break;
            keys.Add((join, j, column));
            // the joins above see this one's rows: only if its residual never raises
            if (join.Plan.Residual is { } residual && !ScanPrefilter.AllNeverRaise(residual)) break;
            columnOf = CarriedColumns(join, columnOf, join.Probe.Output.Count);
            below = join;
        }
        return keys;
    }

    /// <summary>Whether <paramref name="node"/> is <paramref name="below"/> or reaches it through filters whose conjuncts never raise only.</summary>
    private static bool ReachesThroughFilters(OperatorNode node, OperatorNode below) => node switch
    {
        _ when ReferenceEquals(node, below) => true,
        FilterNode f => ScanPrefilter.AllNeverRaise(f.Predicate) && ReachesThroughFilters(f.Input, below),
        _ => false,
    };

    /// <summary>For each output column of <paramref name="join"/>, the scan column it carries (-1: a build column).</summary>
    private static int[] CarriedColumns(HashJoinNode join, int[]? probeColumns, int probeWidth)
    {
        var result = new int[join.Output.Count];
        // inner joins output the pair row (logical left then right), semi joins the probe row
        int probeOffset = join.Plan.Kind == HashJoinKind.Inner && join.Plan.BuildIsLeft ? join.Build.Output.Count : 0;
        for (int i = 0; i < result.Length; i++)
        {
            int p = i - probeOffset;
            result[i] = p >= 0 && p < probeWidth ? (probeColumns is null ? p : probeColumns[p]) : -1;
        }
        return result;
    }

    /// <summary>
    /// The share of the scan's rows the staged joins are expected to keep: the planner's estimate of
    /// the highest one's rows over the scan's, scaled down by each built table's real size where it
    /// holds fewer rows than the planner expected (an equi-join keeps rows in proportion to the keys
    /// it can match). TPC-H Q18's lineitem probes the orders of its HAVING sum(l_quantity) &gt; 300
    /// sub-query: 250K rows estimated (PostgreSQL's default third for an inequality), 54 built, so
    /// its 6M-row scan is staged on l_orderkey.
    /// </summary>
    private static double KeptShare(List<(HashJoinNode Join, int At, int Column)> keys, IReadOnlyList<JoinHashTable> tables, ScanNode scan)
    {
        if (scan.Scan.EstimatedRows <= 0) return 1;
        double kept = Math.Clamp(keys[^1].Join.Plan.EstimatedRows / scan.Scan.EstimatedRows, 0, 1);
        foreach (var (join, at, _) in keys)
        {
            double expectedBuild = join.Plan.Build.EstimatedRows;
            int built = tables[at].Count;
            if (expectedBuild > built) kept *= built / expectedBuild;
        }
        return kept;
    }

    /// <summary>
    /// The rows 0..<paramref name="rows"/> of <paramref name="keys"/> whose value is a key of the
    /// table <paramref name="bitmap"/> was made from, ascending, into <paramref name="selected"/>; their
    /// count, or -1 (keep every row) for a batch with a selection vector or a key column of another
    /// representation.
    /// </summary>
    public static int Select(KeyBitmap bitmap, Column keys, int rows, int[]? batchSelection, int[] selected)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        if (batchSelection is not null) return -1;
        return keys switch
        {
            PrimitiveColumn<int> c => Select(bitmap, c.Values, c.Validity, rows, selected),
            PrimitiveColumn<long> c => Select(bitmap, c.Values, c.Validity, rows, selected),
            PrimitiveColumn<short> c => Select(bitmap, c.Values, c.Validity, rows, selected),
            _ => -1,
        };
    }

    private static int Select<T>(KeyBitmap bitmap, T[] values, ValidityBitmap? validity, int rows, int[] selected)
        where T : struct, System.Numerics.IBinaryInteger<T>
    {
        int kept = 0;
        for (int r = 0; r < rows; r++)
        {
            if (validity is not null && !validity.IsValid(r)) continue; // NULL never equals
            if (bitmap.Contains(long.CreateTruncating(values[r]))) selected[kept++] = r;
        }
        return kept;
    }
}

/// <summary>
/// The non-NULL keys of an integer-key <see cref="JoinHashTable"/> as one bit per value of their
/// range: a membership test is one load, where the table's buckets cost a cache miss a row (TPC-H
/// Q3's 150K order keys span 6M values: 750 KB of bits against 3.6 MB of buckets and entries).
/// </summary>
public sealed class KeyBitmap
{
    /// <summary>The widest key range a bitmap covers (64M values, 8 MB).</summary>
    public const long MaxRange = 1L << 26;

    private readonly ulong[] words;
    private readonly long min;
    private readonly ulong range;

    private KeyBitmap(ulong[] words, long min, ulong range)
    {
        this.words = words;
        this.min = min;
        this.range = range;
    }

    /// <summary>The bitmap of <paramref name="table"/>'s keys, or null when the table has no integer key or its keys span more than <see cref="MaxRange"/> values.</summary>
    public static KeyBitmap? TryCreate(JoinHashTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!table.IsIntegerKey) return null;
        var entries = table.Entries;
        if (entries.Length == 0) return new KeyBitmap([], 0, 0); // no key: no row matches
        long lo = long.MaxValue, hi = long.MinValue;
        foreach (var e in entries)
        {
            lo = Math.Min(lo, e.Key);
            hi = Math.Max(hi, e.Key);
        }
        ulong span = unchecked((ulong)(hi - lo) + 1); // unsigned: the difference of two longs may pass long.MaxValue
        if (span == 0 || span > MaxRange) return null;
        var words = new ulong[(span + 63) / 64];
        foreach (var e in entries)
        {
            ulong bit = unchecked((ulong)(e.Key - lo));
            words[bit >> 6] |= 1UL << (int)(bit & 63);
        }
        return new KeyBitmap(words, lo, span);
    }

    /// <summary>
    /// The bits: bit k of <see cref="Words"/> says whether <see cref="Min"/> + k is a key, for k below
    /// <see cref="Range"/>. What a decoder tests in its walk of a page (the worker hands them to
    /// HeapDecoder's StageKeys, which reads them in place); never to be written.
    /// </summary>
    public ulong[] Words => words;

    /// <inheritdoc cref="Words"/>
    public long Min => min;

    /// <inheritdoc cref="Words"/>
    public ulong Range => range;

    /// <summary>Whether <paramref name="key"/> is one of the table's keys.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool Contains(long key)
    {
        ulong bit = unchecked((ulong)(key - min));
        return bit < range && (words[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }
}
