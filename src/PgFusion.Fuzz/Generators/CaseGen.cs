using FsCheck;
using FsCheck.Fluent;

namespace PgFusion.Fuzz.Generators;

/// <summary>The top-level generators: a schema and queries over it.</summary>
public static class CaseGen
{
    public static Gen<FuzzCase> Case(FuzzOptions options) =>
        from schema in SchemaGen.Schema(1, options.MaxTables, options.MaxRows)
        from queries in QueryGen.Query(schema, options.SingleTableOnly).ArrayOf(options.QueriesPerCase)
        select new FuzzCase(schema, queries);

    public static Arbitrary<FuzzCase> Arbitrary(FuzzOptions options) => Arb.From(Case(options));

    /// <summary>Case <paramref name="index"/> of the campaign seeded with <paramref name="seed"/>: the same pair always gives the same case.</summary>
    public static FuzzCase Sample(FuzzOptions options, ulong seed, int index)
    {
        var rnd = new Rnd(Mix(seed + (ulong)index * 0x9E3779B97F4A7C15UL), 0x9E3779B97F4A7C15UL);
        return Case(options).Sample(50, rnd, 1)[0];
    }

    /// <summary>SplitMix64's finalizer, so consecutive indexes get unrelated streams.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
