using System.Text.RegularExpressions;
using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Execution;

/// <summary>
/// The parts of the filter right above a scan that the scan may apply while it decodes (late
/// materialization, docs/late-materialization.md): one stage per column, each the AND of that
/// column's comparisons with constants that <see cref="VectorFilter"/> covers. A scan provider
/// that decodes pages may decode a stage's column first, drop the rows the stage rejects, and
/// decode the other columns only for the rest; the filter above still runs on every row it gets,
/// so a provider that ignores this changes nothing.
///
/// Exactness: a row a stage rejects is a row the whole predicate rejects (a stage is one of its
/// conjuncts), and PostgreSQL, evaluating the quals in order and stopping at the first false one,
/// never evaluated anything on that row that could raise: only comparisons of columns with
/// constants or columns come before the last conjunct a stage is taken from, and those never
/// raise (<see cref="NeverRaises"/>). The stages themselves never raise either.
/// </summary>
public sealed partial class ScanPrefilter
{
    /// <summary>Above this estimated share of rows kept by the whole filter, late materialization is not tried (Q1's 98 %, Q3's 54 %).</summary>
    public const double MaxEstimatedSelectivity = 0.5;

    private ScanPrefilter(IReadOnlyList<PrefilterStage> stages, double estimatedSelectivity)
    {
        Stages = stages;
        EstimatedSelectivity = estimatedSelectivity;
    }

    /// <summary>The stages, in the predicate's order (the provider chooses which run, and when).</summary>
    public IReadOnlyList<PrefilterStage> Stages { get; }

    /// <summary>The planner's estimate of the share of the scan's rows the whole filter keeps.</summary>
    public double EstimatedSelectivity { get; }

    /// <summary>
    /// The prefilter for <paramref name="filter"/> over <paramref name="scan"/> (its direct input),
    /// or null when no conjunct qualifies or the planner expects the filter to keep more than
    /// <see cref="MaxEstimatedSelectivity"/> of the rows.
    /// </summary>
    public static ScanPrefilter? TryCreate(PhysicalScan scan, PhysicalFilter filter)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(filter);
        if (!ReferenceEquals(filter.Input, scan)) return null;
        double selectivity = scan.EstimatedRows > 0 ? Math.Clamp(filter.EstimatedRows / scan.EstimatedRows, 0, 1) : 1;
        if (selectivity > MaxEstimatedSelectivity) return null;
        var types = scan.Output.Select(o => o.Type).ToArray();
        var conjuncts = new List<BoundExpr>();
        Flatten(filter.Predicate, conjuncts);
        var byColumn = new Dictionary<int, List<BoundExpr>>();
        var textByColumn = new Dictionary<int, List<(BoundExpr Conjunct, TextStage Test)>>();
        var order = new List<int>();
        foreach (var c in conjuncts)
        {
            if (VectorFilter.TryCreate(types, c) is not null && SingleColumn(c) is int column)
            {
                if (!byColumn.TryGetValue(column, out var list))
                {
                    byColumn[column] = list = [];
                    if (!textByColumn.ContainsKey(column)) order.Add(column);
                }
                list.Add(c);
                continue;
            }
            if (TextStage.TryCreate(types, c) is { } text)
            {
                if (!textByColumn.TryGetValue(text.Column, out var list))
                {
                    textByColumn[text.Column] = list = [];
                    if (!byColumn.ContainsKey(text.Column)) order.Add(text.Column);
                }
                list.Add((c, text));
                continue;
            }
            // a conjunct that can raise ends the conjuncts a stage may come from (PostgreSQL may
            // have evaluated it on a row a later conjunct rejects)
            if (!NeverRaises(c)) break;
        }
        var stages = new List<PrefilterStage>();
        foreach (int column in order)
        {
            if (byColumn.TryGetValue(column, out var parts))
            {
                var predicate = parts.Count == 1 ? parts[0] : new BoundBoolExpr(BoolOp.And, parts);
                if (VectorFilter.TryCreate(types, predicate) is { } vector)
                    stages.Add(new PrefilterStage(column, vector, Dump.ExprText.Of(predicate, scan.Output)));
            }
            else if (textByColumn.TryGetValue(column, out var texts))
            {
                var predicate = texts.Count == 1 ? texts[0].Conjunct : new BoundBoolExpr(BoolOp.And, [.. texts.Select(t => t.Conjunct)]);
                var tests = texts.Select(t => t.Test).ToArray();
                stages.Add(new PrefilterStage(column, (batch, selection) => TextStage.Select(tests, batch, selection), Dump.ExprText.Of(predicate, scan.Output)));
            }
        }
        return stages.Count == 0 ? null : new ScanPrefilter(stages, selectivity);
    }

    /// <summary><paramref name="existing"/>'s stages (none when null) and <paramref name="stage"/>.</summary>
    internal static ScanPrefilter With(ScanPrefilter? existing, PrefilterStage stage, double estimatedSelectivity) =>
        new([.. existing?.Stages ?? [], stage], Math.Min(existing?.EstimatedSelectivity ?? 1, estimatedSelectivity));

    /// <summary>Whether every conjunct of <paramref name="predicate"/> is a comparison that never raises.</summary>
    internal static bool AllNeverRaise(BoundExpr predicate)
    {
        var conjuncts = new List<BoundExpr>();
        Flatten(predicate, conjuncts);
        return conjuncts.All(NeverRaises);
    }

    private static void Flatten(BoundExpr e, List<BoundExpr> into)
    {
        if (e is BoundBoolExpr { Op: BoolOp.And } and)
        {
            foreach (var a in and.Args) Flatten(a, into);
        }
        else
        {
            into.Add(e);
        }
    }

    /// <summary>The one column the conjunct's arguments refer to, or null.</summary>
    private static int? SingleColumn(BoundExpr conjunct)
    {
        if (conjunct is not BoundFuncCall call) return null;
        int? column = null;
        foreach (var a in call.Args)
        {
            if (Unwrap(a) is not BoundColumnRef r) continue;
            if (column is int c && c != r.Index) return null;
            column = r.Index;
        }
        return column;
    }

    /// <summary>
    /// A comparison (=, &lt;&gt;, &lt;, &lt;=, &gt;, &gt;=, of one type or across date and
    /// timestamp) of columns and constants: PostgreSQL's comparison functions of the built-in
    /// types never raise. So does an IN list of them (<c>x IN (...)</c>, <c>x NOT IN (...)</c>:
    /// PostgreSQL's ScalarArrayOpExpr over a constant array calls the comparison per element and
    /// nothing else), TPC-H Q12's <c>l_shipmode IN ('MAIL', 'SHIP')</c>.
    /// </summary>
    public static bool NeverRaises(BoundExpr conjunct) =>
        conjunct is BoundBoolExpr { FromScalarArray: true, Op: BoolOp.Or or BoolOp.And, Args.Count: > 0 } list
            ? list.Args.All(IsNeverRaisingComparison)
            : IsNeverRaisingComparison(conjunct);

    private static bool IsNeverRaisingComparison(BoundExpr conjunct) =>
        conjunct is BoundFuncCall { Args.Count: 2 } call
        && call.Type == PgFusion.Types.PgType.Bool
        && call.Args.All(a => Unwrap(a) is BoundColumnRef or BoundConst)
        && FunctionRegistry.TryGet(call.FuncOid, out var impl)
        && Comparison().IsMatch(impl.Method.Name);

    private static BoundExpr Unwrap(BoundExpr e) => e is BoundRelabel r ? Unwrap(r.Arg) : e;

    [GeneratedRegex("^([A-Z][A-Za-z0-9]*?)?(Eq|Ne|Lt|Le|Gt|Ge)(Timestamp|Date|Timestamptz)?$")]
    private static partial Regex Comparison();
}

