using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// GREATEST / LEAST (MinMaxExpr).
public sealed partial class ExpressionBinder
{
    private const int MaxMinMaxArgs = 4;

    /// <summary>
    /// ExecEvalMinMax: NULL arguments are ignored; a later value replaces the current one only when
    /// strictly greater (GREATEST) or smaller (LEAST), so ties keep the earlier argument. Bound as
    /// CASE over the type's btree operator; each step repeats the previous result, so the rewrite
    /// stops at <see cref="MaxMinMaxArgs"/> arguments.
    /// </summary>
    private BoundExpr BindMinMax(QueryTreeNode node, AggregateCollector? aggregates)
    {
        var args = BindList(node.List("args"), aggregates);
        var type = CheckType(new PgType(node.UInt32("minmaxtype")));
        bool greatest = node.Int32("op") == 0;
        string what = greatest ? "GREATEST" : "LEAST";
        if (args.Count > MaxMinMaxArgs) throw UnsupportedConstructException.NotYet($"{what} with more than {MaxMinMaxArgs} arguments");
        CheckCollation(node, args, () => what);
        (uint oid, string name) = (type.Oid, greatest) switch
        {
            (PgTypeOid.Int2, true) => (146u, "int2gt"),
            (PgTypeOid.Int2, false) => (64u, "int2lt"),
            (PgTypeOid.Int4, true) => (147u, "int4gt"),
            (PgTypeOid.Int4, false) => (66u, "int4lt"),
            (PgTypeOid.Int8, true) => (470u, "int8gt"),
            (PgTypeOid.Int8, false) => (469u, "int8lt"),
            (PgTypeOid.Float4, true) => (291u, "float4gt"),
            (PgTypeOid.Float4, false) => (289u, "float4lt"),
            (PgTypeOid.Float8, true) => (297u, "float8gt"),
            (PgTypeOid.Float8, false) => (295u, "float8lt"),
            (PgTypeOid.Numeric, true) => (1720u, "numeric_gt"),
            (PgTypeOid.Numeric, false) => (1722u, "numeric_lt"),
            (PgTypeOid.Text or PgTypeOid.Varchar, true) => (742u, "text_gt"),
            (PgTypeOid.Text or PgTypeOid.Varchar, false) => (740u, "text_lt"),
            (PgTypeOid.Bpchar, true) => (1051u, "bpchargt"),
            (PgTypeOid.Bpchar, false) => (1049u, "bpcharlt"),
            (PgTypeOid.Date, true) => (1089u, "date_gt"),
            (PgTypeOid.Date, false) => (1087u, "date_lt"),
            (PgTypeOid.Timestamp, true) => (2057u, "timestamp_gt"),
            (PgTypeOid.Timestamp, false) => (2054u, "timestamp_lt"),
            _ => throw UnsupportedConstructException.NotYet($"{what} on {TypeLabel(type.Oid)}"),
        };
        BoundExpr acc = args[0];
        for (int i = 1; i < args.Count; i++)
        {
            var v = args[i];
            acc = new BoundCase(
                [
                    // the accumulated value's test first: its arguments are evaluated (and raise) before
                    // this one, in argument order, as ExecEvalMinMax and eval_const_expressions do
                    // (seed 514 case 1150: LEAST(('NaN'::float4)::int4, ('NaN'::numeric)::int4)
                    // raises the first argument's 22003)
                    (new BoundNullTest(acc, false), v),
                    (new BoundNullTest(v, false), acc),
                    (new BoundFuncCall(oid, name, [v, acc], PgType.Bool), v),
                ],
                acc,
                type) { Origin = CaseOrigin.MinMaxStep };
        }
        // the chain is one MinMaxExpr to PostgreSQL's costing and folding (QualOrdering, ConstantEvaluation)
        return acc is BoundCase { Origin: CaseOrigin.MinMaxStep } top ? top with { Origin = CaseOrigin.MinMax } : acc;
    }
}
