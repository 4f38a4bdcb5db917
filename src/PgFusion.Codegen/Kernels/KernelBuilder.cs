using System.Linq.Expressions;
using PgFusion.Arrow;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>Builds (through the cache) the filter and projection kernels: one loop over a batch's live rows.</summary>
public static class KernelBuilder
{
    private static string TypesKey(IReadOnlyList<PgType> types) => string.Join(",", types.Select(t => $"{t.Oid}/{t.Typmod}"));

    public static Kernel<FilterKernel> Filter(string name, IReadOnlyList<PgType> inputTypes, BoundExpr predicate, KernelCache cache)
    {
        if (predicate.Type.Oid != PgTypeOid.Bool) throw new UnsupportedException($"filter of type {predicate.Type}");
        string key = "filter|" + TypesKey(inputTypes) + "|" + ExprShape.Of(predicate);
        if (!FixedNumeric.AnyFixed(predicate, inputTypes))
            return cache.GetOrCompile<FilterKernel>(name, key, () => BuildFilter(inputTypes, predicate, fixedScale: false));
        var fast = cache.GetOrCompile<FilterKernel>(name, "fixed|" + key, () => BuildFilter(inputTypes, predicate, fixedScale: true));
        int[] guard = [.. FixedNumeric.GuardColumns([predicate], inputTypes)];
        var general = new GeneralVariant<FilterKernel>(() => cache.GetOrCompile<FilterKernel>(name, key, () => BuildFilter(inputTypes, predicate, fixedScale: false)));
        int Run(RecordBatch input, int[] selection, KernelContext context)
        {
            if (FixedScaleOps.Eligible(input, guard))
            {
                try
                {
                    return fast.Run(input, selection, context);
                }
                catch (FixedScaleOverflowException)
                {
                }
            }
            return general.Kernel.Run(input, selection, context);
        }
        FilterKernel run = Run;
        KernelVariants.Register(run, () => [("fixed-scale", fast.Run), ("general", general.Kernel.Run)]);
        return new Kernel<FilterKernel>(name, key, () => general.Kernel.Source, run, () => fast.CompileTime + general.CompileTime) { FixedScaleSource = fast.Source };
    }

    /// <summary>
    /// A filter kernel compiled when a batch first needs it: the fallback behind a fast path that
    /// takes nearly every batch (the vector filter, which declines only batches with a selection
    /// vector or values outside its column layouts). The predicate is checked now, so an
    /// unsupported expression still fails at plan time.
    /// </summary>
    public static Kernel<FilterKernel> FilterOnFirstUse(string name, IReadOnlyList<PgType> inputTypes, BoundExpr predicate, KernelCache cache)
    {
        Check(inputTypes, [predicate]);
        var later = new GeneralVariant<FilterKernel>(() => Filter(name, inputTypes, predicate, cache));
        int Run(RecordBatch input, int[] selection, KernelContext context) => later.Kernel.Run(input, selection, context);
        FilterKernel run = Run;
        KernelVariants.Register(run, () => KernelVariants.Of(later.Kernel.Run));
        string key = "filter|" + TypesKey(inputTypes) + "|" + ExprShape.Of(predicate);
        return new Kernel<FilterKernel>(name, key, () => later.Kernel.Source, run, () => later.CompileTime);
    }