/// <summary>One stage of a <see cref="ScanPrefilter"/>: comparisons of one column of the scan with constants.</summary>
public sealed class PrefilterStage
{
    private readonly Func<RecordBatch, int[], int> select;

    internal PrefilterStage(int column, VectorFilter filter, string description)
        : this(column, (batch, selection) => filter.TryRun(batch, selection, out int count) ? count : -1, description)
    {
    }

    /// <summary>A stage whose rows are chosen by <paramref name="select"/> (the contract of <see cref="Select"/>).</summary>
    internal PrefilterStage(int column, Func<RecordBatch, int[], int> select, string description)
    {
        Column = column;
        this.select = select;
        Description = description;
    }

    /// <summary>
    /// A key stage (<see cref="Operators.Join.JoinKeyStage"/>): the rows whose value of <paramref name="column"/>
    /// (an integer column) is one of <paramref name="keys"/>, which <paramref name="select"/> tests over a batch.
    /// </summary>
    internal PrefilterStage(int column, Operators.Join.KeyBitmap keys, Func<RecordBatch, int[], int> select, string description)
        : this(column, select, description)
    {
        Keys = keys;
    }

    /// <summary>The column's position in the scan's output (scan.AttNums[Column] is its attribute).</summary>
    public int Column { get; }

    /// <summary>A key stage's keys (null: comparisons with constants): a decoder may test them in its walk of a page instead of through <see cref="Select"/>.</summary>
    public Operators.Join.KeyBitmap? Keys { get; }

    /// <summary>The stage's predicate as text (logs, EXPLAIN).</summary>
    public string Description { get; }

    /// <summary>
    /// The passing rows of <paramref name="batch"/> (columns in the scan's order; only
    /// <see cref="Column"/> is read) into <paramref name="selection"/>, ascending; returns how
    /// many, or -1 when the batch is not eligible (a NULL in the column, a selection vector): then
    /// every row is kept. Never raises.
    /// </summary>
    public int Select(RecordBatch batch, int[] selection) => select(batch, selection);
}
