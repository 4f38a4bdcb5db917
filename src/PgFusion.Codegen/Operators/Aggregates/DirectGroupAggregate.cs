using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// Q1's shape: GROUP BY nothing or small fixed-width keys (bool; text, varchar or bpchar of at
/// most one byte: Q1's char(1) flags) with only count(*), sum(numeric) and avg(numeric) of
/// fixed-scale expressions over numeric(p &lt;= 18) columns. Per batch: the distinct arguments
/// as Int64 values, their equal steps shared (<see cref="Int64NumericDag"/>; sum(x) and avg(x)
/// share x, and price * (1 - disc) is computed once for two sums), each step without overflow
/// checks when the batch's value bounds show it cannot overflow; group ids from a direct index
/// (the keys' codes combined index an array of group slots, no hashing); then per argument one
/// pass adding into per-group Int64 sums (four lanes per group, unchecked when bound × rows is
/// below 2^62; else checked, with Int128 sums as the fallback), which move into the
/// accumulators' Int128 raw sums with the group's row counts. A batch this path cannot take (an
/// Int64 overflow, a numeric column with NaN, Infinity or per-value scales, a wider key) goes
/// through the general path untouched; the results are the same accumulators', so the two mix freely.
/// </summary>
public sealed class DirectGroupAggregate
{
    private const int MaxSlots = 1 << 17;
    private readonly int[] keyColumns;
    private readonly bool[] keyIsBool;
    private readonly int slotCount;
    private readonly BoundExpr[] arguments; // distinct arguments
    private readonly int[] argumentOf; // per aggregate: index in arguments, or -1 (count(*))
    private readonly IReadOnlyList<PgType> inputTypes;
    private readonly int[] numericColumns;

    private DirectGroupAggregate(int[] keyColumns, bool[] keyIsBool, int slotCount, BoundExpr[] arguments, int[] argumentOf, IReadOnlyList<PgType> inputTypes, int[] numericColumns)
    {
        this.keyColumns = keyColumns;
        this.keyIsBool = keyIsBool;
        this.slotCount = slotCount;
        this.arguments = arguments;
        this.argumentOf = argumentOf;
        this.inputTypes = inputTypes;
        this.numericColumns = numericColumns;
    }

    /// <summary>The path for <paramref name="agg"/> over input columns of <paramref name="inputTypes"/>, or null when it does not qualify.</summary>
    public static DirectGroupAggregate? TryCreate(PhysicalHashAggregate agg, IReadOnlyList<PgType> inputTypes)
    {
        var keys = new int[agg.GroupKeys.Count];
        var isBool = new bool[keys.Length];
        long slots = 1;
        for (int j = 0; j < keys.Length; j++)
        {
            if (agg.GroupKeys[j] is not BoundColumnRef c || c.Index < 0 || c.Index >= inputTypes.Count || inputTypes[c.Index] != c.Type) return null;
            isBool[j] = c.Type.Oid == PgTypeOid.Bool;
            if (!isBool[j] && c.Type.Oid is not (PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar)) return null;
            keys[j] = c.Index;
            slots *= isBool[j] ? 3 : 258;
            if (slots > MaxSlots) return null;
        }
        var arguments = new List<BoundExpr>();
        var argumentOf = new int[agg.Aggregates.Count];
        var columns = new SortedSet<int>();
        for (int a = 0; a < argumentOf.Length; a++)
        {
            var g = agg.Aggregates[a];
            if (g.Distinct || g.Filter is not null || g.OrderBy is { Count: > 0 }) return null;
            if (g.AggOid == 2803)
            {
                argumentOf[a] = -1;
                continue;
            }
            if (g.AggOid is not (2114 or 2103) || g.Args.Count != 1) return null;
            if (Int64NumericProgram.Create(g.Args[0], inputTypes) is not { } program) return null;
            program.CollectColumns(columns);
            int same = arguments.FindIndex(e => BoundExprComparer.Instance.Equals(e, g.Args[0]));
            if (same < 0)
            {
                same = arguments.Count;
                arguments.Add(g.Args[0]);
            }
            argumentOf[a] = same;
        }
        if (keys.Length == 0 && arguments.Count == 0) return null;
        return new DirectGroupAggregate(keys, isBool, (int)slots, [.. arguments], argumentOf, inputTypes, [.. columns]);
    }

