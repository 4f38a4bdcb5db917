using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>
/// Schemas of 1 to 5 tables: every column type pg_fusion knows (and interval, which it may not),
/// nullable or not, narrow or wide; data uniform or skewed (few distinct values, many duplicates),
/// with edge values and NULLs at a per-column rate; empty, tiny, medium and multi-batch tables.
/// </summary>
public static class SchemaGen
{
    private static readonly (string SqlType, ColumnKind Kind)[] Types =
    [
        ("bool", ColumnKind.Bool), ("int2", ColumnKind.Int2), ("int4", ColumnKind.Int4), ("int4", ColumnKind.Int4),
        ("int8", ColumnKind.Int8), ("float4", ColumnKind.Float4), ("float8", ColumnKind.Float8),
        ("numeric", ColumnKind.Numeric), ("numeric(9,2)", ColumnKind.Numeric), ("numeric(15,2)", ColumnKind.Numeric),
        ("numeric(5,0)", ColumnKind.Numeric), ("numeric(20,6)", ColumnKind.Numeric), ("numeric(4,4)", ColumnKind.Numeric),
        ("text", ColumnKind.Text), ("text", ColumnKind.Text), ("varchar(3)", ColumnKind.Varchar), ("varchar(12)", ColumnKind.Varchar),
        ("char(1)", ColumnKind.Bpchar), ("char(4)", ColumnKind.Bpchar), ("date", ColumnKind.Date), ("timestamp", ColumnKind.Timestamp),
        ("interval", ColumnKind.Interval), ("time", ColumnKind.Time), ("timestamptz", ColumnKind.Timestamptz),
        ("uuid", ColumnKind.Uuid), ("bytea", ColumnKind.Bytea),
    ];

    /// <summary>A schema of <paramref name="minTables"/> to <paramref name="maxTables"/> tables.</summary>
    public static Gen<FuzzSchema> Schema(int minTables = 1, int maxTables = 5, int maxRows = 2500) =>
        Gen.Choose(minTables, maxTables).SelectMany(n =>
            Gen.CollectToArray(Enumerable.Range(1, n).Select(i => Table("t" + i, maxRows))))
            .Select(tables => new FuzzSchema(tables));

    public static Gen<FuzzTable> Table(string name, int maxRows) =>
        from columns in Columns()
        from rows in RowCount(maxRows)
        from data in TableRows(columns, rows)
        select new FuzzTable(name, columns, data);

    private static Gen<int> RowCount(int maxRows) => Gen.Frequency(
        (2, Gen.Constant(0)),
        (4, Gen.Choose(1, 5)),
        (8, Gen.Choose(6, 60)),
        (5, Gen.Choose(61, Math.Max(61, Math.Min(400, maxRows)))),
        (2, Gen.Choose(Math.Min(1000, maxRows), maxRows)));

    /// <summary>Optionally a unique `id`, then 1-3 (narrow) or 4-14 (wide) columns of random types.</summary>
    private static Gen<FuzzColumn[]> Columns() =>
        from hasId in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from count in Gen.Frequency((3, Gen.Choose(1, 3)), (2, Gen.Choose(4, 14)))
        from types in Gen.Elements(Types).ArrayOf(count)
        from nullable in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false))).ArrayOf(count)
        select (hasId ? new[] { new FuzzColumn("id", "int4", ColumnKind.Int4, false) } : [])
            .Concat(types.Select((t, i) => new FuzzColumn("c" + (i + 1), t.SqlType, t.Kind, nullable[i])))
            .ToArray();

    private static Gen<IReadOnlyList<string[]>> TableRows(FuzzColumn[] columns, int rows) =>
        Gen.CollectToArray(columns.Select(c => c.Name == "id"
                ? Gen.Shuffle(Enumerable.Range(1, rows).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray())
                    .Select(ids => ids.Select(ValueGen.Quote).ToArray())
                : ColumnValues(c).SelectMany(g => g.ArrayOf(rows))))
            .Select(cols => (IReadOnlyList<string[]>)Enumerable.Range(0, rows).Select(r => cols.Select(col => col[r]).ToArray()).ToArray());

    /// <summary>Chooses a distribution for the column, and returns the generator of its row values (SQL literals).</summary>
    private static Gen<Gen<string>> ColumnValues(FuzzColumn c) =>
        from skewed in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
        from pool in ValueGen.Ordinary(c).ArrayOf(4)
        from poolSize in Gen.Choose(1, 4)
        from specialPct in Gen.Elements(0, 0, 5, 20)
        from nullPct in c.Nullable ? Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Constant(10)), (2, Gen.Constant(40)), (1, Gen.Constant(100))) : Gen.Constant(0)
        select Values(c, skewed ? Gen.Frequency((9, Gen.Elements(pool.Take(poolSize).ToArray())), (1, ValueGen.Ordinary(c))) : ValueGen.Ordinary(c), specialPct, nullPct);

    private static Gen<string> Values(FuzzColumn c, Gen<string> ordinary, int specialPct, int nullPct)
    {
        var value = specialPct == 0 ? ordinary : Gen.Frequency((100 - specialPct, ordinary), (specialPct, ValueGen.Special(c)));
        var quoted = value.Select(ValueGen.Quote);
        if (nullPct == 0) return quoted;
        if (nullPct == 100) return Gen.Constant("NULL");
        return Gen.Frequency((nullPct, Gen.Constant("NULL")), (100 - nullPct, quoted));
    }
}
