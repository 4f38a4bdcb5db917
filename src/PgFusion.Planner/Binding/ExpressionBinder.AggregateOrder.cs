using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// ORDER BY inside an aggregate call.
public sealed partial class ExpressionBinder
{
    /// <summary>
    /// Aggref.aggorder: SortGroupClauses naming argument target entries by ressortgroupref. The
    /// catalog section does not carry these sort operators, so the btree `&lt;` / `&gt;` operators of the
    /// supported types are known by OID here (pg_operator.dat; a test checks them against pg_operator).
    /// </summary>
    private List<AggregateSortKey>? BindAggregateOrder(QueryTreeNode aggref, Dictionary<int, QueryTreeNode> sortRefs, string label)
    {
        var clauses = aggref.List("aggorder");
        if (clauses.Count == 0) return null;
        var keys = new List<AggregateSortKey>(clauses.Count);
        foreach (var clause in clauses)
        {
            int sortRef = clause.Int32("tleSortGroupRef");
            if (!sortRefs.TryGetValue(sortRef, out var tle)) throw clause.Error($"no argument of {label} has ressortgroupref {sortRef}");
            var expr = Bind(tle.Field("expr"));
            uint sortop = clause.UInt32("sortop");
            bool descending = SortOperatorIsDescending(sortop)
                ?? (Catalog.Operators.TryGetValue(sortop, out var op) && op.Name is "<" or ">" ? op.Name == ">"
                    : throw UnsupportedConstructException.NotYet($"ORDER BY inside aggregate {label} with sort operator OID {sortop}"));
            if (SupportedTypes.IsCollatable(expr.Type.Oid) && !Locale.OrdersByBytes(aggref.Optional("inputcollid")?.UInt32() ?? 0))
                throw UnsupportedConstructException.NotYet($"ORDER BY inside aggregate {label} under a non-C collation");
            keys.Add(new AggregateSortKey(expr, descending, clause.Bool("nulls_first")));
        }
        return keys;
    }

    /// <summary>The default btree `&lt;` (false) and `&gt;` (true) operators of the supported types, by pg_operator OID.</summary>
    public static bool? SortOperatorIsDescending(uint oprOid) => oprOid switch
    {
        58 or 95 or 97 or 412 or 609 or 622 or 672 or 664 or 1058 or 1095 or 1110 or 1322 or 1332 or 1754 or 2062 or 2974 => false,
        59 or 520 or 521 or 413 or 610 or 623 or 674 or 666 or 1060 or 1097 or 1112 or 1324 or 1334 or 1756 or 2064 or 2975 => true,
        _ => null,
    };

    /// <summary>For tests: the operator OIDs <see cref="SortOperatorIsDescending"/> knows, with the operator name and left type.</summary>
    public static IEnumerable<(uint Oid, string Name, uint Type)> KnownSortOperators =>
    [
        (58, "<", PgTypeOid.Bool), (59, ">", PgTypeOid.Bool), (95, "<", PgTypeOid.Int2), (520, ">", PgTypeOid.Int2),
        (97, "<", PgTypeOid.Int4), (521, ">", PgTypeOid.Int4), (412, "<", PgTypeOid.Int8), (413, ">", PgTypeOid.Int8),
        (609, "<", PgTypeOid.Oid), (610, ">", PgTypeOid.Oid), (622, "<", PgTypeOid.Float4), (623, ">", PgTypeOid.Float4),
        (672, "<", PgTypeOid.Float8), (674, ">", PgTypeOid.Float8), (664, "<", PgTypeOid.Text), (666, ">", PgTypeOid.Text),
        (1058, "<", PgTypeOid.Bpchar), (1060, ">", PgTypeOid.Bpchar), (1095, "<", PgTypeOid.Date), (1097, ">", PgTypeOid.Date),
        (1110, "<", PgTypeOid.Time), (1112, ">", PgTypeOid.Time), (1322, "<", PgTypeOid.Timestamptz), (1324, ">", PgTypeOid.Timestamptz),
        (1332, "<", PgTypeOid.Interval), (1334, ">", PgTypeOid.Interval), (1754, "<", PgTypeOid.Numeric), (1756, ">", PgTypeOid.Numeric),
        (2062, "<", PgTypeOid.Timestamp), (2064, ">", PgTypeOid.Timestamp), (2974, "<", PgTypeOid.Uuid), (2975, ">", PgTypeOid.Uuid),
    ];
}