    [ThreadStatic]
    private static long laneBatches;

    [ThreadStatic]
    private static long oneByteBatches;

    /// <summary>Batches of this thread whose sums took the unchecked four-lane pass (for tests: the fast parts ran).</summary>
    public static long LaneBatches => laneBatches;

    /// <summary>Batches of this thread whose group ids took the one-byte key pass.</summary>
    public static long OneByteBatches => oneByteBatches;

    /// <summary>State for one stream.</summary>
    public Runner Open() => new(this);

    /// <summary>The per-stream buffers and the direct index (code to group id + 1; 0 = not seen yet).</summary>
    public sealed class Runner
    {
        private readonly DirectGroupAggregate plan;
        private const int LaneGroups = 256; // up to this many groups, the sums run in four lanes per group (below)
        private readonly Int64NumericProgram[] programs;
        private readonly Int64NumericDag dag = new();
        private readonly int[] outputs; // per program: its node in dag
        private readonly int[][] programColumns;
        private readonly int[] slots;
        private readonly long[][] values;
        private readonly bool[] nulls;
        private long[] laneCounts = new long[16 * 4];
        private long[] laneSums = new long[16 * 4];
        private int[] lanes = new int[ExecutionContext.BatchRows];
        private readonly byte[][] valid; // per argument: 1 where the row's value is not NULL (only for arguments reading NULLs)
        private int[] codes = new int[ExecutionContext.BatchRows];
        private int[] groupIds = new int[ExecutionContext.BatchRows];
        private long[] rowsPerGroup = new long[16]; // this batch's rows per group
        private long[] validPerGroup = new long[16];
        private Int128[] partial = new Int128[16];
        private long[] longPartial = new long[64];
        private int[] touched = new int[16];

        internal Runner(DirectGroupAggregate plan)
        {
            this.plan = plan;
            programs = [.. plan.arguments.Select(e => Int64NumericProgram.Create(e, plan.inputTypes)!)];
            programColumns = [.. programs.Select(p =>
            {
                var set = new SortedSet<int>();
                p.CollectColumns(set);
                return set.ToArray();
            })];
            slots = new int[plan.slotCount];
            outputs = [.. programs.Select(p => p.Emit(dag))];
            dag.Seal(ExecutionContext.BatchRows);
            values = new long[programs.Length][];
            nulls = new bool[programs.Length];
            valid = [.. programs.Select(_ => Array.Empty<byte>())];
        }

