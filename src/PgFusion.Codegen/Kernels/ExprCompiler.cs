using System.Linq.Expressions;
using PgFusion.Arrow;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// Lowers BoundExpr trees to expression-tree statements evaluated for one row <see cref="Row"/>
/// of a batch, inside the loop a kernel builder wraps around them. Each expression yields a
/// <see cref="Val"/>: a null flag (absent when it can never be null) and a side-effect-free
/// value (a local, a constant or a column read). Column arrays are loaded once per batch in
/// the prologue. Evaluation order and laziness follow PostgreSQL's executor: strict functions
/// evaluate all arguments, then skip the call when one is NULL; AND/OR stop at the first
/// deciding argument; CASE and COALESCE evaluate only the branches they reach.
/// </summary>
public sealed partial class ExprCompiler
{
    private readonly IReadOnlyList<PgType> inputTypes;
    private readonly ParameterExpression batch;
    private readonly List<ParameterExpression> locals = [];
    private readonly List<Expression> prologue = [];
    private readonly Dictionary<int, InputSlot> inputs = [];
    private int counter;

    public ExprCompiler(IReadOnlyList<PgType> inputTypes, ParameterExpression batch, ParameterExpression context, bool fixedScale = false)
    {
        this.inputTypes = inputTypes;
        FixedMode = fixedScale;
        this.batch = batch;
        Context = context;
        Row = Expression.Variable(typeof(int), "i");
        locals.Add(Row);
    }

    /// <summary>A computed value: IsNull null means never NULL.</summary>
    public readonly record struct Val(Expression? IsNull, Expression Value);

    private sealed record InputSlot(Expression? Nulls, Func<Expression, Expression> Read, ParameterExpression Column);

    public ParameterExpression Context { get; }

    public ParameterExpression Row { get; }

    public IReadOnlyList<ParameterExpression> Locals => locals;

    public IReadOnlyList<Expression> Prologue => prologue;

    public ParameterExpression NewLocal(Type type, string name)
    {
        var p = Expression.Variable(type, name + (counter++).ToString(System.Globalization.CultureInfo.InvariantCulture));
        locals.Add(p);
        return p;
    }

    /// <summary>Appends the statements computing <paramref name="expr"/> for the current row to <paramref name="body"/>.</summary>
    public Val Emit(BoundExpr expr, List<Expression> body)
    {
        if (evaluated.TryGetValue(expr, out var known)) return known;
        if (FixedMode && TryEmitFixedScale(expr, body, out var fixedVal)) return fixedVal;
        return EmitGeneral(expr, body);
    }

    /// <summary>Subexpressions already computed for the current row (an IN list's scalar), by reference.</summary>
    private readonly Dictionary<BoundExpr, Val> evaluated = new(ReferenceEqualityComparer.Instance);

    private Val EmitGeneral(BoundExpr expr, List<Expression> body) => expr switch
    {
        BoundColumnRef c => EmitColumn(c),
        BoundConst k => EmitConst(k),
        BoundFuncCall f => EmitCall(f, body),
        BoundBoolExpr b => b.Op switch
        {
            BoolOp.Not => EmitNot(b, body),
            _ => EmitAndOr(b, body),
        },
        BoundNullTest t => EmitNullTest(t, body),
        BoundRelabel r => EmitRelabel(r, body),
        BoundCase c => EmitCase(c, body),
        BoundCoalesce c => EmitCoalesce(c, body),
        _ => throw new UnsupportedException($"expression {expr.GetType().Name} is not supported"),
    };

    private Val EmitColumn(BoundColumnRef c)
    {
        if (c.Index < 0 || c.Index >= inputTypes.Count) throw new UnsupportedException($"column reference {c.Index} is outside the input ({inputTypes.Count} columns)");
        var slot = InputColumn(c.Index);
        Expression? isNull = Expression.Call(typeof(KernelColumns), nameof(KernelColumns.IsNull), null, slot.Nulls!, Row);
        var value = slot.Read(Row);
        var want = KernelTypes.Require(c.Type);
        if (value.Type != want) value = ConvertCompatible(value, want, c.Type);
        return new Val(isNull, value);
    }

