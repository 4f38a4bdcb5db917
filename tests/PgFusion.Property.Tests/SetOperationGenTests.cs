using System.Text.RegularExpressions;
using PgFusion.Fuzz;
using PgFusion.Fuzz.Generators;
using PgFusion.Fuzz.Queries;
using Xunit;

namespace PgFusion.Property.Tests;

/// <summary>
/// The set-operation shapes added by fuzz21 (grouped arms, a nested third arm, ORDER BY / LIMIT over
/// the set operation) are generated and render as PostgreSQL parses them. No database: the SQL's
/// shape is checked as text, the campaigns check it against PostgreSQL.
/// </summary>
public sealed partial class SetOperationGenTests
{
    private static List<FuzzQuery> SetOperations()
    {
        var options = new FuzzOptions { MaxTables = 2, MaxRows = 20 };
        var list = new List<FuzzQuery>();
        for (var i = 0; i < 80; i++)
            list.AddRange(CaseGen.Sample(options, 21, i).Queries.Where(q => q.SetOp != null));
        return list;
    }

    [Fact]
    public void Grouped_nested_and_ordered_set_operations_are_generated()
    {
        var all = SetOperations();
        var grouped = all.Where(q => q.FromTags.Contains("setop-grouped")).ToList();
        var nested = all.Where(q => q.FromTags.Contains("setop-nested")).ToList();
        var ordered = all.Where(q => q.FromTags.Contains("setop-ordered")).ToList();
        Assert.NotEmpty(grouped);
        Assert.NotEmpty(nested);
        Assert.NotEmpty(ordered);

        foreach (var q in grouped)
        {
            // The left arm groups by the positions of its key items, the last item an aggregate.
            Assert.True(q.Grouped);
            Assert.Matches(GroupByPositions(), q.Sql);
            Assert.True(q.Select[^1].ContainsAggregate);
            Assert.Equal(q.Select.Count, q.SetOpRight!.Select.Count);
        }
        foreach (var q in nested)
        {
            // (A) op ((B) op2 (C)): the right arm is itself a set operation, parenthesised whole.
            Assert.NotNull(q.SetOpRight!.SetOp);
            Assert.Contains(") " + q.SetOp + " ((SELECT ", q.Sql, StringComparison.Ordinal);
            Assert.Equal(q.Select.Count, q.SetOpRight.SetOpRight!.Select.Count);
        }
        foreach (var q in ordered)
        {
            // The ORDER BY follows the whole set operation and lists every output column.
            Assert.True(q.Ordered);
            Assert.Matches(@"\) ORDER BY 1", q.Sql);
        }
    }

    [GeneratedRegex(@"GROUP BY 1(, \d)*\)")]
    private static partial Regex GroupByPositions();
}
