using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// Runtime of <see cref="HashAggregateNode"/>: consumes the whole input, then emits one row per group.
/// Past the memory budget the table stops taking new groups: rows of known groups still fold in,
/// rows of other groups go to hash partitions on disk (<see cref="AggregateSpill"/>), each
/// aggregated afterwards by a nested stream of its own, as PostgreSQL's hash aggregate spills.
/// </summary>
internal sealed class HashAggregateStream(HashAggregateNode node, IBatchSource input, ExecutionContext context, int level = 0) : IBatchSource
{
    private GroupTable? table;
    private bool consumed;
    private AggregateSpill? spill;
    private Spill.MemoryGauge? tableGauge;
    private Accumulator[]? accumulators;
    private int groups;
    private int emitted;
    private Column[]? outputs;
    private RecordBatch? batch;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (!consumed) Consume(cancellation);
        if (emitOrder is not null) return NextBeforeError();
        if (emitted >= groups)
        {
            table?.Release();
            table = null;
            accumulators = null;
            tableGauge?.Dispose();
            return spill?.Next(cancellation);
        }
        outputs ??= node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        int n = Math.Min(ExecutionContext.BatchRows, groups - emitted);
        foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
        int keyCount = node.Plan.GroupKeys.Count;
        for (int g = emitted; g < emitted + n; g++)
        {
            for (int j = 0; j < keyCount; j++) KeyOps[j].Append(table!.Keys[j], g, outputs[j]);
            for (int a = 0; a < accumulators!.Length; a++) accumulators[a].Write(g, outputs[keyCount + a]);
        }
        emitted += n;
        batch.Length = n;
        return batch;
    }

    /// <summary>
    /// Under a sorted aggregation whose argument raised (<see cref="SortedGroupingErrors"/>): the
    /// groups PostgreSQL's GroupAggregate completes and emits before it reaches the raising row, in
    /// its order; they go up (where HAVING and the projection run on them, and may raise first),
    /// then <see cref="deferredError"/> raises (seed 271 case 1393).
    /// </summary>
    private int[]? emitOrder;
    private PgFusionException? deferredError;

    private RecordBatch? NextBeforeError()
    {
        var order = emitOrder!;
        if (emitted >= order.Length) throw deferredError!;
        outputs ??= node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        int n = Math.Min(ExecutionContext.BatchRows, order.Length - emitted);
        foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
        int keyCount = node.Plan.GroupKeys.Count;
        for (int i = emitted; i < emitted + n; i++)
        {
            int g = order[i];
            for (int j = 0; j < keyCount; j++) KeyOps[j].Append(table!.Keys[j], g, outputs[j]);
            for (int a = 0; a < accumulators!.Length; a++) accumulators[a].Write(g, outputs[keyCount + a]);
        }
        emitted += n;
        batch.Length = n;
        return batch;
    }

    private ColumnOps[] KeyOps => keyOps ??= node.Plan.GroupKeys.Select(k => ColumnOps.For(k.Type)).ToArray();

    private ColumnOps[]? keyOps;

    /// <summary>The next input batch; with a fused filter, batches it folds itself are consumed here.</summary>
    private RecordBatch? NextInput(CancellationToken cancellation)
    {
        while (input.Next(cancellation) is { } b)
        {
            if (node.FusedFilter is not { } fused) return b;
            if (fused.TryFold(b, accumulators!)) continue;
            if (fused.Filter(b, context.Kernel) is { } kept) return kept;
        }
        return null;
    }

    private void Consume(CancellationToken cancellation)
    {
        consumed = true;
        Start();
        Fold(cancellation, partialBudget: 0, stop: null);
        spill?.Finish();
    }

    // Per-batch buffers of Fold, made once by Start.
    private Column[] computed = [];
    private Column[] sortKeys = [];
    private Column?[] gathered = [];
    private ColumnOps?[] gatherOps = [];
    private Column[] evaluated = [];
    private Column[] keys = [];
    private int[] groupIds = [];
    private DirectGroupAggregate.Runner? direct;
    private bool started;

    /// <summary>The empty state: accumulators, group table and batch buffers (once).</summary>
    internal void Start()
    {
        if (started) return;
        started = true;
        int keyCount = node.Plan.GroupKeys.Count;
        accumulators = node.Accumulators.Select(f => f()).ToArray();
        table = keyCount > 0 ? new GroupTable(node.Plan.GroupKeys.Select(k => k.Type).ToArray()) : null;
        var types = node.EvaluatedTypes;
        computed = Enumerable.Range(0, types.Count).Where(j => node.KernelColumn[j] >= 0)
            .Select(j => PgArrowMapping.CreateColumn(types[j], ExecutionContext.BatchRows)).ToArray();
        if (node.KeyKernel is not null)
            sortKeys = Enumerable.Range(0, keyCount).Where(j => node.KernelColumn[j] >= 0)
                .Select(j => PgArrowMapping.CreateColumn(types[j], ExecutionContext.BatchRows)).ToArray();
        gathered = new Column?[types.Count];
        gatherOps = new ColumnOps?[types.Count];
        evaluated = new Column[types.Count];
        keys = new Column[keyCount];
        groupIds = new int[ExecutionContext.BatchRows];
        groups = keyCount == 0 ? 1 : 0;
        foreach (var acc in accumulators) acc.EnsureGroups(Math.Max(groups, 1));
        if (context.Spill.Limited)
        {
            // k accumulators that buffer rows (DISTINCT, ORDER BY) share the budget: each writes a run
            // past budget / (k + 1). The group table freezes once it and what they hold pass the
            // budget, so the operator holds at most about twice the budget, whatever k is.
            int holders = accumulators.Count(a => a.HoldsRows);
            long share = Math.Max(1, context.Spill.BudgetBytes / (holders + 1));
            foreach (var acc in accumulators) acc.UseSpill(context, share, node);
        }
        direct = node.Direct?.Open();
    }

    /// <summary>The error of an input row whose aggregate arguments raised, held while the rows before it are folded (<see cref="RowOrder"/>).</summary>
    private PgFusionException? pendingInputError;

    /// <summary>The input row whose arguments raised <see cref="pendingInputError"/>, as a one-row batch (null when not known).</summary>
    private RecordBatch? pendingRow;

    /// <summary>
    /// Under a sorted aggregation (<see cref="SortedGroupingErrors"/>): the row that became the first
    /// raising one in the batch being folded, replayed aggregate by aggregate once the rows before it
    /// are folded (<see cref="ReplayRaisingRow"/>); what it raises first is the error kept.
    /// </summary>
    private RecordBatch? sortedReplayRow;

    /// <summary>The first live row of <paramref name="b"/> after <paramref name="before"/> (a prefix of its live rows; null: none), as a one-row batch.</summary>
    private static RecordBatch RowAfter(RecordBatch b, RecordBatch? before)
    {
        int k = before?.SelectedCount ?? 0;
        int row = before?.Selection is { } rows ? rows[k] : b.Selection is { } s ? s[k] : k;
        return new RecordBatch(b.Columns, b.Length) { Selection = [row], SelectedCount = 1 };
    }

    /// <summary>
    /// PostgreSQL's transition expression takes a row's aggregates one after the other: each one's
    /// FILTER and arguments, then its transition function, before the next aggregate's
    /// (ExecBuildAggTrans). So when the input kernel raised on a row, the aggregates before the one
    /// whose argument raised have taken that row first, and a transition of theirs may raise before
    /// it (seed 795 case 1326: in `sum('1e308'::float8), max(mod(id, c2))` the sum overflowed on the
    /// row where c2 = 0). Evaluates the row aggregate by aggregate, each with a kernel of its own
    /// columns (<see cref="HashAggregateNode.AggregateKernel"/>), folding it, and raises the first
    /// error; returns when none raises (the caller raises the kernel's). Only where the group is known
    /// without computing anything (no group key, or keys that are input columns) and the table
    /// takes every group (not spilling).
    /// </summary>
    private void ReplayRaisingRow(RecordBatch row)
    {
        if (node.AggregateKernel is not { } kernelOf || spill is not null || node.Plan.GroupKeys.Count > 0 && (table is null || node.DirectInput.Take(node.Plan.GroupKeys.Count).Any(d => d < 0))) return;
        var types = node.EvaluatedTypes;
        var use = new Column[types.Count];
        Column Gathered(int j)
        {
            var into = PgArrowMapping.CreateColumn(types[j], 1);
            ColumnGather.Gather(row.Columns[node.DirectInput[j]], row.Selection!, 1, into, ColumnOps.For(types[j]));
            return into;
        }
        var ids = new int[1];
        if (table is not null)
        {
            var rowKeys = new Column[node.Plan.GroupKeys.Count];
            for (int j = 0; j < rowKeys.Length; j++) rowKeys[j] = Gathered(j);
            table.Lookup(rowKeys, 1, ids);
            groups = table.Count;
            foreach (var acc in accumulators!) acc.EnsureGroups(groups);
        }
        for (int a = 0; a < accumulators!.Length; a++)
        {
            var columns = node.AggregateColumns(a).ToList();
            var computedHere = columns.Where(j => node.DirectInput[j] < 0).ToList();
            if (computedHere.Count > 0 && kernelOf(a) is { } kernel)
            {
                var outputs = computedHere.Select(j => PgArrowMapping.CreateColumn(types[j], 1)).ToArray();
                ProjectStream.Run(kernel, row, outputs, context); // raises this aggregate's error
                for (int i = 0; i < computedHere.Count; i++) use[computedHere[i]] = outputs[i];
            }
            foreach (var j in columns.Where(j => node.DirectInput[j] >= 0)) use[j] = Gathered(j);
            var arg = node.ArgColumn[a] >= 0 ? use[node.ArgColumn[a]] : null;
            var filter = node.FilterColumn[a] >= 0 ? (BooleanColumn)use[node.FilterColumn[a]] : null;
            if (node.ExtraArgColumns?[a] is { } extra)
                ((IMultiArgumentAccumulator)accumulators[a]).SetExtraArguments(Array.ConvertAll(extra, i => use[i]));
            if (table is null) accumulators[a].UpdateSingleGroup(arg, filter, 1, ids);
            else accumulators[a].Update(arg, filter, 1, ids);
        }
    }

    /// <summary>Set once an aggregate argument raised under a sorted aggregation (<see cref="SortedGroupingErrors"/>).</summary>
    private SortedGroupingErrors? sortedErrors;

    /// <summary>
    /// Whether the group table and what its accumulators hold passed the table's part of the budget
    /// (<see cref="Spill.SpillSpace.TableBudgetBytes"/>: the partitions' staging takes the rest once
    /// it freezes); the bytes go to the node's memory gauge.
    /// </summary>
    private bool TableOverBudget() => GaugeTable() > context.Spill.TableBudgetBytes;

    /// <summary>Measures the group table and what its accumulators hold, and reports it to the node's memory gauge.</summary>
    private long GaugeTable()
    {
        long bytes = AggregateSpill.Bytes(table!, accumulators!);
        (tableGauge ??= context.Spill.Gauge(node)).Set(bytes);
        return bytes;
    }

    /// <summary>
    /// Whether a parallel partial's table passed its share of the budget. It is gauged like a
    /// serial one, so EXPLAIN's memory figures count the partials' tables, which are all held at
    /// once until they merge.
    /// </summary>
    private bool PartialOverBudget(long partialBudget) => GaugeTable() > partialBudget;

    /// <summary>
    /// Folds input batches into the state until the input ends (true). A partial aggregate of a
    /// parallel scan passes <paramref name="partialBudget"/> &gt; 0: it never spills, and stops
    /// (false) once its table passes that budget or <paramref name="stop"/> says so, leaving the
    /// rest of the input unread.
    /// </summary>
    internal bool Fold(CancellationToken cancellation, long partialBudget, Func<bool>? stop)
    {
        int keyCount = node.Plan.GroupKeys.Count;
        var types = node.EvaluatedTypes;
        var accumulators = this.accumulators!;
        while (true)
        {
            if (stop is not null && stop()) return false;
            if (sortedReplayRow is { } replay)
            {
                // the rows of its group before it are folded: now the first raising row, aggregate by aggregate
                sortedReplayRow = null;
                try
                {
                    ReplayRaisingRow(replay);
                }
                catch (PgFusionException first)
                {
                    sortedErrors!.RaisedFirst(first);
                }
            }
            if (pendingInputError is { } error)
            {
                pendingInputError = null;
                if (pendingRow is { } row) ReplayRaisingRow(row);
                throw error;
            }
            if (NextInput(cancellation) is not { } b)
            {
                if (sortedErrors?.First is { } sortedFirst)
                {
                    if (spill is not null || table is null) throw sortedFirst;
                    emitOrder = sortedErrors.GroupsBefore(table, groups);
                    deferredError = sortedFirst;
                    return true;
                }
                return true;
            }
            cancellation.ThrowIfCancellationRequested();
            if (node.KeyKernel is { } keyKernel) ComputeSortKeys(keyKernel, b);
            bool evaluatedInput = false;
            if (sortedErrors?.First is not null)
            {
                // An argument raised under a sorted aggregation: what matters now is which row raises
                // first, and the groups sorting before it, which PostgreSQL completes first.
                if (FoldBefore(b) is not { } before) continue;
                b = before;
                evaluatedInput = true;
            }
            if (!evaluatedInput && direct is not null && spill is null && direct.TryFold(b, table, accumulators))
            {
                if (table is null) continue;
                groups = table.Count;
                if (partialBudget > 0)
                {
                    if (PartialOverBudget(partialBudget)) return false;
                }
                else if (context.Spill.Limited && TableOverBudget())
                {
                    spill = new AggregateSpill(node, context, level);
                }
                continue;
            }
            if (!evaluatedInput && node.InputKernel is { } inputKernel)
            {
                try
                {
                    ProjectStream.Run(inputKernel, b, computed, context);
                }
                catch (PgFusionException) when (partialBudget <= 0 && (sortedErrors ??= SortedGroupingErrors.For(node)) is not null)
                {
                    // PostgreSQL aggregates sorted: the raising row that sorts first wins, once the input is read.
                    var before = FoldBefore(b);
                    if (sortedErrors!.First is null) throw;
                    if (before is null) continue;
                    b = before;
                }
                catch (PgFusionException raised)
                {
                    // The rows before the first raising one are folded first (their transitions may raise
                    // first), then that row aggregate by aggregate (ReplayRaisingRow), then its error.
                    var before = b.LiveRows == 1 ? null : RowOrder.PrefixBeforeError(b, p =>
                    {
                        ProjectStream.Run(inputKernel, p, computed, context);
                        return 0;
                    }, raised, out raised, out _);
                    pendingInputError = raised;
                    pendingRow = RowAfter(b, before);
                    if (before is null) continue;
                    b = before;
                }
            }
            int rows = b.LiveRows;
            for (int j = 0; j < evaluated.Length; j++)
            {
                int d = node.DirectInput[j];
                if (d < 0)
                {
                    evaluated[j] = computed[node.KernelColumn[j]];
                }
                else if (b.Selection is null)
                {
                    evaluated[j] = b.Columns[d];
                }
                else
                {
                    var into = gathered[j] ??= PgArrowMapping.CreateColumn(types[j], ExecutionContext.BatchRows);
                    ColumnGather.Gather(b.Columns[d], b.Selection, rows, into, gatherOps[j] ??= ColumnOps.For(types[j]));
                    evaluated[j] = into;
                }
            }
            Array.Copy(evaluated, keys, keyCount);
            if (groupIds.Length < rows) groupIds = new int[rows];
            var use = evaluated;
            if (table is null) Array.Clear(groupIds, 0, rows);
            else if (spill is not null)
            {
                use = spill.Route(table, keys, evaluated, rows, groupIds, out rows);
                groups = table.Count;
                foreach (var acc in accumulators) acc.EnsureGroups(groups);
            }
            else
            {
                table.Lookup(keys, rows, groupIds);
                groups = table.Count;
                foreach (var acc in accumulators) acc.EnsureGroups(groups);
                if (partialBudget <= 0 && context.Spill.Limited && TableOverBudget())
                    spill = new AggregateSpill(node, context, level);
            }
            for (int a = 0; a < accumulators.Length; a++)
            {
                var arg = node.ArgColumn[a] >= 0 ? use[node.ArgColumn[a]] : null;
                var filter = node.FilterColumn[a] >= 0 ? (BooleanColumn)use[node.FilterColumn[a]] : null;
                if (node.ExtraArgColumns?[a] is { } extra)
                    ((IMultiArgumentAccumulator)accumulators[a]).SetExtraArguments(Array.ConvertAll(extra, i => use[i]));
                if (table is null) accumulators[a].UpdateSingleGroup(arg, filter, rows, groupIds);
                else accumulators[a].Update(arg, filter, rows, groupIds);
            }
            if (partialBudget > 0 && table is not null && PartialOverBudget(partialBudget)) return false;
        }
    }

    /// <summary>
    /// Computes the batch's computed group keys into <see cref="sortKeys"/> before any aggregate
    /// argument, as PostgreSQL's Sort below its GroupAggregate reads (and projects) its whole input
    /// before the aggregate evaluates an argument: a key's error raises first, the first raising
    /// row's in scan order (seed 353 case 252).
    /// </summary>
    private void ComputeSortKeys(Kernel<ProjectKernel> keyKernel, RecordBatch b)
    {
        try
        {
            ProjectStream.Run(keyKernel, b, sortKeys, context);
        }
        catch (PgFusionException raised) when (b.LiveRows > 1)
        {
            RowOrder.PrefixBeforeError(b, p =>
            {
                ProjectStream.Run(keyKernel, p, sortKeys, context);
                return 0;
            }, raised, out var first, out _);
            throw first;
        }
    }

    /// <summary>
    /// The rows of <paramref name="b"/> that do not raise and whose group sorts before the first
    /// raising row's (their arguments evaluated into the kernel's columns), or null when none.
    /// </summary>
    private RecordBatch? FoldBefore(RecordBatch b)
    {
        var keep = sortedErrors!.Collect(node.InputKernel!, b, computed, sortKeys, context);
        if (sortedErrors.RaisingRowOfLastBatch is int raising and >= 0)
            sortedReplayRow = new RecordBatch(b.Columns, b.Length) { Selection = [raising], SelectedCount = 1 };
        // without a group table (a direct fold) the groups are not emitted: only the error matters
        if (keep.Length == 0 || table is null) return null;
        var kept = new RecordBatch(b.Columns, b.Length) { Selection = keep, SelectedCount = keep.Length };
        ProjectStream.Run(node.InputKernel!, kept, computed, context);
        return kept;
    }

    /// <summary>
    /// Folds another partial aggregate of the same node (its input ended or stopped) into this
    /// one: each of its groups is found or added here, and its accumulators merge
    /// (<see cref="Accumulator.Merge"/>). Both must have started and neither may have spilled.
    /// </summary>
    internal void MergeFrom(HashAggregateStream other)
    {
        if (spill is not null || other.spill is not null) throw new InvalidOperationException("spilled partial aggregates do not merge");
        var mine = accumulators!;
        var theirs = other.accumulators!;
        if (table is null)
        {
            for (int a = 0; a < mine.Length; a++) mine[a].Merge(0, theirs[a], 0);
            return;
        }
        var from = other.table!;
        // the two partials' groups are often disjoint (partitions of a table stored in key order)
        table.Reserve(table.Count + from.Count);
        for (int og = 0; og < from.Count; og++)
        {
            int g = table.FindOrAdd(from.Keys, og);
            if (g >= groups)
            {
                groups = table.Count;
                foreach (var acc in mine) acc.EnsureGroups(groups);
            }
            for (int a = 0; a < mine.Length; a++) mine[a].Merge(g, theirs[a], og);
        }
        // the merged table holds both; the other's is let go
        from.Release();
        GaugeTable();
        other.tableGauge?.Dispose();
    }
}