        /// <summary>
        /// Folds the batch's live rows into <paramref name="accumulators"/> (the aggregate's, in its
        /// order) and the groups of <paramref name="table"/> (null without GROUP BY); false when the
        /// batch does not qualify, with nothing folded.
        /// </summary>
        [MethodImpl(HotLoop.Options)] // per batch: out of the per-query operator loop, optimised from the first batch
        public bool TryFold(RecordBatch batch, GroupTable? table, Accumulator[] accumulators)
        {
            int rows = batch.LiveRows;
            var sel = batch.Selection;
            if (!FixedScaleOps.Eligible(batch, plan.numericColumns)) return false;
            if (plan.keyColumns.Length > 0 && !KeysQualify(batch)) return false;
            if (rows > codes.Length) Grow(rows);
            if (!dag.Run(batch, sel, rows)) return false;
            bool lanesSafe = true; // no per-group Int64 sum of this batch can overflow
            for (int p = 0; p < programs.Length; p++)
            {
                values[p] = dag.Values(outputs[p], rows);
                lanesSafe &= dag.Bound(outputs[p]) * rows < Int64NumericDag.SafeBound;
            }
            for (int a = 0; a < accumulators.Length; a++)
            {
                if (plan.argumentOf[a] >= 0 && !((NumericSumAccumulator)accumulators[a]).CanTakeRaw(programs[plan.argumentOf[a]].Scale)) return false;
            }
            // from here on the batch is folded
            int groups = 1;
            if (table is null) Array.Clear(groupIds, 0, rows);
            else
            {
                GroupIds(batch, table, rows);
                groups = table.Count;
                foreach (var acc in accumulators) acc.EnsureGroups(groups);
            }
            if (rowsPerGroup.Length < groups)
            {
                int size = Math.Max(groups, rowsPerGroup.Length * 2);
                rowsPerGroup = new long[size];
                validPerGroup = new long[size];
                partial = new Int128[size];
                touched = new int[size];
            }
            int touchedCount = 0;
            var ids = groupIds;
            var perGroup = rowsPerGroup;
            int count = programs.Length;
            bool anyNulls = false;
            for (int p = 0; p < count; p++) anyNulls |= nulls[p] = NullMask(batch, p, rows);
            if (!anyNulls && lanesSafe && groups <= LaneGroups)
            {
                LaneSums(rows, groups, ref touchedCount);
                laneBatches++;
                FlushPartials(accumulators, rows, touchedCount);
            }
            else if (count > 0 && !anyNulls && FusedSums(rows, groups, ref touchedCount))
            {
                // every argument's Int64 sums, one pass over the rows
                FlushPartials(accumulators, rows, touchedCount);
            }
            else
            {
                if (touchedCount > 0)
                {
                    // an Int64 partial sum overflowed: the counts stand, the sums are redone in Int128
                    for (int t = 0; t < touchedCount; t++) Array.Clear(longPartial, touched[t] * count, count);
                }
                else
                {
                    for (int k = 0; k < rows; k++)
                    {
                        int g = ids[k];
                        if (perGroup[g]++ == 0) touched[touchedCount++] = g;
                    }
                }
                for (int p = 0; p < count; p++)
                {
                    SumByGroup(values[p], nulls[p] ? valid[p] : null, rows);
                    foreach (var sum in Users(accumulators, p))
                    {
                        sum.BeginRaw(programs[p].Scale, rows);
                        for (int t = 0; t < touchedCount; t++)
                        {
                            int g = touched[t];
                            sum.AddRaw(g, partial[g], nulls[p] ? validPerGroup[g] : perGroup[g]);
                        }
                    }
                    for (int t = 0; t < touchedCount; t++)
                    {
                        partial[touched[t]] = 0;
                        validPerGroup[touched[t]] = 0;
                    }
                }
            }
            for (int a = 0; a < accumulators.Length; a++)
            {
                if (plan.argumentOf[a] >= 0) continue;
                var counter = (CountAccumulator)accumulators[a];
                for (int t = 0; t < touchedCount; t++) counter.AddToGroup(touched[t], perGroup[touched[t]]);
            }
            for (int t = 0; t < touchedCount; t++) perGroup[touched[t]] = 0;
            return true;
        }

        /// <summary>Adds the touched groups' Int64 partial sums of this batch to every sum of each argument, then clears them.</summary>
        private void FlushPartials(Accumulator[] accumulators, int rows, int touchedCount)
        {
            int count = programs.Length;
            var perGroup = rowsPerGroup;
            for (int p = 0; p < count; p++)
            {
                foreach (var sum in Users(accumulators, p))
                {
                    sum.BeginRaw(programs[p].Scale, rows);
                    for (int t = 0; t < touchedCount; t++)
                    {
                        int g = touched[t];
                        sum.AddRaw(g, longPartial[g * count + p], perGroup[g]);
                    }
                }
            }
            for (int t = 0; t < touchedCount; t++) Array.Clear(longPartial, touched[t] * count, count);
        }

        private IEnumerable<NumericSumAccumulator> Users(Accumulator[] accumulators, int p)
        {
            for (int a = 0; a < accumulators.Length; a++)
            {
                if (plan.argumentOf[a] == p) yield return (NumericSumAccumulator)accumulators[a];
            }
        }