    public static Kernel<ProjectKernel> Project(string name, IReadOnlyList<PgType> inputTypes, IReadOnlyList<BoundExpr> exprs, KernelCache cache)
    {
        string key = "project|" + TypesKey(inputTypes) + "|" + string.Join(";", exprs.Select(ExprShape.Of));
        if (ColumnCopyKernel.Sources(exprs, inputTypes) is { } sources)
        {
            var tree = new Lazy<Expression<ProjectKernel>>(() => BuildProject(inputTypes, exprs, fixedScale: false));
            return new Kernel<ProjectKernel>(name, "copy|" + key, () => tree.Value, ColumnCopyKernel.Create(sources, [.. exprs.Select(e => e.Type)]), () => TimeSpan.Zero);
        }
        if (!exprs.Any(e => FixedNumeric.AnyFixed(e, inputTypes)))
            return cache.GetOrCompile<ProjectKernel>(name, key, () => BuildProject(inputTypes, exprs, fixedScale: false));
        var fast = cache.GetOrCompile<ProjectKernel>(name, "fixed|" + key, () => BuildProject(inputTypes, exprs, fixedScale: true));
        int[] guard = [.. FixedNumeric.GuardColumns(exprs, inputTypes)];
        var general = new GeneralVariant<ProjectKernel>(() => cache.GetOrCompile<ProjectKernel>(name, key, () => BuildProject(inputTypes, exprs, fixedScale: false)));
        void Run(RecordBatch input, Column[] outputs, KernelContext context)
        {
            if (FixedScaleOps.Eligible(input, guard))
            {
                try
                {
                    fast.Run(input, outputs, context);
                    return;
                }
                catch (FixedScaleOverflowException)
                {
                    // the outputs are refilled from row 0 (text columns append, so they restart empty)
                    foreach (var c in outputs) KernelColumns.Prepare(c, input.LiveRows);
                }
            }
            general.Kernel.Run(input, outputs, context);
        }
        ProjectKernel run = Run;
        KernelVariants.Register(run, () => [("fixed-scale", fast.Run), ("general", general.Kernel.Run)]);
        return new Kernel<ProjectKernel>(name, key, () => general.Kernel.Source, run, () => fast.CompileTime + general.CompileTime) { FixedScaleSource = fast.Source };
    }

    /// <summary>
    /// Validates that every expression compiles (throws UnsupportedException otherwise) without
    /// compiling IL, so QueryCompiler can answer Unsupported before anything runs.
    /// </summary>
    public static void Check(IReadOnlyList<PgType> inputTypes, IEnumerable<BoundExpr> exprs)
    {
        var compiler = new ExprCompiler(inputTypes, Expression.Parameter(typeof(RecordBatch), "input"), Expression.Parameter(typeof(KernelContext), "ctx"));
        foreach (var e in exprs) compiler.Emit(e, []);
    }

    private static Expression<FilterKernel> BuildFilter(IReadOnlyList<PgType> inputTypes, BoundExpr predicate, bool fixedScale)
    {
        var input = Expression.Parameter(typeof(RecordBatch), "input");
        var selection = Expression.Parameter(typeof(int[]), "selection");
        var ctx = Expression.Parameter(typeof(KernelContext), "ctx");
        var compiler = new ExprCompiler(inputTypes, input, ctx, fixedScale);
        var count = compiler.NewLocal(typeof(int), "count");
        var keep = Expression.Assign(Expression.ArrayAccess(selection, Expression.PostIncrementAssign(count)), compiler.Row);
        var body = new List<Expression> { QualChain(compiler, Conjuncts(predicate), 0, keep) };
        var loop = RowLoop(compiler, input, body, out var setup);
        var all = new List<Expression> { Expression.Assign(count, Expression.Constant(0)) };
        all.AddRange(compiler.Prologue);
        all.AddRange(setup);
        all.Add(loop);
        all.Add(count);
        return Expression.Lambda<FilterKernel>(Expression.Block(compiler.Locals, all), "Filter", [input, selection, ctx]);
    }

    /// <summary>
    /// A WHERE clause's top-level conjuncts run like PostgreSQL's ExecQual: in order, and the row is
    /// rejected at the first one that is false or NULL, so later conjuncts (and the errors they could
    /// raise, e.g. a division by zero) are not evaluated for it. A plain AND would go on after a NULL.
    /// </summary>
    private static Expression QualChain(ExprCompiler compiler, IReadOnlyList<BoundExpr> conjuncts, int index, Expression keep)
    {
        if (index == conjuncts.Count) return keep;
        // a conjunct of pure tests (Q19's OR of AND arms) as one short-circuit condition, no locals
        if (compiler.TryEmitTruth(conjuncts[index]) is { } truth)
            return Expression.IfThen(truth, QualChain(compiler, conjuncts, index + 1, keep));
        var stmts = new List<Expression>();
        var v = compiler.Emit(conjuncts[index], stmts);
        Expression pass = v.IsNull is null ? v.Value : Expression.AndAlso(Expression.Not(v.IsNull), v.Value);
        stmts.Add(Expression.IfThen(pass, QualChain(compiler, conjuncts, index + 1, keep)));
        return Expression.Block(stmts);
    }

