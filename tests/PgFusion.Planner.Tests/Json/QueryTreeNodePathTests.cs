using System.Text;
using PgFusion.Planner.Json;
using Xunit;

namespace PgFusion.Planner.Tests.Json;

/// <summary>
/// <see cref="QueryTreeNode.Path"/> is worked out from where a value sits in its tree (nothing is
/// kept per field step while binding): the path of each field and item reached by Field, Optional,
/// List and Items, below the root "$" and below a written-out base path, with escaped and duplicate
/// property names, and in the errors the typed accessors raise.
/// </summary>
public sealed class QueryTreeNodePathTests
{
    private const string Json =
        "{\"node\":\"QUERY\",\"a\":1,\"targetList\":[{\"node\":\"TARGETENTRY\",\"expr\":{\"node\":\"VAR\",\"varno\":\"x\"}}," +
        "{\"node\":\"TARGETENTRY\",\"expr\":[[],[{\"deep\":[0,1,{\"k\":true}]}]]}]," +
        "\"dup\":{\"v\":1},\"dup\":{\"v\":[5,6]},\"n\\u0061me\":{\"in\":[null,\"s\"]},\"last\":null}";

    private static (QueryJsonTree Tree, QueryTreeNode Root) Parse(string path = "$")
    {
        var tree = QueryJsonTree.TryParse(Encoding.UTF8.GetBytes(Json)) ?? throw new InvalidOperationException("test JSON did not parse");
        return (tree, new QueryTreeNode(tree.Root, path));
    }

    [Fact]
    public void FieldsAndItemsNameTheirPlace()
    {
        var (tree, root) = Parse();
        using var _ = tree;
        Assert.Equal("$", root.Path);
        Assert.Equal("$.a", root.Field("a").Path);
        var targets = root.List("targetList");
        Assert.Equal("$.targetList[0].expr", targets[0].Field("expr").Path);
        Assert.Equal("$.targetList[0].expr.varno", targets[0].Field("expr").Field("varno").Path);
        var deep = targets[1].Field("expr").Items()[1].Items()[0].List("deep");
        Assert.Equal("$.targetList[1].expr[1][0].deep[2].k", deep[2].Field("k").Path);
        Assert.Equal("$.targetList[1].expr[1][0].deep[1]", deep[1].Path);
        // the last of duplicate names is the one read, and its path names it
        Assert.Equal("$.dup.v[1]", root.Field("dup").List("v")[1].Path);
        // an escaped name is written decoded, as the binder asks for it
        Assert.Equal("$.name.in[1]", root.Optional("name")!.Value.List("in")[1].Path);
        Assert.Null(root.Optional("last"));
    }

    [Fact]
    public void AWrittenOutBasePathPrefixesThePath()
    {
        var (tree, root) = Parse("$.relations[3].stats[0]");
        using var _ = tree;
        Assert.Equal("$.relations[3].stats[0]", root.Path);
        Assert.Equal("$.relations[3].stats[0].targetList[0].expr.varno", root.List("targetList")[0].Field("expr").Field("varno").Path);
        Assert.Equal("$.relations[3].stats[0].targetList[0].expr.varno", root.List("targetList")[0].Field("expr").Field("varno").PathSegment!.ToString());
    }

    [Fact]
    public void AccessorErrorsNameThePath()
    {
        var (tree, root) = Parse();
        using var _ = tree;
        var expr = root.List("targetList")[0].Field("expr");
        var wrongKind = Assert.Throws<QueryJsonException>(() => expr.Int32("varno"));
        Assert.Equal("$.targetList[0].expr.varno", wrongKind.JsonPath);
        var missing = Assert.Throws<QueryJsonException>(() => expr.Field("vartype"));
        Assert.Equal("$.targetList[0].expr", missing.JsonPath);
        Assert.Contains("missing field \"vartype\" of VAR", missing.Message);
        var notArray = Assert.Throws<QueryJsonException>(() => root.Field("dup").List("v")[0].Items());
        Assert.Equal("$.dup.v[0]", notArray.JsonPath);
    }
}