        /// <summary>
        /// Each group's row count and Int64 sum of every argument (longPartial[g * count + p]),
        /// unchecked: the caller made sure no sum of the batch can overflow (bounds × rows below
        /// 2^62). Row k adds into lane k % 4 of its group (four copies of every counter), so
        /// neighbouring rows of one group do not wait on each other's stores; the lanes are added
        /// up per group at the end.
        /// </summary>
        [MethodImpl(HotLoop.Options)]
        private void LaneSums(int rows, int groups, ref int touchedCount)
        {
            int count = programs.Length;
            int width = groups * 4;
            if (laneCounts.Length < width)
            {
                laneCounts = new long[Math.Max(width, laneCounts.Length * 2)];
                laneSums = new long[laneCounts.Length];
            }
            if (longPartial.Length < groups * count) longPartial = new long[Math.Max(groups * count, longPartial.Length * 2)];
            if (lanes.Length < rows) lanes = new int[rows];
            if (rows > groupIds.Length) throw new ArgumentOutOfRangeException(nameof(rows));
            ref int id = ref MemoryMarshal.GetArrayDataReference(groupIds);
            ref int lane = ref MemoryMarshal.GetArrayDataReference(lanes);
            ref long counts = ref MemoryMarshal.GetArrayDataReference(laneCounts);
            ref long sums = ref MemoryMarshal.GetArrayDataReference(laneSums);
            // group ids are below groups (the table's count), so every lane index is below width
            for (int k = 0; k < rows; k++)
            {
                int l = (Unsafe.Add(ref id, k) << 2) | (k & 3);
                Unsafe.Add(ref lane, k) = l;
                Unsafe.Add(ref counts, l)++;
            }
            for (int p = 0; p < count; p++)
            {
                ref long v = ref MemoryMarshal.GetArrayDataReference(values[p]);
                if (rows > values[p].Length) throw new ArgumentOutOfRangeException(nameof(rows));
                int k = 0;
                for (; k + 4 <= rows; k += 4)
                {
                    Unsafe.Add(ref sums, Unsafe.Add(ref lane, k)) += Unsafe.Add(ref v, k);
                    Unsafe.Add(ref sums, Unsafe.Add(ref lane, k + 1)) += Unsafe.Add(ref v, k + 1);
                    Unsafe.Add(ref sums, Unsafe.Add(ref lane, k + 2)) += Unsafe.Add(ref v, k + 2);
                    Unsafe.Add(ref sums, Unsafe.Add(ref lane, k + 3)) += Unsafe.Add(ref v, k + 3);
                }
                for (; k < rows; k++) Unsafe.Add(ref sums, Unsafe.Add(ref lane, k)) += Unsafe.Add(ref v, k);
                for (int g = 0; g < groups; g++)
                {
                    int b = g << 2;
                    longPartial[g * count + p] = laneSums[b] + laneSums[b + 1] + laneSums[b + 2] + laneSums[b + 3];
                }
                Array.Clear(laneSums, 0, width);
            }
            int n = touchedCount;
            for (int g = 0; g < groups; g++)
            {
                int b = g << 2;
                long c = laneCounts[b] + laneCounts[b + 1] + laneCounts[b + 2] + laneCounts[b + 3];
                if (c == 0) continue;
                rowsPerGroup[g] = c;
                touched[n++] = g;
            }
            Array.Clear(laneCounts, 0, width);
            touchedCount = n;
        }

        /// <summary>
        /// One pass over the rows: each group's row count (and the touched list) and the Int64 sums
        /// of every argument (longPartial[g * count + p]; the arguments' chains interleave); false
        /// when some sum overflowed Int64 (the counts and touched list are still complete).
        /// </summary>
        [MethodImpl(HotLoop.Options)]
        private bool FusedSums(int rows, int groups, ref int touchedCount)
        {
            int count = programs.Length;
            if (longPartial.Length < groups * count) longPartial = new long[Math.Max(groups * count, longPartial.Length * 2)];
            var part = longPartial;
            var ids = groupIds;
            var perGroup = rowsPerGroup;
            var touchedGroups = touched;
            int n = touchedCount;
            long bad = 0;
            if (count == 1)
            {
                var v0 = values[0];
                for (int k = 0; k < rows; k++)
                {
                    int g = ids[k];
                    if (perGroup[g]++ == 0) touchedGroups[n++] = g;
                    long o = part[g], v = v0[k], r = o + v;
                    bad |= (o ^ r) & (v ^ r);
                    part[g] = r;
                }
            }
            else
            {
                for (int k = 0; k < rows; k++)
                {
                    int g = ids[k];
                    if (perGroup[g]++ == 0) touchedGroups[n++] = g;
                    int b = g * count;
                    for (int p = 0; p < count; p++)
                    {
                        long o = part[b + p], v = values[p][k], r = o + v;
                        bad |= (o ^ r) & (v ^ r);
                        part[b + p] = r;
                    }
                }
            }
            touchedCount = n;
            return bad >= 0;
        }

