using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The hash join operator against a nested-loop reference, for every join kind, with and without
/// a residual, with and without the build side being the left input: random int4 keys with NULLs
/// and duplicates on both sides, batches of 1, 7 and 1024 rows, and empty inputs. The int4 key
/// takes the integer-key path; an int8 key over extreme, negative and bucket-colliding values
/// takes it too, and a float8 key takes the generic (ColumnOps) path. Two-column keys (k / 3,
/// k % 3) take the packed two-key integer path (int4) and the generic multi-key path (int8).
/// Semi and anti joins also run with the left input as the build side (BuildSemi, BuildAnti).
/// </summary>
public sealed class HashJoinTests
{
    private sealed record Row(int Id, long? Key, int Payload);

    /// <summary>How the key column is typed and which values the key indexes map to.</summary>
    public enum KeyKind
    {
        Int4,
        /// <summary>int8 keys: long.MinValue, long.MaxValue, negatives, and keys that all fall in bucket 0 of tables of up to 4096 buckets.</summary>
        Int8Extreme,
        Float8,
        /// <summary>Two int4 keys, k / 3 and k % 3 (equal exactly when k is): the packed two-key integer path.</summary>
        Int4Pair,
        /// <summary>Two int8 keys, k / 3 and k % 3 over the values of <see cref="Int8Extreme"/>: the generic multi-key path.</summary>
        Int8Pair,
    }

    private static readonly long[] Extremes = [long.MinValue, long.MaxValue, -1, 0, 1, long.MinValue + 1, long.MaxValue - 1, -(1L << 40), 1L << 40, 3L << 40];

    /// <summary>Distinct positive and negative int8 values whose integer-key bucket is 0 for every table of up to 2^12 buckets.</summary>
    private static readonly long[] Colliding = FindColliding(500);

    private static long[] FindColliding(int count)
    {
        var found = new List<long>();
        for (ulong i = 1; found.Count < count; i++)
        {
            long v = (long)(i * 0xD6E8FEB86659FD93UL);
            if (Operators.Join.JoinHashTable.BucketOf(v, 64 - 12) == 0) found.Add(v);
        }
        Assert.Contains(found, v => v < 0);
        Assert.Contains(found, v => v > 0);
        return [.. found];
    }

    private static long MapKey(KeyKind kind, int key) => kind switch
    {
        KeyKind.Int8Extreme or KeyKind.Int8Pair => key < Extremes.Length ? Extremes[key] : Colliding[key - Extremes.Length],
        _ => key,
    };

    private static PgType KeyType(KeyKind kind) => kind switch
    {
        KeyKind.Int4 or KeyKind.Int4Pair => PgType.Int4,
        KeyKind.Int8Extreme or KeyKind.Int8Pair => PgType.Int8,
        _ => PgType.Float8,
    };

    /// <summary>The join keys over a scan's key column (column 1).</summary>
    private static List<BoundExpr> JoinKeys(KeyKind kind)
    {
        var k = new BoundColumnRef(1, KeyType(kind), "k");
        return kind switch
        {
            KeyKind.Int4Pair =>
            [
                new BoundFuncCall(154, "int4div", [k, new BoundConst(3, PgType.Int4)], PgType.Int4),
                new BoundFuncCall(156, "int4mod", [k, new BoundConst(3, PgType.Int4)], PgType.Int4),
            ],
            KeyKind.Int8Pair =>
            [
                new BoundFuncCall(466, "int8div", [k, new BoundConst(3L, PgType.Int8)], PgType.Int8),
                new BoundFuncCall(945, "int8mod", [k, new BoundConst(3L, PgType.Int8)], PgType.Int8),
            ],
            _ => [k],
        };
    }