    private InputSlot InputColumn(int index)
    {
        if (inputs.TryGetValue(index, out var slot)) return slot;
        var type = inputTypes[index];
        string n = "c" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var col = Expression.Variable(typeof(Column), n);
        var nulls = Expression.Variable(typeof(ulong[]), n + "_nulls");
        locals.Add(col);
        locals.Add(nulls);
        prologue.Add(Expression.Assign(col, Expression.Property(Expression.Property(batch, nameof(RecordBatch.Columns)), "Item", Expression.Constant(index))));
        var validity = Expression.Property(col, nameof(Column.Validity));
        prologue.Add(Expression.Assign(nulls, Expression.Condition(
            Expression.Equal(validity, Expression.Constant(null, typeof(ValidityBitmap))),
            Expression.Constant(null, typeof(ulong[])),
            Expression.Property(validity, nameof(ValidityBitmap.Words)))));
        Func<Expression, Expression> read;
        var clr = KernelTypes.Require(type);
        if (clr == typeof(bool))
        {
            var bits = Local(typeof(ulong[]), n + "_bits", Expression.Property(Expression.Property(Expression.Convert(col, typeof(BooleanColumn)), nameof(BooleanColumn.Bits)), nameof(ValidityBitmap.Words)));
            read = row => Expression.Call(typeof(KernelColumns), nameof(KernelColumns.GetBit), null, bits, row);
        }
        else if (clr == typeof(PgNumeric))
        {
            var dec = Local(typeof(DecimalColumn), n + "_dec", Expression.Convert(col, typeof(DecimalColumn)));
            read = row => Expression.Call(typeof(KernelColumns), nameof(KernelColumns.GetNumeric), null, dec, row);
        }
        else if (clr == typeof(Values.TextRef))
        {
            var vb = Expression.Convert(col, typeof(VarBinaryColumn));
            var data = Local(typeof(byte[]), n + "_data", Expression.Property(vb, nameof(VarBinaryColumn.Data)));
            var offsets = Local(typeof(int[]), n + "_offsets", Expression.Property(Expression.Convert(col, typeof(VarBinaryColumn)), nameof(VarBinaryColumn.Offsets)));
            read = row => Expression.Call(typeof(KernelColumns), nameof(KernelColumns.GetText), null, data, offsets, row);
        }
        else
        {
            var colType = typeof(PrimitiveColumn<>).MakeGenericType(clr);
            var values = Local(clr.MakeArrayType(), n + "_values", Expression.Property(Expression.Convert(col, colType), "Values"));
            read = row => Expression.ArrayIndex(values, row);
        }
        slot = new InputSlot(nulls, read, col);
        inputs.Add(index, slot);
        return slot;
    }

    private ParameterExpression Local(Type type, string name, Expression init)
    {
        var p = Expression.Variable(type, name);
        locals.Add(p);
        prologue.Add(Expression.Assign(p, init));
        return p;
    }

    private static Val EmitConst(BoundConst k)
    {
        var clr = KernelTypes.Require(k.Type);
        if (k.Value is null) return new Val(Expression.Constant(true), Expression.Default(clr));
        object value = k.Value switch
        {
            string s => Values.TextRef.FromString(s),
            byte[] b => new Values.TextRef(b, 0, b.Length),
            Guid g => ToUInt128(g),
            var v => v,
        };
        if (value.GetType() != clr)
        {
            try
            {
                value = Convert.ChangeType(value, clr, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is InvalidCastException or OverflowException)
            {
                throw new UnsupportedException($"constant of type {k.Value.GetType().Name} for {k.Type}");
            }
        }
        return new Val(null, Expression.Constant(value, clr));
    }

    private static UInt128 ToUInt128(Guid g)
    {
        Span<byte> b = stackalloc byte[16];
        g.TryWriteBytes(b, bigEndian: true, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(b);
    }

    /// <summary>Binary-compatible representation changes (int4 &lt;-&gt; oid relabels, widening for function arguments).</summary>
    private static Expression ConvertCompatible(Expression value, Type want, PgType type)
    {
        if (value.Type == want) return value;
        if (value.Type.IsPrimitive && want.IsPrimitive && want != typeof(bool) && value.Type != typeof(bool))
            return Expression.Convert(value, want);
        throw new UnsupportedException($"cannot represent {value.Type.Name} as {type}");
    }
}