    private static List<BoundExpr> Conjuncts(BoundExpr predicate)
    {
        var list = new List<BoundExpr>();
        void Add(BoundExpr e)
        {
            if (e is BoundBoolExpr { Op: BoolOp.And } and) foreach (var a in and.Args) Add(a);
            else list.Add(e);
        }
        Add(predicate);
        return list;
    }

    private static Expression<ProjectKernel> BuildProject(IReadOnlyList<PgType> inputTypes, IReadOnlyList<BoundExpr> exprs, bool fixedScale)
    {
        var input = Expression.Parameter(typeof(RecordBatch), "input");
        var outputs = Expression.Parameter(typeof(Column[]), "outputs");
        var ctx = Expression.Parameter(typeof(KernelContext), "ctx");
        var compiler = new ExprCompiler(inputTypes, input, ctx, fixedScale);
        var k = compiler.NewLocal(typeof(int), "k");
        var outPrologue = new List<Expression>();
        var body = new List<Expression>();
        for (int j = 0; j < exprs.Count; j++)
        {
            if (fixedScale && exprs[j] is not BoundConst && FixedNumeric.Of(exprs[j], inputTypes) is { } info
                && (exprs[j].Type.NumericScale is not { } declared || declared == info.Scale))
            {
                body.Add(WriteFixed(compiler, outputs, j, compiler.EmitFixed(exprs[j], body), info, k, outPrologue));
                continue;
            }
            var v = compiler.Emit(exprs[j], body);
            body.Add(Write(compiler, outputs, j, exprs[j].Type, v, k, outPrologue));
        }
        var loop = RowLoop(compiler, input, body, out var setup, k);
        var all = new List<Expression>();
        all.AddRange(compiler.Prologue);
        all.AddRange(outPrologue);
        all.AddRange(setup);
        all.Add(loop);
        return Expression.Lambda<ProjectKernel>(Expression.Block(compiler.Locals, all), "Project", [input, outputs, ctx]);
    }

    /// <summary>Stores one computed value at output row <paramref name="k"/> of output column <paramref name="j"/>.</summary>
    private static Expression Write(ExprCompiler compiler, ParameterExpression outputs, int j, PgType type, ExprCompiler.Val v, ParameterExpression k, List<Expression> prologue)
    {
        var clr = KernelTypes.Require(type);
        string n = "o" + j.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var column = Expression.ArrayIndex(outputs, Expression.Constant(j));
        var validity = compiler.NewLocal(typeof(ulong[]), n + "_valid");
        prologue.Add(Expression.Assign(validity, Expression.Property(Expression.Property(column, nameof(Column.Validity)), nameof(ValidityBitmap.Words))));
        var setValid = Expression.Call(typeof(KernelColumns), nameof(KernelColumns.SetValid), null, validity, k);
        Expression store;
        if (clr == typeof(TextRef))
        {
            var col = compiler.NewLocal(typeof(VarBinaryColumn), n);
            prologue.Add(Expression.Assign(col, Expression.Convert(column, typeof(VarBinaryColumn))));
            var append = Expression.Block(Expression.Call(typeof(KernelColumns), nameof(KernelColumns.AppendText), null, col, v.Value), setValid);
            if (v.IsNull is null) return append;
            return Expression.IfThenElse(v.IsNull, Expression.Call(typeof(KernelColumns), nameof(KernelColumns.AppendNullText), null, col), append);
        }
        if (clr == typeof(bool))
        {
            var bits = compiler.NewLocal(typeof(ulong[]), n + "_bits");
            prologue.Add(Expression.Assign(bits, Expression.Property(Expression.Property(Expression.Convert(column, typeof(BooleanColumn)), nameof(BooleanColumn.Bits)), nameof(ValidityBitmap.Words))));
            store = Expression.Call(typeof(KernelColumns), nameof(KernelColumns.SetBit), null, bits, k, v.Value);
        }
        else if (clr == typeof(PgNumeric))
        {
            var col = compiler.NewLocal(typeof(DecimalColumn), n);
            prologue.Add(Expression.Assign(col, Expression.Convert(column, typeof(DecimalColumn))));
            store = Expression.Call(typeof(KernelColumns), nameof(KernelColumns.SetNumeric), null, col, k, v.Value);
        }
        else
        {
            var values = compiler.NewLocal(clr.MakeArrayType(), n + "_values");
            prologue.Add(Expression.Assign(values, Expression.Property(Expression.Convert(column, typeof(PrimitiveColumn<>).MakeGenericType(clr)), "Values")));
            store = Expression.Assign(Expression.ArrayAccess(values, k), v.Value);
        }
        var write = Expression.Block(store, setValid);
        return v.IsNull is null ? write : Expression.IfThen(Expression.Not(v.IsNull), write);
    }

