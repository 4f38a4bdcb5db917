using PgFusion.HeapDecoder.Tests.Support;
using Xunit;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>The walking skeleton's types, with NULLs, alignment and both varlena header sizes, against PostgreSQL.</summary>
public sealed class SkeletonTypesTests(TypesDatabase db) : IClassFixture<TypesDatabase>
{
    [Fact]
    public void Skeleton_types_with_nulls_decode_as_PostgreSQL_reads_them()
    {
        db.Execute("""
            DROP TABLE IF EXISTS skel;
            CREATE TABLE skel (b bool, s int2, i int4, l int8, f4 float4, f8 float8, n numeric(15,2), nu numeric,
                               t text, v varchar(30), c char(5), d date, ts timestamp);
            INSERT INTO skel VALUES
              (true, 1, 2, 3, 1.5, 2.25, 12.34, 0.000001, 'a', 'bb', 'c', '2024-02-29', '2024-02-29 12:34:56.789'),
              (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (false, -32768, -2147483648, -9223372036854775808, '-Infinity', 'NaN', -9999999999999.99, 'NaN',
               repeat('x', 200), '', 'abcde', '-infinity', 'infinity'),
              (NULL, 7, NULL, 8, NULL, 9, NULL, -123456789012345678901234567890.123, NULL, 'v', NULL, '1999-12-31', NULL),
              (true, NULL, 5, NULL, 0.1, NULL, 0, NULL, 'ünïcödé', NULL, 'x', NULL, '1900-01-01 00:00:00.000001');
            INSERT INTO skel SELECT i % 2 = 0, i, i * 1000, i * 100000000000, i / 7.0, i / 3.0, i * 1.01, i / 13.0,
                                    repeat('t', i % 150), repeat('v', i % 30), repeat('c', i % 5), date '2000-01-01' + i, timestamp '2000-01-01' + i * interval '1 hour 1 second'
                             FROM generate_series(1, 2000) i;
            VACUUM FREEZE skel;
            """);
        int rows = DecodeCheck.Run(db.Connection, "skel");
        Assert.Equal(2005, rows);
    }

    [Fact]
    public void Only_requested_attributes_in_requested_order()
    {
        db.Execute("""
            DROP TABLE IF EXISTS proj;
            CREATE TABLE proj (a int4, b text, c int8, d numeric(10,3), e bool, f date);
            INSERT INTO proj SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE repeat('b', i % 200) END, i * 3, i / 7.0, i % 5 = 0, date '2020-01-01' + i FROM generate_series(1, 1500) i;
            VACUUM FREEZE proj;
            """);
        Assert.Equal(1500, DecodeCheck.Run(db.Connection, "proj", [6, 4, 1]));
        Assert.Equal(1500, DecodeCheck.Run(db.Connection, "proj", [3]));
        Assert.Equal(1500, DecodeCheck.Run(db.Connection, "proj", [2, 5]));
    }

    [Fact]
    public void All_types_decode_as_PostgreSQL_reads_them()
    {
        string cols = string.Join(", ", TypeCase.All.Select((t, i) => $"c{i} {t.SqlType}"));
        string values = string.Join(", ", TypeCase.All.Select(t => $"CASE WHEN random() < 0.2 THEN NULL ELSE {t.RandomExpr} END"));
        db.Execute($"""
            DROP TABLE IF EXISTS alltypes;
            CREATE TABLE alltypes ({cols});
            SELECT setseed(0.42);
            INSERT INTO alltypes SELECT {values} FROM generate_series(1, 1000);
            VACUUM FREEZE alltypes;
            """);
        Assert.Equal(1000, DecodeCheck.Run(db.Connection, "alltypes"));
    }
}
