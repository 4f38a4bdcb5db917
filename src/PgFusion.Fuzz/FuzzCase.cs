using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz;

/// <summary>One generated case: a schema with data, and queries over it (loading is the costly part, so several queries share it).</summary>
public sealed record FuzzCase(FuzzSchema Schema, IReadOnlyList<FuzzQuery> Queries)
{
    public override string ToString() =>
        $"{Schema.Tables.Count} tables ({Schema.TotalRows} rows), {Queries.Count} queries:\n{Schema.Ddl}\n" + string.Join('\n', Queries.Select(q => q.Sql + ";"));
}
