using PgFusion.Types;

namespace PgFusion.Planner.Binding;

/// <summary>
/// A typed scalar expression over the rows of one operator's input. Operators are bound to the
/// function that implements them (opfuncid), so `a + b` is a <see cref="BoundFuncCall"/> of
/// int4pl; Codegen implements functions by OID.
/// </summary>
public abstract record BoundExpr(PgType Type);

/// <summary>Column <paramref name="Index"/> of the input row (0-based position in the child's output).</summary>
public sealed record BoundColumnRef(int Index, PgType Type, string Name) : BoundExpr(Type);

/// <summary>
/// A constant. <paramref name="Value"/> is null for SQL NULL; otherwise bool, short, int, long,
/// uint (oid), float, double, PgNumeric, string (text, varchar, bpchar, name), byte[] (bytea),
/// Guid (uuid), int (date: days from 2000-01-01), long (time, timestamp, timestamptz:
/// microseconds), PgInterval.
/// </summary>
public sealed record BoundConst(object? Value, PgType Type) : BoundExpr(Type);

/// <summary>A function call, or an operator bound to its function (Name is the function's proname).</summary>
public sealed record BoundFuncCall(uint FuncOid, string Name, IReadOnlyList<BoundExpr> Args, PgType Type) : BoundExpr(Type)
{
    /// <summary>
    /// PostgreSQL's CoerceViaIO to text: this output function call, and the text input function
    /// PostgreSQL calls after it (cost_qual_eval charges both).
    /// </summary>
    public bool ViaIo { get; init; }

    /// <summary>
    /// The operator's inputcollid (0 when its inputs are not collatable): an equivalence class of
    /// PostgreSQL's holds equalities of one collation only (EquivalenceConstants).
    /// </summary>
    public uint InputCollation { get; init; }
}

public enum BoolOp
{
    And,
    Or,
    Not,
}

/// <summary>AND / OR with PostgreSQL's three-valued logic, and NOT.</summary>
public sealed record BoundBoolExpr(BoolOp Op, IReadOnlyList<BoundExpr> Args) : BoundExpr(PgType.Bool)
{
    /// <summary>
    /// The OR/AND of `x op ANY/ALL (ARRAY[...])` (an IN list): PostgreSQL keeps it one
    /// ScalarArrayOpExpr, so a NULL element does not make an element test a NULL constant there.
    /// </summary>
    public bool FromScalarArray { get; init; }
}

/// <summary>IS [NOT] NULL.</summary>
public sealed record BoundNullTest(BoundExpr Arg, bool IsNotNull) : BoundExpr(PgType.Bool);

/// <summary>A binary-compatible cast (RelabelType): same bits, another type or typmod.</summary>
public sealed record BoundRelabel(BoundExpr Arg, PgType Type) : BoundExpr(Type)
{
    /// <summary>
    /// Not a cast but PostgreSQL's PlaceHolderVar (same type, value of <see cref="Arg"/>): a pulled-up
    /// sub-query's output that reads no column, substituted into a parent qual where PostgreSQL wraps
    /// it (the parent has grouping sets, or the sub-query is on the nullable side of an outer join).
    /// It is no constant to cost_qual_eval, which charges it nothing and does not look inside.
    /// </summary>
    public bool Placeholder { get; init; }
}

/// <summary>CASE WHEN c1 THEN r1 ... ELSE e END (searched form; the simple form is rewritten to equality tests).</summary>
public sealed record BoundCase(IReadOnlyList<(BoundExpr When, BoundExpr Then)> Branches, BoundExpr? Else, PgType Type) : BoundExpr(Type)
{
    /// <summary>
    /// The PostgreSQL node this CASE expands: a DistinctExpr or NullIfExpr stays one node there,
    /// costs one call of its <c>=</c> operator (cost_qual_eval) and is not simplified while an
    /// argument is not constant, so rules keep its shape (<see cref="CaseOrigin"/>).
    /// </summary>
    public CaseOrigin Origin { get; init; }

    /// <summary>
    /// a IS DISTINCT FROM b over the call <paramref name="equal"/> = a = b: CASE WHEN a IS NULL THEN
    /// b IS NOT NULL WHEN b IS NULL THEN true ELSE NOT (a = b) END, marked <see cref="CaseOrigin.DistinctFrom"/>.
    /// </summary>
    public static BoundCase DistinctFrom(BoundFuncCall equal) => new(
        [
            (new BoundNullTest(equal.Args[0], false), new BoundNullTest(equal.Args[1], true)),
            (new BoundNullTest(equal.Args[1], false), new BoundConst(true, PgType.Bool)),
        ],
        new BoundBoolExpr(BoolOp.Not, [equal]),
        PgType.Bool) { Origin = CaseOrigin.DistinctFrom };
}

/// <summary>What a <see cref="BoundCase"/> was bound from.</summary>
public enum CaseOrigin
{
    /// <summary>A CASE, or an expansion PostgreSQL costs and folds as the CASE it is.</summary>
    Case,

    /// <summary>a IS DISTINCT FROM b: CASE WHEN a IS NULL THEN b IS NOT NULL WHEN b IS NULL THEN true ELSE NOT (a = b) END.</summary>
    DistinctFrom,

    /// <summary>NULLIF(a, b): CASE WHEN a = b THEN NULL ELSE a END.</summary>
    NullIf,

    /// <summary>
    /// GREATEST / LEAST (PostgreSQL's MinMaxExpr), the outermost level of its CASE chain
    /// (ExpressionBinder.MinMax): one node to PostgreSQL, costed as one operator plus its arguments
    /// and folded only when every argument is a constant.
    /// </summary>
    MinMax,

    /// <summary>An inner level of a GREATEST / LEAST chain (see <see cref="MinMax"/>): no cost of its own.</summary>
    MinMaxStep,
}

/// <summary>COALESCE(args...).</summary>
public sealed record BoundCoalesce(IReadOnlyList<BoundExpr> Args, PgType Type) : BoundExpr(Type);
