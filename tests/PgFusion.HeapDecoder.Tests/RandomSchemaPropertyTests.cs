using FsCheck;
using FsCheck.Fluent;
using PgFusion.HeapDecoder.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>
/// Random schemas over every type, NULL densities 0/50/100%, random rows made by PostgreSQL
/// (setseed makes them reproducible): decoded pages equal SELECT, value for value.
/// Each case prints its schema and seed; FsCheck prints its Replay seed on failure.
/// </summary>
public sealed class RandomSchemaPropertyTests(PropertyDatabase db, ITestOutputHelper output) : IClassFixture<PropertyDatabase>
{
    public sealed record Case(int[] Types, int NullPercent, int Seed, int Rows, bool[] Requested)
    {
        public override string ToString() =>
            $"types [{string.Join(", ", Types.Select(t => TypeCase.All[t].SqlType))}], nulls {NullPercent}%, setseed {Seed}, rows {Rows}, requested [{string.Join(",", Requested.Select(r => r ? 1 : 0))}]";
    }

    private static readonly Gen<Case> Cases =
        from n in Gen.Choose(1, 12)
        from types in Gen.Choose(0, TypeCase.All.Count - 1).ArrayOf(n)
        from nulls in Gen.Elements(0, 50, 100)
        from seed in Gen.Choose(-1_000_000, 1_000_000)
        from rows in Gen.Choose(1, 600)
        from requested in Gen.Elements(true, false).ArrayOf(n)
        select new Case(types, nulls, seed, rows, requested);

    private int _table;

    [Fact]
    public void Random_schemas_decode_as_PostgreSQL_reads_them()
    {
        var property = Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            string table = $"prop_{_table++}";
            output.WriteLine($"{table}: {c}");
            string cols = string.Join(", ", c.Types.Select((t, i) => $"c{i} {TypeCase.All[t].SqlType}"));
            string values = string.Join(", ", c.Types.Select(t => $"CASE WHEN random() * 100 < {c.NullPercent} THEN NULL ELSE {TypeCase.All[t].RandomExpr} END"));
            db.Execute($"""
                DROP TABLE IF EXISTS {table};
                CREATE TABLE {table} ({cols});
                SELECT setseed({c.Seed} / 1000000.0);
                INSERT INTO {table} SELECT {values} FROM generate_series(1, {c.Rows});
                VACUUM FREEZE {table};
                """);
            Assert.Equal(c.Rows, DecodeCheck.Run(db.Connection, table));
            int[] subset = [.. Enumerable.Range(1, c.Types.Length).Where(a => c.Requested[a - 1]).Reverse()];
            if (subset.Length > 0) Assert.Equal(c.Rows, DecodeCheck.Run(db.Connection, table, subset));
            db.Execute($"DROP TABLE {table}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }
}