    /// <summary>Stores a fixed-scale Int128 at output row <paramref name="k"/>; the column holds the batch at one scale.</summary>
    private static Expression WriteFixed(ExprCompiler compiler, ParameterExpression outputs, int j, ExprCompiler.Val v, FixedNumeric info, ParameterExpression k, List<Expression> prologue)
    {
        string n = "o" + j.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var col = compiler.NewLocal(typeof(DecimalColumn), n);
        var validity = compiler.NewLocal(typeof(ulong[]), n + "_valid");
        var values = compiler.NewLocal(typeof(Int128[]), n + "_i128");
        prologue.Add(Expression.Assign(col, Expression.Convert(Expression.ArrayIndex(outputs, Expression.Constant(j)), typeof(DecimalColumn))));
        prologue.Add(Expression.Call(typeof(KernelColumns), nameof(KernelColumns.PrepareFixedScale), null, col, Expression.Constant(info.Scale)));
        prologue.Add(Expression.Assign(validity, Expression.Property(Expression.Property(col, nameof(Column.Validity)), nameof(ValidityBitmap.Words))));
        prologue.Add(Expression.Assign(values, Expression.Property(col, nameof(DecimalColumn.Values))));
        var write = Expression.Block(
            Expression.Assign(Expression.ArrayAccess(values, k), v.Value),
            Expression.Call(typeof(KernelColumns), nameof(KernelColumns.SetValid), null, validity, k));
        return v.IsNull is null ? write : Expression.IfThen(Expression.Not(v.IsNull), write);
    }

    /// <summary>for (k = 0; k &lt; live; k++) { i = selection == null ? k : selection[k]; body }</summary>
    private static Expression RowLoop(ExprCompiler compiler, ParameterExpression input, List<Expression> body, out List<Expression> setup, ParameterExpression? k = null)
    {
        k ??= compiler.NewLocal(typeof(int), "k");
        var live = compiler.NewLocal(typeof(int), "live");
        var sel = compiler.NewLocal(typeof(int[]), "sel");
        setup =
        [
            Expression.Assign(live, Expression.Property(input, nameof(RecordBatch.LiveRows))),
            Expression.Assign(sel, Expression.Property(input, nameof(RecordBatch.Selection))),
            Expression.Assign(k, Expression.Constant(0)),
        ];
        var brk = Expression.Label("done");
        var iteration = new List<Expression>
        {
            Expression.IfThen(Expression.GreaterThanOrEqual(k, live), Expression.Break(brk)),
            Expression.Assign(compiler.Row, Expression.Condition(Expression.Equal(sel, Expression.Constant(null, typeof(int[]))), k, Expression.ArrayIndex(sel, k))),
        };
        iteration.AddRange(body);
        iteration.Add(Expression.PreIncrementAssign(k));
        return Expression.Loop(Expression.Block(iteration), brk);
    }

    /// <summary>
    /// The general (PgNumeric) variant of a fixed-scale kernel, compiled the first time a batch
    /// needs it: a batch with a numeric wider than the fixed path or a step that would overflow
    /// it, or a dump asking for the tree. Most queries never need it, and compiling it up front
    /// doubled the compile time of every numeric kernel. Thread-safe: two first callers may both
    /// ask the cache, which compiles a key once.
    /// </summary>
    private sealed class GeneralVariant<T>(Func<Kernel<T>> compile) where T : Delegate
    {
        private Kernel<T>? kernel;

        public Kernel<T> Kernel => Volatile.Read(ref kernel) ?? Interlocked.CompareExchange(ref kernel, compile(), null) ?? kernel!;

        public TimeSpan CompileTime => Volatile.Read(ref kernel)?.CompileTime ?? TimeSpan.Zero;
    }
}
