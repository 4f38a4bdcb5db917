using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Planner.Binding;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// A fast path beside the compiled filter kernel for the commonest WHERE shape: an AND of
/// comparisons between an int4/date, int8/timestamp or float8 column and a constant of the same
/// representation. Each comparison fills a row bitmap with Vector256 compares, the bitmaps are
/// ANDed, and the set bits become the selection vector. It runs only on batches without a
/// selection vector whose referenced columns have no NULLs; other batches take the kernel.
/// float8 follows PostgreSQL's ordering (NaN equals NaN and sorts above every number); a NaN
/// constant is left to the kernel.
/// </summary>
public sealed class VectorFilter
{
    private enum Op { Eq, Ne, Lt, Le, Gt, Ge }

    private readonly Term[] terms;
    private ulong[] mask = new ulong[64];
    private ulong[] scratch = new ulong[64];

    private VectorFilter(Term[] terms) => this.terms = terms;

    /// <summary>The fast path for <paramref name="predicate"/>, or null when its shape is not covered.</summary>
    public static VectorFilter? TryCreate(IReadOnlyList<PgFusion.Types.PgType> inputTypes, BoundExpr predicate)
    {
        ArgumentNullException.ThrowIfNull(inputTypes);
        var terms = new List<Term>();
        return Collect(inputTypes, predicate, terms) && terms.Count > 0 ? new VectorFilter([.. terms]) : null;
    }

    private static bool Collect(IReadOnlyList<PgFusion.Types.PgType> inputTypes, BoundExpr e, List<Term> terms)
    {
        if (e is BoundBoolExpr { Op: BoolOp.And } and)
            return and.Args.All(a => Collect(inputTypes, a, terms));
        if (e is not BoundFuncCall { Args.Count: 2 } call || !FunctionRegistry.TryGet(call.FuncOid, out var impl)) return false;
        string m = impl.Method.Name;
        if (m.Length < 4) return false;
        Op? op = m[^2..] switch { "Eq" => Op.Eq, "Ne" => Op.Ne, "Lt" => Op.Lt, "Le" => Op.Le, "Gt" => Op.Gt, "Ge" => Op.Ge, _ => null };
        if (op is null) return false;
        var (left, right) = (call.Args[0], call.Args[1]);
        if (left is BoundConst && right is BoundColumnRef)
        {
            (left, right) = (right, left);
            op = op switch { Op.Lt => Op.Gt, Op.Le => Op.Ge, Op.Gt => Op.Lt, Op.Ge => Op.Le, var o => o };
        }
        if (left is not BoundColumnRef col || right is not BoundConst { Value: { } value }) return false;
        if (col.Index < 0 || col.Index >= inputTypes.Count || inputTypes[col.Index] != col.Type) return false;
        var clr = KernelTypes.ClrType(col.Type);
        string family = m[..^2];
        if (family == "Int4" && clr == typeof(int) && value is int i) terms.Add(new Term<int>(col.Index, op.Value, i));
        else if (family == "Int8" && clr == typeof(long) && value is long l) terms.Add(new Term<long>(col.Index, op.Value, l));
        else if (family == "Float8" && clr == typeof(double) && value is double d && !double.IsNaN(d))
            terms.Add(new Term<double>(col.Index, op.Value, d));
        else return false;
        return true;
    }

    /// <summary>Writes the passing rows to <paramref name="selection"/>; false when the batch is not eligible.</summary>
    public bool TryRun(RecordBatch batch, int[] selection, out int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(selection);
        count = 0;
        if (batch.Selection is not null) return false;
        foreach (var t in terms)
        {
            if (!t.Eligible(batch.Columns[t.Column])) return false;
        }
        int rows = batch.Length;
        int words = (rows + 63) >> 6;
        if (mask.Length < words)
        {
            mask = new ulong[words];
            scratch = new ulong[words];
        }
        terms[0].Evaluate(batch.Columns[terms[0].Column], rows, mask);
        for (int t = 1; t < terms.Length; t++)
        {
            terms[t].Evaluate(batch.Columns[terms[t].Column], rows, scratch);
            for (int w = 0; w < words; w++) mask[w] &= scratch[w];
        }
        int n = 0;
        for (int w = 0; w < words; w++)
        {
            ulong bits = mask[w];
            int baseRow = w << 6;
            while (bits != 0)
            {
                selection[n++] = baseRow + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
            }
        }
        count = n;
        return true;
    }

    private abstract class Term(int column)
    {
        public int Column { get; } = column;

        public abstract bool Eligible(Column column);

        /// <summary>Sets bit r of <paramref name="bits"/> (words covering rows) for each passing row; clears the rest.</summary>
        public abstract void Evaluate(Column column, int rows, ulong[] bits);
    }

    private sealed class Term<T>(int column, Op op, T constant) : Term(column) where T : unmanaged, INumber<T>
    {
        public override bool Eligible(Column column) =>
            column is PrimitiveColumn<T> p && (p.Validity is null || p.NullCount == 0) && Vector256.IsHardwareAccelerated;

        public override void Evaluate(Column column, int rows, ulong[] bits)
        {
            var values = ((PrimitiveColumn<T>)column).Values;
            int per = Vector256<T>.Count;
            var c = Vector256.Create(constant);
            int words = (rows + 63) >> 6;
            Array.Clear(bits, 0, words);
            int r = 0;
            for (; r + per <= rows; r += per)
            {
                var x = Vector256.Create(values, r);
                ulong m = Compare(x, c).ExtractMostSignificantBits();
                bits[r >> 6] |= m << (r & 63);
            }
            for (; r < rows; r++)
            {
                if (Scalar(values[r])) bits[r >> 6] |= 1UL << (r & 63);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector256<T> Compare(Vector256<T> x, Vector256<T> c)
        {
            var result = op switch
            {
                Op.Eq => Vector256.Equals(x, c),
                Op.Ne => ~Vector256.Equals(x, c),
                Op.Lt => Vector256.LessThan(x, c),
                Op.Le => Vector256.LessThanOrEqual(x, c),
                Op.Gt => Vector256.GreaterThan(x, c),
                _ => Vector256.GreaterThanOrEqual(x, c),
            };
            // float8: NaN is above every number (PostgreSQL's float8 ordering); x != x only for NaN
            if (typeof(T) == typeof(double) && op is Op.Gt or Op.Ge) result |= ~Vector256.Equals(x, x);
            return result;
        }

        private bool Scalar(T x)
        {
            bool nan = T.IsNaN(x);
            return op switch
            {
                Op.Eq => !nan && x == constant,
                Op.Ne => nan || x != constant,
                Op.Lt => !nan && x < constant,
                Op.Le => !nan && x <= constant,
                Op.Gt => nan || x > constant,
                _ => nan || x >= constant,
            };
        }
    }
}
