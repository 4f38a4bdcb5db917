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
    /// <paramref name="scan"/>'s prefilter with the stage of the lowest of <paramref name="joins"/>
    /// (top-down, as <see cref="ParallelPipeline"/> collects them; <paramref name="tables"/> their
    /// built tables) when it qualifies; else the scan's own prefilter.
    /// </summary>
    public static ScanPrefilter? Extend(ScanNode scan, IReadOnlyList<HashJoinNode> joins, IReadOnlyList<JoinHashTable> tables)
    {
        if (!Enabled || joins.Count == 0) return scan.Prefilter;
        var join = joins[^1];
        var table = tables[^1];
        if (join.Plan.Kind is not (HashJoinKind.Inner or HashJoinKind.Semi)) return scan.Prefilter;
        if (!table.IsIntegerKey || join.Plan.ProbeKeys.Count != 1 || join.Plan.ProbeKeys[0] is not BoundColumnRef key) return scan.Prefilter;
        if (!OnlyNeverRaisingFilters(join.Probe, scan)) return scan.Prefilter;
        if (key.Index < 0 || key.Index >= scan.Output.Count || key.Type.Oid is not (PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8)) return scan.Prefilter;
        double selectivity = KeptShare(join, table, scan);
        if (selectivity > MaxSelectivity || KeyBitmap.TryCreate(table) is not { } bitmap) return scan.Prefilter;
        var stage = new PrefilterStage(key.Index, (batch, selection) => Select(bitmap, batch.Columns[key.Index], batch.Length, batch.Selection, selection),
            $"{scan.Output[key.Index].Name} in hash join table ({table.Count} rows)");
        return ScanPrefilter.With(scan.Prefilter, stage, selectivity);
    }

    /// <summary>
    /// The share of the scan's rows the join is expected to keep: the planner's estimate, scaled
    /// down by the built table's real size where it holds fewer rows than the planner expected (an
    /// equi-join keeps rows in proportion to the keys it can match). TPC-H Q18's lineitem probes
    /// the orders of its HAVING sum(l_quantity) &gt; 300 sub-query: 250K rows estimated (PostgreSQL's
    /// default third for an inequality), 54 built, so its 6M-row scan is staged on l_orderkey.
    /// </summary>
    private static double KeptShare(HashJoinNode join, JoinHashTable table, ScanNode scan)
    {
        if (scan.Scan.EstimatedRows <= 0) return 1;
        double planned = Math.Clamp(join.Plan.EstimatedRows / scan.Scan.EstimatedRows, 0, 1);
        double expectedBuild = join.Plan.Build.EstimatedRows;
        return expectedBuild > table.Count ? planned * (table.Count / expectedBuild) : planned;
    }

    /// <summary>Whether <paramref name="node"/> reaches <paramref name="scan"/> through filters whose conjuncts never raise only.</summary>
    private static bool OnlyNeverRaisingFilters(OperatorNode node, ScanNode scan) => node switch
    {
        ScanNode s => ReferenceEquals(s, scan),
        FilterNode f => ScanPrefilter.AllNeverRaise(f.Predicate) && OnlyNeverRaisingFilters(f.Input, scan),
        _ => false,
    };

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

    /// <summary>Whether <paramref name="key"/> is one of the table's keys.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool Contains(long key)
    {
        ulong bit = unchecked((ulong)(key - min));
        return bit < range && (words[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }
}