    private sealed class TwoScans(IReadOnlyList<RecordBatch> probe, IReadOnlyList<RecordBatch> build) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan scan) => new Source(scan.ScanId == 0 ? probe : build);

        private sealed class Source(IReadOnlyList<RecordBatch> batches) : IBatchSource
        {
            private int next;

            public RecordBatch? Next(CancellationToken cancellation) => next < batches.Count ? batches[next++] : null;
        }
    }

    private static List<Row> Rows(Random rnd, int count, int keys, int idBase, KeyKind keyKind) =>
        [.. Enumerable.Range(0, count).Select(i => new Row(idBase + i, rnd.Next(8) == 0 ? null : MapKey(keyKind, rnd.Next(keys)), rnd.Next(100)))];

    private static Column KeyColumn(KeyKind kind, IReadOnlyList<Row> rows, int start, int n)
    {
        Column key = kind switch
        {
            KeyKind.Int4 or KeyKind.Int4Pair => new PrimitiveColumn<int>(ArrowType.Int32, n),
            KeyKind.Int8Extreme or KeyKind.Int8Pair => new PrimitiveColumn<long>(ArrowType.Int64, n),
            _ => new PrimitiveColumn<double>(ArrowType.Float64, n),
        };
        var valid = key.EnsureValidity(n);
        for (int r = 0; r < n; r++)
        {
            long v = rows[start + r].Key ?? 0;
            switch (key)
            {
                case PrimitiveColumn<int> c: c.Values[r] = (int)v; break;
                case PrimitiveColumn<long> c: c.Values[r] = v; break;
                case PrimitiveColumn<double> c: c.Values[r] = v; break;
            }
            valid.Set(r, rows[start + r].Key is not null);
        }
        key.Length = n;
        return key;
    }

    private static List<RecordBatch> Batches(IReadOnlyList<Row> rows, int batchRows, KeyKind keyKind)
    {
        var list = new List<RecordBatch>();
        for (int start = 0; start < rows.Count; start += batchRows)
        {
            int n = Math.Min(batchRows, rows.Count - start);
            var id = new PrimitiveColumn<int>(ArrowType.Int32, n);
            var key = KeyColumn(keyKind, rows, start, n);
            var payload = new PrimitiveColumn<int>(ArrowType.Int32, n);
            for (int r = 0; r < n; r++)
            {
                var row = rows[start + r];
                id.Values[r] = row.Id;
                payload.Values[r] = row.Payload;
            }
            id.Length = payload.Length = n;
            // Every other batch carries a (reversed, complete) selection vector, so the join also
            // runs its key kernels instead of reading key columns in place.
            int[]? selection = list.Count % 2 == 1 ? [.. Enumerable.Range(0, n).Reverse()] : null;
            list.Add(selection is null ? new RecordBatch([id, key, payload], n) : new RecordBatch([id, key, payload], n) { Selection = selection, SelectedCount = n });
        }
        return list;
    }

    private static PhysicalScan Scan(int id, int rows, KeyKind keyKind) =>
        new(id, id + 1, new RelationLayout((uint)(id + 1), "t" + id,
            [
                new AttributeLayout(1, "id", PgType.Int4, 4, true, 'i', false, false, false, null),
                keyKind is KeyKind.Int4 or KeyKind.Int4Pair
                    ? new AttributeLayout(2, "k", PgType.Int4, 4, true, 'i', false, false, false, null)
                    : new AttributeLayout(2, "k", KeyType(keyKind), 8, true, 'd', false, false, false, null),
                new AttributeLayout(3, "p", PgType.Int4, 4, true, 'i', false, false, false, null),
            ], 1, 1),
            [1, 2, 3], [new OutputColumn("id", PgType.Int4), new OutputColumn("k", KeyType(keyKind)), new OutputColumn("p", PgType.Int4)], rows);

    /// <summary>(left id, right id) per output row, NULL as null; semi and anti joins give (left id, null).</summary>
    private static List<(int?, int?)> Run(HashJoinKind kind, bool buildIsLeft, bool residual, List<Row> left, List<Row> right, int batchRows, KeyKind keyKind)
    {
        var (probeRows, buildRows) = buildIsLeft ? (right, left) : (left, right);
        var probe = Scan(0, probeRows.Count, keyKind);
        var build = Scan(1, buildRows.Count, keyKind);
        // Residual over the pair row (left id, k, p, right id, k, p): left.p < right.p.
        BoundExpr? filter = residual ? new BoundFuncCall(66, "int4lt", [new BoundColumnRef(2, PgType.Int4, "p"), new BoundColumnRef(5, PgType.Int4, "p")], PgType.Bool) : null;
        bool leftOnly = kind is HashJoinKind.Semi or HashJoinKind.Anti or HashJoinKind.NullAwareAnti or HashJoinKind.BuildSemi or HashJoinKind.BuildAnti;
        var output = kind is HashJoinKind.BuildSemi or HashJoinKind.BuildAnti ? build.Output : leftOnly ? probe.Output : buildIsLeft ? [.. build.Output, .. probe.Output] : (IReadOnlyList<OutputColumn>)[.. probe.Output, .. build.Output];
        var join = new PhysicalHashJoin(probe, build, kind, JoinKeys(keyKind), JoinKeys(keyKind),
            filter, buildIsLeft, output, 1);
        var compiled = new QueryCompiler().Compile(new PlannedQuery(join, join.Output, ""));
        var plan = Assert.IsType<Operators.CompiledPlan>(compiled.Query);
        var source = plan.Root.Open(new Operators.ExecutionContext(new TwoScans(Batches(probeRows, batchRows, keyKind), Batches(buildRows, batchRows, keyKind)), CancellationToken.None));
        var result = new List<(int?, int?)>();
        while (source.Next(CancellationToken.None) is { } batch)
        {
            for (int k = 0; k < batch.LiveRows; k++)
            {
                int r = batch.Selection is { } s ? s[k] : k;
                int? Id(int column) => batch.Columns[column].IsNull(r) ? null : ((PrimitiveColumn<int>)batch.Columns[column]).Values[r];
                result.Add(leftOnly ? (Id(0), null) : (Id(0), Id(3)));
            }
        }
        return result;
    }

    /// <summary>The same join by nested loops, in logical left/right terms.</summary>
    private static List<(int?, int?)> Reference(HashJoinKind kind, bool buildIsLeft, bool residual, List<Row> left, List<Row> right)
    {
        bool Match(Row l, Row r) => l.Key is { } a && r.Key is { } b && a == b && (!residual || l.Payload < r.Payload);
        // Preserved sides in logical terms.
        bool keepLeft = kind == HashJoinKind.Full || (kind == HashJoinKind.ProbeOuter && !buildIsLeft) || (kind == HashJoinKind.BuildOuter && buildIsLeft);
        bool keepRight = kind == HashJoinKind.Full || (kind == HashJoinKind.ProbeOuter && buildIsLeft) || (kind == HashJoinKind.BuildOuter && !buildIsLeft);
        var result = new List<(int?, int?)>();
        switch (kind)
        {
            case HashJoinKind.Semi or HashJoinKind.BuildSemi:
                result.AddRange(left.Where(l => right.Any(r => Match(l, r))).Select(l => ((int?)l.Id, (int?)null)));
                return result;
            case HashJoinKind.Anti or HashJoinKind.BuildAnti:
                result.AddRange(left.Where(l => !right.Any(r => Match(l, r))).Select(l => ((int?)l.Id, (int?)null)));
                return result;
            case HashJoinKind.NullAwareAnti:
                // NOT IN: true for an empty right side; otherwise never when a right key is NULL, and only for non-NULL unmatched left keys.
                if (right.Count == 0) result.AddRange(left.Select(l => ((int?)l.Id, (int?)null)));
                else if (right.All(r => r.Key is not null))
                    result.AddRange(left.Where(l => l.Key is not null && !right.Any(r => Match(l, r))).Select(l => ((int?)l.Id, (int?)null)));
                return result;
        }
        foreach (var l in left)
            foreach (var r in right)
                if (Match(l, r)) result.Add((l.Id, r.Id));
        if (keepLeft) result.AddRange(left.Where(l => !right.Any(r => Match(l, r))).Select(l => ((int?)l.Id, (int?)null)));
        if (keepRight) result.AddRange(right.Where(r => !left.Any(l => Match(l, r))).Select(r => ((int?)null, (int?)r.Id)));
        return result;
    }

    public static TheoryData<HashJoinKind, bool, bool, KeyKind> Cases()
    {
        var data = new TheoryData<HashJoinKind, bool, bool, KeyKind>();
        foreach (var keyKind in Enum.GetValues<KeyKind>())
            foreach (var kind in Enum.GetValues<HashJoinKind>())
                foreach (bool buildIsLeft in new[] { false, true })
                    foreach (bool residual in new[] { false, true })
                    {
                        if (buildIsLeft && kind is HashJoinKind.Semi or HashJoinKind.Anti or HashJoinKind.NullAwareAnti) continue;
                        if (!buildIsLeft && kind is HashJoinKind.BuildSemi or HashJoinKind.BuildAnti) continue;
                        if (residual && kind == HashJoinKind.NullAwareAnti) continue;
                        if (kind == HashJoinKind.NullAwareAnti && keyKind is KeyKind.Int4Pair or KeyKind.Int8Pair) continue; // NOT IN has one key

                        data.Add(kind, buildIsLeft, residual, keyKind);
                    }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hash_join_equals_nested_loops(HashJoinKind kind, bool buildIsLeft, bool residual, KeyKind keyKind)
    {
        int seed = ((int)kind * 4) + (buildIsLeft ? 2 : 0) + (residual ? 1 : 0) + 1 + ((int)keyKind * 100);
        var rnd = new Random(seed);
        foreach (var (leftCount, rightCount, keys) in new[] { (300, 200, 20), (50, 0, 5), (0, 40, 5), (2000, 1500, 400), (10, 10, 1) })
        {
            var left = Rows(rnd, leftCount, keys, 0, keyKind);
            var right = Rows(rnd, rightCount, keys, 100_000, keyKind);
            var expected = Reference(kind, buildIsLeft, residual, left, right).OrderBy(x => x).ToList();
            foreach (int batchRows in new[] { 1, 7, 1024 })
            {
                if (batchRows == 1 && leftCount > 300) continue;
                var actual = Run(kind, buildIsLeft, residual, left, right, batchRows, keyKind).OrderBy(x => x).ToList();
                Assert.True(expected.SequenceEqual(actual),
                    $"seed {seed}, {kind}, build {(buildIsLeft ? "left" : "right")}, residual {residual}, {keyKind} keys, {leftCount}x{rightCount} rows over {keys} keys, batches of {batchRows}: expected {expected.Count} rows, got {actual.Count}");
            }
        }
    }
}
