using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// FROM: range-table entries and the join tree. The plan is built after all expressions are bound
// (scans then know their columns), so this returns a builder.
public sealed partial class QueryBinder
{
    private Func<BindScope, LogicalPlan> PrepareFrom(QueryTreeNode jointree, BindScope scope, ExpressionBinder binder)
    {
        if (jointree.RequireKind() != "FROMEXPR") throw jointree.Error($"expected FROMEXPR, found {jointree.Kind}");
        var fromList = jointree.List("fromlist");
        if (fromList.Count == 0) throw UnsupportedConstructException.NotYet("SELECT without FROM");
        if (fromList.Count > 1) throw UnsupportedConstructException.NotYet("more than one table in FROM (join)");
        return PrepareFromItem(fromList[0], scope, binder);
    }

    private Func<BindScope, LogicalPlan> PrepareFromItem(QueryTreeNode item, BindScope scope, ExpressionBinder binder)
    {
        _ = binder;
        switch (item.RequireKind())
        {
            case "RANGETBLREF":
                int rti = item.Int32("rtindex");
                var rte = scope.Entry(rti, item.Field("rtindex"));
                int kind = rte.Int32("rtekind");
                if (kind != RteKind.Relation) throw UnsupportedConstructException.NotYet(RteKind.Describe(kind));
                var relation = CheckRelation(rte);
                string alias = rte.Optional("alias")?.Optional("aliasname")?.Text() ?? relation.Name;
                return s => new LogicalScan(rti, alias, relation, s.ColumnsOf(rti));
            case "JOINEXPR":
                throw UnsupportedConstructException.NotYet("JOIN");
            default:
                throw UnsupportedConstructException.NotYet($"FROM item {item.Kind}");
        }
    }

    private RelationInfo CheckRelation(QueryTreeNode rte)
    {
        var relation = Relation(rte);
        string name = relation.Name;
        char relkind = rte.Optional("relkind")?.Char() ?? relation.RelKind;
        switch (relkind)
        {
            case 'r':
            case 'm':
                break;
            case 'p': throw UnsupportedConstructException.NotYet($"partitioned table {name}");
            case 'f': throw UnsupportedConstructException.NotYet($"foreign table {name}");
            case 'v': throw UnsupportedConstructException.NotYet($"view {name} that was not expanded");
            default: throw UnsupportedConstructException.NotYet($"relation {name} of relkind '{relkind}'");
        }
        if (rte.Optional("inh")?.Bool() == true && relation.HasSubclass == true)
            throw UnsupportedConstructException.NotYet($"table {name} with inheritance children");
        if (!rte.IsNullField("tablesample")) throw UnsupportedConstructException.NotYet("TABLESAMPLE");
        if (rte.Optional("securityQuals")?.Items().Count > 0) throw UnsupportedConstructException.NotYet($"row-level security on {name}");
        return relation;
    }
}
