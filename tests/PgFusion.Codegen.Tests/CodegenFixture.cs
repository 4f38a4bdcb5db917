using Npgsql;
using PgFusion.Arrow;
using PgFusion.Codegen.Tests.Support;
using PgFusion.TestSupport;

namespace PgFusion.Codegen.Tests;

/// <summary>One database with the test tables at NULL densities 0, 50 and 100 %, and their batches.</summary>
public sealed class CodegenFixture : IDisposable
{
    public const int RowCount = 3000;

    private readonly Dictionary<(int, int), List<RecordBatch>> batches = [];

    public CodegenFixture()
    {
        PgServer.CreateDatabase("codegen_tests");
        Connection = PgServer.Open("codegen_tests");
        foreach (int density in new[] { 0, 50, 100 })
        {
            var table = new TestTable(TableName(density), TestTable.Generate(RowCount, density / 100.0, 1000 + density));
            table.Load(Connection);
            Tables[density] = table;
        }
        PgServer.Execute(Connection, "ANALYZE");
    }

    public NpgsqlConnection Connection { get; }

    public Dictionary<int, TestTable> Tables { get; } = [];

    public static string TableName(int density) => $"t{density}";

    public List<RecordBatch> Batches(int density, int size)
    {
        lock (batches)
        {
            if (!batches.TryGetValue((density, size), out var b))
            {
                b = Tables[density].Batches(size, Connection);
                batches[(density, size)] = b;
            }
            return b;
        }
    }

    public void Dispose() => Connection.Dispose();
}

/// <summary>Test classes sharing the one database (they would otherwise drop it under each other).</summary>
[Xunit.CollectionDefinition(Name)]
public sealed class CodegenCollection : Xunit.ICollectionFixture<CodegenFixture>
{
    public const string Name = "codegen database";
}