        private void Grow(int rows)
        {
            codes = new int[rows];
            groupIds = new int[rows];
        }

        /// <summary>
        /// Group ids when every key (one or two) is a text column without NULLs whose values are
        /// all one byte long (Q1's flags): the offsets of the whole batch are checked to step by
        /// one (vectorised), then one pass over the live rows (selection[k] or k) reads the bytes
        /// and indexes the slots; false (nothing written) otherwise.
        /// </summary>
        [MethodImpl(HotLoop.Options)]
        private bool OneByteIds(RecordBatch batch, GroupTable table, int rows)
        {
            int n = plan.keyColumns.Length;
            var sel = batch.Selection;
            int length = batch.Length; // the offsets are checked over every row of the batch, live or not
            if (n is not (1 or 2) || rows > groupIds.Length || (sel is null && rows > length)) return false;
            ReadOnlySpan<byte> first = default, second = default;
            for (int j = 0; j < n; j++)
            {
                if (batch.Columns[plan.keyColumns[j]] is not VarBinaryColumn v || (v.Validity is not null && v.NullCount > 0)) return false;
                if (length >= v.Offsets.Length || !StepByOne(v.Offsets.AsSpan(0, length + 1))) return false;
                int start = v.Offsets[0];
                if (start < 0 || start + length > v.Data.Length) return false;
                if (j == 0) first = v.Data.AsSpan(start, length);
                else second = v.Data.AsSpan(start, length);
            }
            var keys = Array.ConvertAll(plan.keyColumns, i => batch.Columns[i]);
            var s = slots;
            var ids = groupIds;
            for (int k = 0; k < rows; k++)
            {
                int r = sel is null ? k : sel[k];
                int code = 2 + first[r];
                if (n == 2) code = code * 258 + 2 + second[r];
                int slot = s[code];
                if (slot == 0) slot = s[code] = table.FindOrAdd(keys, r) + 1;
                ids[k] = slot - 1;
            }
            return true;
        }

        /// <summary>offsets[k] == offsets[0] + k for every k: each value is one byte long.</summary>
        [MethodImpl(HotLoop.Options)]
        private static bool StepByOne(ReadOnlySpan<int> offsets)
        {
            int start = offsets[0], k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var expect = Vector256.Create(start) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                var step = Vector256.Create(8);
                var diff = Vector256<int>.Zero;
                for (; k + 8 <= offsets.Length; k += 8)
                {
                    diff |= Vector256.Create(offsets[k..]) ^ expect;
                    expect += step;
                }
                if (diff != Vector256<int>.Zero) return false;
            }
            for (; k < offsets.Length; k++)
            {
                if (offsets[k] != start + k) return false;
            }
            return true;
        }

        private bool KeysQualify(RecordBatch batch)
        {
            for (int j = 0; j < plan.keyColumns.Length; j++)
            {
                var c = batch.Columns[plan.keyColumns[j]];
                if (plan.keyIsBool[j] ? c is not BooleanColumn : c is not VarBinaryColumn) return false;
            }
            return true;
        }

