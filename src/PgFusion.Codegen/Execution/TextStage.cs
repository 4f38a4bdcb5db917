using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Execution;

/// <summary>
/// A late-materialization stage test (<see cref="ScanPrefilter"/>) on one text, varchar or bpchar
/// column of the scan: <c>col = 'x'</c> or <c>col IN ('x', 'y', ...)</c> under texteq or bpchareq,
/// which <see cref="Kernels.VectorFilter"/> does not cover (TPC-H Q12's l_shipmode, Q19's
/// l_shipinstruct and l_shipmode, Q10's l_returnflag).
/// <para>
/// Exactness: the test is the kernel's own (<see cref="ConstantTextSet"/>, the IN list's
/// one-call form), so a row it drops is a row the conjunct makes false or NULL, and the filter
/// above drops. A NULL column value makes the conjunct NULL (the operators are strict and the
/// list holds no NULL), so NULL rows are dropped too. texteq and bpchareq never raise.
/// </para>
/// </summary>
internal sealed class TextStage
{
    private readonly ConstantTextSet set;

    private TextStage(int column, ConstantTextSet set)
    {
        Column = column;
        this.set = set;
    }

    /// <summary>The column's position in the scan's output.</summary>
    public int Column { get; }

    /// <summary>The test for <paramref name="conjunct"/> over a scan with columns of <paramref name="types"/>, or null when its shape is not covered.</summary>
    public static TextStage? TryCreate(IReadOnlyList<PgType> types, BoundExpr conjunct)
    {
        IReadOnlyList<BoundExpr> tests = conjunct switch
        {
            BoundBoolExpr { Op: BoolOp.Or, FromScalarArray: true, Args.Count: > 0 } list => list.Args,
            BoundFuncCall => [conjunct],
            _ => [],
        };
        if (tests.Count == 0) return null;
        int? column = null;
        bool? bpchar = null;
        var elements = new string[tests.Count];
        for (int i = 0; i < tests.Count; i++)
        {
            if (tests[i] is not BoundFuncCall { Args: [var left, var right] } call || !FunctionRegistry.TryGet(call.FuncOid, out var impl)) return null;
            bool? isBpchar = null;
            if (impl.Method.DeclaringType == typeof(TextFunctions) && !impl.NeedsContext)
            {
                if (impl.Method.Name == nameof(TextFunctions.TextEq)) isBpchar = false;
                else if (impl.Method.Name == nameof(TextFunctions.BpcharEq)) isBpchar = true;
            }
            if (isBpchar is null || (bpchar is { } b && b != isBpchar)) return null;
            bpchar = isBpchar;
            if (Unwrap(left) is not BoundColumnRef) (left, right) = (right, left);
            if (Unwrap(left) is not BoundColumnRef col || right is not BoundConst { Value: string value }) return null;
            if (col.Index < 0 || col.Index >= types.Count || types[col.Index] != col.Type
                || col.Type.Oid is not (PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar)) return null;
            if (column is int c && c != col.Index) return null;
            column = col.Index;
            elements[i] = value;
        }
        return new TextStage(column!.Value, new ConstantTextSet(bpchar!.Value, elements));
    }

    /// <summary>
    /// The rows of <paramref name="batch"/> that pass every one of <paramref name="tests"/> (all on
    /// one column), ascending, into <paramref name="selection"/>; their count, or -1 (keep every
    /// row) for a batch with a selection vector or a column of another representation.
    /// </summary>
    public static int Select(IReadOnlyList<TextStage> tests, RecordBatch batch, int[] selection)
    {
        ArgumentNullException.ThrowIfNull(tests);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(selection);
        if (batch.Selection is not null || batch.Columns[tests[0].Column] is not VarBinaryColumn column) return -1;
        var validity = column.Validity;
        var data = column.Data;
        var offsets = column.Offsets;
        int kept = 0;
        for (int r = 0; r < batch.Length; r++)
        {
            if (validity is not null && !validity.IsValid(r)) continue; // NULL: the conjunct is NULL
            var value = new TextRef(data, offsets[r], offsets[r + 1] - offsets[r]);
            bool pass = true;
            foreach (var t in tests)
            {
                if (!t.set.Contains(value))
                {
                    pass = false;
                    break;
                }
            }
            if (pass) selection[kept++] = r;
        }
        return kept;
    }

    private static BoundExpr Unwrap(BoundExpr e) => e is BoundRelabel r ? Unwrap(r.Arg) : e;
}
