namespace PgFusion.HeapDecoder.Tests.Support;

/// <summary>Every supported PostgreSQL type with a SQL expression producing random values of it (random() after setseed is reproducible).</summary>
public sealed record TypeCase(string SqlType, string RandomExpr)
{
    public static readonly IReadOnlyList<TypeCase> All =
    [
        new("bool", "random() < 0.5"),
        new("int2", "floor(random() * 65536 - 32768)::int2"),
        new("int4", "floor(random() * 4294967296 - 2147483648)::int4"),
        new("int8", "floor((random() - 0.5) * 1.8e19)::int8"),
        new("oid", "floor(random() * 4294967295)::int8::oid"),
        new("float4", "CASE WHEN random() < 0.05 THEN 'NaN'::float4 WHEN random() < 0.05 THEN '-Infinity'::float4 ELSE ((random() - 0.5) * 10 ^ (floor(random() * 20) - 10))::float4 END"),
        new("float8", "CASE WHEN random() < 0.05 THEN 'NaN'::float8 WHEN random() < 0.05 THEN 'Infinity'::float8 ELSE (random() - 0.5) * 10 ^ (floor(random() * 40) - 20) END"),
        new("numeric(15,2)", "CASE WHEN random() < 0.03 THEN 'NaN'::numeric ELSE round(((random() - 0.5) * 2e13)::numeric, 2) END"),
        new("numeric(38,10)", "round(((random() - 0.5) * 2e13)::numeric * 1e14 + (random() * 1e14)::numeric / 1e10, 10)"),
        new("numeric(6,-2)", "(floor((random() - 0.5) * 2e7))::numeric"),
        new("numeric", "CASE WHEN random() < 0.05 THEN 'NaN'::numeric WHEN random() < 0.05 THEN 'Infinity'::numeric WHEN random() < 0.05 THEN '-Infinity'::numeric "
            + "ELSE round((random() - 0.5)::numeric * 10::numeric ^ (floor(random() * 80) - 30)::int, floor(random() * 40)::int) END"),
        new("text", "repeat(md5(random()::text), floor(random() * 5)::int) || CASE WHEN random() < 0.3 THEN 'ü€😀' ELSE '' END"),
        new("varchar(40)", "left(md5(random()::text), floor(random() * 41)::int)"),
        new("char(12)", "left(md5(random()::text), floor(random() * 13)::int)"),
        new("char(1)", "chr(65 + floor(random() * 26)::int)"),
        new("name", "md5(random()::text)::name"),
        new("bytea", "decode(repeat(md5(random()::text), floor(random() * 3)::int), 'hex')"),
        new("uuid", "md5(random()::text)::uuid"),
        new("date", "CASE WHEN random() < 0.03 THEN 'infinity'::date WHEN random() < 0.03 THEN '-infinity'::date ELSE date '2000-01-01' + floor((random() - 0.5) * 2000000)::int END"),
        new("time", "time '00:00' + random() * interval '24 hours'"),
        new("timestamp", "CASE WHEN random() < 0.03 THEN 'infinity'::timestamp WHEN random() < 0.03 THEN '-infinity'::timestamp ELSE timestamp '2000-01-01' + (random() - 0.5) * interval '400 years' END"),
        new("timestamptz", "CASE WHEN random() < 0.03 THEN 'infinity'::timestamptz ELSE timestamptz '2000-01-01 00:00+00' + (random() - 0.5) * interval '400 years' END"),
        new("interval", "make_interval(months => floor((random() - 0.5) * 2000)::int, days => floor((random() - 0.5) * 2000)::int, secs => (random() - 0.5) * 1e7)"),
    ];
}
