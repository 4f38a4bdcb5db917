using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// A fixed-scale numeric expression over numeric(p &lt;= 18, s) columns and constants (numeric
/// add, sub, mul, negation, casts of integer constants), evaluated a batch at a time over Int64
/// unscaled values at compile-time scales (numeric.c's dscales, as <see cref="FixedNumeric"/>).
/// Every step is checked: a value that leaves the Int64 range marks the batch, which then takes
/// the general kernels (exact Int128 and PgNumeric arithmetic), so a result is never wrong.
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

    /// <summary>
    /// Values of rows (selection[k] or k) for k &lt; rows into <paramref name="into"/>; false on an
    /// Int64 overflow. Values of NULL rows are arbitrary (they may also report an overflow).
    /// </summary>
    public abstract bool Run(RecordBatch batch, int[]? selection, int rows, long[] into);

    /// <summary>A constant's value, to fold without a buffer; null for others.</summary>
    protected virtual long? ConstantValue => null;

    private enum Op { Add, Sub, Mul, Neg }

    private sealed class Constant(long value, int scale) : Int64NumericProgram(scale)
    {
        protected override long? ConstantValue => value;

        public override void CollectColumns(ISet<int> columns)
        {
        }

        public override bool Run(RecordBatch batch, int[]? selection, int rows, long[] into)
        {
            Array.Fill(into, value, 0, rows);
            return true;
        }
    }

    private sealed class ColumnLoad(int column, int scale) : Int64NumericProgram(scale)
    {
        public override void CollectColumns(ISet<int> columns) => columns.Add(column);

        public override bool Run(RecordBatch batch, int[]? selection, int rows, long[] into)
        {
            var values = ((DecimalColumn)batch.Columns[column]).Values;
            ulong bad = 0;
            if (selection is null)
            {
                for (int k = 0; k < rows; k++)
                {
                    Int128 v = values[k];
                    long low = (long)v;
                    bad |= (ulong)((long)(v >> 64) ^ (low >> 63));
                    into[k] = low;
                }
            }
            else
            {
                for (int k = 0; k < rows; k++)
                {
                    Int128 v = values[selection[k]];
                    long low = (long)v;
                    bad |= (ulong)((long)(v >> 64) ^ (low >> 63));
                    into[k] = low;
                }
            }
            return bad == 0;
        }
    }

    private sealed class Binary : Int64NumericProgram
    {
        private readonly Op op;
        private readonly Int64NumericProgram a, b;
        private readonly long scaleA, scaleB; // add/sub: the operands' factors to the result scale
        private long[] left = new long[ExecutionContext.BatchRows];
        private long[] right = new long[ExecutionContext.BatchRows];

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

        public override bool Run(RecordBatch batch, int[]? selection, int rows, long[] into)
        {
            if (left.Length < rows)
            {
                left = new long[rows];
                right = new long[rows];
            }
            if (op == Op.Neg)
            {
                if (!a.Run(batch, selection, rows, left)) return false;
                bool ok = true;
                for (int k = 0; k < rows; k++)
                {
                    ok &= left[k] != long.MinValue;
                    into[k] = -left[k];
                }
                return ok;
            }
            // a constant operand is folded as a scalar (1 - discount)
            long? ka = a.ConstantValue, kb = b.ConstantValue;
            if (ka is null && !a.Run(batch, selection, rows, left)) return false;
            if (kb is null && !b.Run(batch, selection, rows, right)) return false;
            if (op != Op.Mul)
            {
                if (ka is { } x && !Rescale(ref x, scaleA)) return false;
                if (kb is { } y && !Rescale(ref y, scaleB)) return false;
                if (ka is null && scaleA != 1 && !RescaleAll(left, rows, scaleA)) return false;
                if (kb is null && scaleB != 1 && !RescaleAll(right, rows, scaleB)) return false;
                ka = ka is null ? null : ka.Value * scaleA;
                kb = kb is null ? null : kb.Value * scaleB;
            }
            return (op, ka, kb) switch
            {
                (Op.Add, { } x, null) => AddScalar(right, x, rows, into),
                (Op.Add, null, { } y) => AddScalar(left, y, rows, into),
                (Op.Sub, { } x, null) => ScalarSub(x, right, rows, into),
                (Op.Sub, null, { } y) => y != long.MinValue && AddScalar(left, -y, rows, into),
                (Op.Mul, { } x, null) => MulScalar(right, x, rows, into),
                (Op.Mul, null, { } y) => MulScalar(left, y, rows, into),
                (Op.Add, null, null) => Add(left, right, rows, into),
                (Op.Sub, null, null) => Sub(left, right, rows, into),
                (Op.Mul, null, null) => Mul(left, right, rows, into),
                _ => Constants(op, ka!.Value, kb!.Value, rows, into),
            };
        }

        private static bool Rescale(ref long v, long factor)
        {
            long hi = Math.BigMul(v, factor, out long lo);
            v = lo;
            return factor != 0 ? hi == lo >> 63 : v == 0;
        }

        private static bool RescaleAll(long[] v, int rows, long factor) => MulScalar(v, factor, rows, v) && factor != 0;

        private static bool AddScalar(long[] v, long c, int rows, long[] into)
        {
            long bad = 0;
            for (int k = 0; k < rows; k++)
            {
                long r = v[k] + c;
                bad |= (v[k] ^ r) & (c ^ r);
                into[k] = r;
            }
            return bad >= 0;
        }

        private static bool ScalarSub(long c, long[] v, int rows, long[] into)
        {
            long bad = 0;
            for (int k = 0; k < rows; k++)
            {
                long r = c - v[k];
                bad |= (c ^ v[k]) & (c ^ r);
                into[k] = r;
            }
            return bad >= 0;
        }

        private static bool Add(long[] x, long[] y, int rows, long[] into)
        {
            long bad = 0;
            for (int k = 0; k < rows; k++)
            {
                long r = x[k] + y[k];
                bad |= (x[k] ^ r) & (y[k] ^ r);
                into[k] = r;
            }
            return bad >= 0;
        }

        private static bool Sub(long[] x, long[] y, int rows, long[] into)
        {
            long bad = 0;
            for (int k = 0; k < rows; k++)
            {
                long r = x[k] - y[k];
                bad |= (x[k] ^ y[k]) & (x[k] ^ r);
                into[k] = r;
            }
            return bad >= 0;
        }

        private static bool MulScalar(long[] v, long c, int rows, long[] into)
        {
            ulong bad = 0;
            for (int k = 0; k < rows; k++)
            {
                long hi = Math.BigMul(v[k], c, out long lo);
                bad |= (ulong)(hi ^ (lo >> 63));
                into[k] = lo;
            }
            return bad == 0;
        }

        private static bool Mul(long[] x, long[] y, int rows, long[] into)
        {
            ulong bad = 0;
            for (int k = 0; k < rows; k++)
            {
                long hi = Math.BigMul(x[k], y[k], out long lo);
                bad |= (ulong)(hi ^ (lo >> 63));
                into[k] = lo;
            }
            return bad == 0;
        }

        private static bool Constants(Op op, long x, long y, int rows, long[] into)
        {
            Int128 r = op switch
            {
                Op.Add => (Int128)x + y,
                Op.Sub => (Int128)x - y,
                _ => (Int128)x * y,
            };
            if (r > long.MaxValue || r < long.MinValue) return false;
            Array.Fill(into, (long)r, 0, rows);
            return true;
        }
    }
}
