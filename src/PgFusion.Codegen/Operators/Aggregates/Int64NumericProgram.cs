using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// A fixed-scale numeric expression over numeric(p &lt;= 18, s) columns and constants (numeric
/// add, sub, mul, negation, casts of integer constants), evaluated a batch at a time over Int64
/// unscaled values at compile-time scales (numeric.c's dscales, as <see cref="FixedNumeric"/>).
/// The programs of one aggregate share their equal steps in an <see cref="Int64NumericDag"/>,
/// which runs them and decides per batch which steps need overflow checks.
/// </summary>
internal abstract class Int64NumericProgram
{
    private Int64NumericProgram(int scale) => Scale = scale;

    /// <summary>The dscale of every value.</summary>
    public int Scale { get; }

    /// <summary>The program for <paramref name="e"/>, or null when some part does not qualify.</summary>
    public static Int64NumericProgram? Create(BoundExpr e, IReadOnlyList<PgType> inputTypes)
    {
        if (FixedNumeric.Constant(e) is { } k)
        {
            if (!k.IsFinite || k.Big is not null || k.Scale < 0 || k.Scale > 18 || k.Unscaled > long.MaxValue || k.Unscaled < -long.MaxValue) return null;
            return new Constant((long)k.Unscaled, k.Scale);
        }
        if (FixedNumeric.Of(e, inputTypes) is not { } info || info.Scale > 18) return null;
        switch (e)
        {
            case BoundColumnRef c:
                return FixedNumeric.Column(c, inputTypes) is { Digits: <= 18 } ? new ColumnLoad(c.Index, info.Scale) : null;
            case BoundRelabel r:
                return Create(r.Arg, inputTypes);
            case BoundFuncCall { Args.Count: 1 } f when f.FuncOid == FixedNumeric.NumericUPlus:
                return Create(f.Args[0], inputTypes);
            case BoundFuncCall { Args.Count: 1 } f when f.FuncOid == FixedNumeric.NumericUMinus:
                return Create(f.Args[0], inputTypes) is { } arg ? new Binary(Op.Neg, arg, arg, info.Scale) : null;
            case BoundFuncCall { Args.Count: 2 } f when f.FuncOid is FixedNumeric.NumericAdd or FixedNumeric.NumericSub or FixedNumeric.NumericMul:
            {
                if (Create(f.Args[0], inputTypes) is not { } a || Create(f.Args[1], inputTypes) is not { } b) return null;
                var op = f.FuncOid == FixedNumeric.NumericAdd ? Op.Add : f.FuncOid == FixedNumeric.NumericSub ? Op.Sub : Op.Mul;
                return new Binary(op, a, b, info.Scale);
            }
            default:
                return null;
        }
    }

    /// <summary>The input columns read (each must hold finite values at its declared scale).</summary>
    public abstract void CollectColumns(ISet<int> columns);

    /// <summary>Adds this program's steps to <paramref name="dag"/> (shared with equal steps of other programs); the node of its value.</summary>
    public abstract int Emit(Int64NumericDag dag);

    private enum Op { Add, Sub, Mul, Neg }

    private sealed class Constant(long value, int scale) : Int64NumericProgram(scale)
    {
        public override int Emit(Int64NumericDag dag) => dag.Constant(value);

        public override void CollectColumns(ISet<int> columns)
        {
        }
    }

    private sealed class ColumnLoad(int column, int scale) : Int64NumericProgram(scale)
    {
        public override void CollectColumns(ISet<int> columns) => columns.Add(column);

        public override int Emit(Int64NumericDag dag) => dag.Load(column);
    }

    private sealed class Binary : Int64NumericProgram
    {
        private readonly Op op;
        private readonly Int64NumericProgram a, b;
        private readonly long scaleA, scaleB; // add/sub: the operands' factors to the result scale

        public Binary(Op op, Int64NumericProgram a, Int64NumericProgram b, int scale) : base(scale)
        {
            this.op = op;
            this.a = a;
            this.b = b;
            scaleA = Pow10(scale - a.Scale);
            scaleB = Pow10(scale - b.Scale);
        }

        private static long Pow10(int n)
        {
            long p = 1;
            for (int i = 0; i < n && p > 0; i++) p = i < 18 ? p * 10 : 0;
            return p; // 0: past 10^18, every nonzero operand overflows (below)
        }

        public override void CollectColumns(ISet<int> columns)
        {
            a.CollectColumns(columns);
            b.CollectColumns(columns);
        }

        public override int Emit(Int64NumericDag dag)
        {
            int x = a.Emit(dag);
            if (op == Op.Neg) return dag.Binary(Int64NumericDag.Kind.Neg, x, x, 1, 1);
            int y = b.Emit(dag);
            var kind = op switch { Op.Add => Int64NumericDag.Kind.Add, Op.Sub => Int64NumericDag.Kind.Sub, _ => Int64NumericDag.Kind.Mul };
            return op == Op.Mul ? dag.Binary(kind, x, y, 1, 1) : dag.Binary(kind, x, y, scaleA, scaleB);
        }
    }
}
