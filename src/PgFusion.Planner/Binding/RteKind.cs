namespace PgFusion.Planner.Binding;

/// <summary>RangeTblEntry.rtekind (PostgreSQL 15 RTEKind).</summary>
public static class RteKind
{
    public const int Relation = 0;
    public const int Subquery = 1;
    public const int Join = 2;
    public const int Function = 3;
    public const int TableFunc = 4;
    public const int Values = 5;
    public const int Cte = 6;
    public const int NamedTupleStore = 7;
    public const int Result = 8;

    public static string Describe(int kind) => kind switch
    {
        Relation => "table",
        Subquery => "subquery in FROM",
        Join => "join",
        Function => "function in FROM",
        TableFunc => "XMLTABLE/JSON_TABLE in FROM",
        Values => "VALUES in FROM",
        Cte => "WITH query (CTE) reference",
        NamedTupleStore => "transition table",
        Result => "FROM-less SELECT",
        _ => $"range-table entry kind {kind}",
    };
}
