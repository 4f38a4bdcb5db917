using PgFusion.Planner.Json;

namespace PgFusion.Planner.Binding;

// COLLATE.
public sealed partial class ExpressionBinder
{
    /// <summary>expr COLLATE "C" / "POSIX" / default changes nothing the worker computes (it compares bytes); other collations stay Unsupported.</summary>
    private BoundExpr BindCollate(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint collation = node.UInt32("collOid");
        if (!Locale.OrdersByBytes(collation)) throw UnsupportedConstructException.NotYet($"COLLATE with collation OID {collation} (only C, POSIX and a default collation that orders by bytes)");
        return Bind(node.Field("arg"), aggregates);
    }
}