        /// <summary>
        /// Each row's code: per key NULL = 0, then false/true = 1/2 or an empty string = 1 and a
        /// one-byte string = 2 + the byte; -1 for a row with a longer string (the table decides it).
        /// </summary>
        [MethodImpl(HotLoop.Options)]
        private void GroupIds(RecordBatch batch, GroupTable table, int rows)
        {
            if (OneByteIds(batch, table, rows))
            {
                oneByteBatches++;
                return;
            }
            var sel = batch.Selection;
            var c = codes;
            Array.Clear(c, 0, rows);
            bool anyLong = false;
            for (int j = 0; j < plan.keyColumns.Length; j++)
            {
                var column = batch.Columns[plan.keyColumns[j]];
                var nulls = column.Validity?.Words;
                if (column is BooleanColumn b)
                {
                    var bits = b.Bits.Words;
                    for (int k = 0; k < rows; k++)
                    {
                        int r = sel is null ? k : sel[k];
                        int code = KernelColumns.IsNull(nulls, r) ? 0 : KernelColumns.GetBit(bits, r) ? 2 : 1;
                        c[k] = c[k] * 3 + code;
                    }
                    continue;
                }
                var offsets = ((VarBinaryColumn)column).Offsets;
                var data = ((VarBinaryColumn)column).Data;
                for (int k = 0; k < rows; k++)
                {
                    int r = sel is null ? k : sel[k];
                    int start = offsets[r], len = offsets[r + 1] - start;
                    int code = len == 0 ? 1 : len == 1 ? 2 + data[start] : -1;
                    if (nulls is not null && KernelColumns.IsNull(nulls, r)) code = 0;
                    if (code < 0) anyLong = true;
                    c[k] = c[k] * 258 + code;
                }
            }
            var keys = Array.ConvertAll(plan.keyColumns, i => batch.Columns[i]);
            var s = slots;
            var ids = groupIds;
            for (int k = 0; k < rows; k++)
            {
                int code = c[k];
                int r = sel is null ? k : sel[k];
                if (anyLong && LongKey(batch, r))
                {
                    ids[k] = table.FindOrAdd(keys, r);
                    continue;
                }
                int slot = s[code];
                if (slot == 0) slot = s[code] = table.FindOrAdd(keys, r) + 1;
                ids[k] = slot - 1;
            }
        }

        /// <summary>Some text key of row <paramref name="r"/> is longer than one byte (and not NULL).</summary>
        private bool LongKey(RecordBatch batch, int r)
        {
            for (int j = 0; j < plan.keyColumns.Length; j++)
            {
                if (batch.Columns[plan.keyColumns[j]] is VarBinaryColumn v && !v.IsNull(r) && v.Offsets[r + 1] - v.Offsets[r] > 1) return true;
            }
            return false;
        }

        /// <summary>valid[p][k] = 1 where argument p is not NULL; false (no mask) when none of its columns holds a NULL.</summary>
        [MethodImpl(HotLoop.Options)]
        private bool NullMask(RecordBatch batch, int p, int rows)
        {
            var columns = programColumns[p];
            bool any = false;
            foreach (int c in columns) any |= batch.Columns[c].Validity is { } v && batch.Columns[c].NullCount > 0;
            if (!any) return false;
            if (valid[p].Length < rows) valid[p] = new byte[Math.Max(rows, ExecutionContext.BatchRows)];
            var mask = valid[p];
            Array.Fill(mask, (byte)1, 0, rows);
            var sel = batch.Selection;
            foreach (int c in columns)
            {
                if (batch.Columns[c].Validity?.Words is not { } words) continue;
                for (int k = 0; k < rows; k++)
                {
                    int r = sel is null ? k : sel[k];
                    if (KernelColumns.IsNull(words, r)) mask[k] = 0;
                }
            }
            return true;
        }

        /// <summary>partial[g] += v[k] (and validPerGroup[g]++ with a mask) over the batch.</summary>
        [MethodImpl(HotLoop.Options)]
        private void SumByGroup(long[] v, byte[]? mask, int rows)
        {
            var ids = groupIds;
            var sums = partial;
            if (mask is null)
            {
                for (int k = 0; k < rows; k++) sums[ids[k]] += v[k];
                return;
            }
            var n = validPerGroup;
            for (int k = 0; k < rows; k++)
            {
                if (mask[k] == 0) continue;
                int g = ids[k];
                sums[g] += v[k];
                n[g]++;
            }
        }
    }
}
