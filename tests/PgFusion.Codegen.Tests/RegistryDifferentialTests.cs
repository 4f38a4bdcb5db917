using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Tests.Support;
using PgFusion.Codegen.Values;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;
using static PgFusion.Codegen.Tests.Support.Q;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Every function of <see cref="FunctionRegistry"/> that <see cref="DifferentialTests"/> and
/// <see cref="AggregateAndFunctionDifferentialTests"/> do not call: the mixed-width integer and
/// float operators, every comparison family, casts, string, math, date/time/interval and output
/// functions. Three ways, as the Codegen issue asks: the compiled plan vs PostgreSQL (rows as its
/// text output, errors as SQLSTATE + message) and the compiled projection kernel vs the row-at-a-time
/// <see cref="ReferenceEvaluator"/>, at batch sizes 1, 7, 1024 and 4096 and NULL densities 0, 50 and
/// 100 %. Raising functions run one per query (<see cref="ErrorCases"/>), so the first error is
/// the one PostgreSQL raises. <see cref="Every_registered_function_has_a_differential_case"/> keeps
/// the list complete when a function is added to the registry.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class RegistryDifferentialTests(CodegenFixture fixture, ITestOutputHelper output)
{
    private sealed record Case(string Name, BoundExpr Expr, string Sql);

    private static readonly PgType Int2 = PgType.Int2, Int4 = PgType.Int4, Int8 = PgType.Int8, Float4 = PgType.Float4,
        Float8 = PgType.Float8, Numeric = PgType.Numeric, TextT = PgType.Text, Bool = PgType.Bool, Date = PgType.Date,
        Timestamp = PgType.Timestamp, Interval = new(PgTypeOid.Interval), Bpchar5 = new(PgTypeOid.Bpchar, 9);

    private static readonly PgType Name = new(PgTypeOid.Name), Varchar = new(PgTypeOid.Varchar), Bpchar = new(PgTypeOid.Bpchar),
        Oid = new(PgTypeOid.Oid), Time = new(PgTypeOid.Time);

    /// <summary>INTERVAL_TYPMOD(precision, range): HOUR TO SECOND(1), and YEAR at full precision (datetime.h's field bits 10-12 and 2).</summary>
    private const int HourToSecond1 = (((1 << 10) | (1 << 11) | (1 << 12)) << 16) | 1, Year = ((1 << 2) << 16) | 0xFFFF;

    private static readonly string[] Ops = ["=", "<>", "<", "<=", ">", ">="];

    /// <summary>One comparison family: its six OIDs in the order of <see cref="Ops"/>.</summary>
    private static IEnumerable<Case> Comparisons(string family, uint[] oids, string[] names, BoundExpr left, BoundExpr right, string l, string r) =>
        oids.Select((oid, i) => new Case($"{family} {Ops[i]}", F(oid, names[i], Bool, left, right), $"{l} {Ops[i]} {r}"));

    private static string[] Names(string prefix) => [prefix + "eq", prefix + "ne", prefix + "lt", prefix + "le", prefix + "gt", prefix + "ge"];

    private static BoundExpr SinceY2k() => F(2031, "timestamp_mi", Interval, Col("ts"), K(0L, Timestamp));

    private const string SinceY2kSql = "(ts - timestamp '2000-01-01')";

    /// <summary>
    /// A float4 result of 10^6 or more widened to float8 (exactly) before it is compared as text:
    /// PostgreSQL's float4 shortest output excludes the rounding interval's bounds (1069439232 prints
    /// as 1.06943923e+09) while .NET's includes them (1.0694392e+09), so the text of the same value
    /// can differ; float8 text of the same exact value does not.
    /// </summary>
    private static BoundExpr Wide(BoundExpr float4) => F(311, "float8", Float8, float4);

    private static BoundExpr Epoch(BoundExpr interval) => F(6204, "extract", Numeric, K("epoch", TextT), interval);

    private static readonly Dictionary<string, Case[]> Families = new()
    {
        ["comparisons"] =
        [
            .. Comparisons("bool", [60, 84, 56, 1691, 57, 1692], ["booleq", "boolne", "boollt", "boolle", "boolgt", "boolge"], Col("b"), K(true, Bool), "b", "true"),
            .. Comparisons("int2", [63, 145, 64, 148, 146, 151], Names("int2"), Col("i2"), K((short)7, Int2), "i2", "7::int2"),
            .. Comparisons("int4", [65, 144, 66, 149, 147, 150], Names("int4"), Col("i4"), Col("id"), "i4", "id"),
            .. Comparisons("int24", [158, 164, 160, 166, 162, 168], Names("int24"), Col("i2"), Col("i4"), "i2", "i4"),
            .. Comparisons("int42", [159, 165, 161, 167, 163, 169], Names("int42"), Col("i4"), Col("i2"), "i4", "i2"),
            .. Comparisons("int8", [467, 468, 469, 471, 470, 472], Names("int8"), Col("i8"), K(-5L, Int8), "i8", "(-5)::int8"),
            .. Comparisons("int84", [474, 475, 476, 478, 477, 479], Names("int84"), Col("i8"), Col("i4"), "i8", "i4"),
            .. Comparisons("int48", [852, 853, 854, 856, 855, 857], Names("int48"), Col("i4"), Col("i8"), "i4", "i8"),
            .. Comparisons("int28", [1850, 1851, 1852, 1854, 1853, 1855], Names("int28"), Col("i2"), Col("i8"), "i2", "i8"),
            .. Comparisons("int82", [1856, 1857, 1858, 1860, 1859, 1861], Names("int82"), Col("i8"), Col("i2"), "i8", "i2"),
            .. Comparisons("float4", [287, 288, 289, 290, 291, 292], Names("float4"), Col("f4"), K(1.5f, Float4), "f4", "1.5::float4"),
            .. Comparisons("float8", [293, 294, 295, 296, 297, 298], Names("float8"), Col("f8"), K(double.NaN, Float8), "f8", "'NaN'::float8"),
            .. Comparisons("float48", [299, 300, 301, 302, 303, 304], Names("float48"), Col("f4"), Col("f8"), "f4", "f8"),
            .. Comparisons("float84", [305, 306, 307, 308, 309, 310], Names("float84"), Col("f8"), Col("f4"), "f8", "f4"),
            .. Comparisons("numeric", [1718, 1719, 1722, 1723, 1720, 1721], ["numeric_eq", "numeric_ne", "numeric_lt", "numeric_le", "numeric_gt", "numeric_ge"], Col("n"), Col("n2"), "n", "n2"),
            .. Comparisons("text", [67, 157, 740, 741, 742, 743], ["texteq", "textne", "text_lt", "text_le", "text_gt", "text_ge"], Col("s"), K("cherry", TextT), "s", "'cherry' COLLATE \"C\""),
            .. Comparisons("bpchar", [1048, 1053, 1049, 1050, 1051, 1052], Names("bpchar"), Col("bp"), K("fig", Bpchar5), "bp", "'fig'::char(5) COLLATE \"C\""),
            .. Comparisons("date", [1086, 1091, 1087, 1088, 1089, 1090], ["date_eq", "date_ne", "date_lt", "date_le", "date_gt", "date_ge"], Col("d"), K(0, Date), "d", "date '2000-01-01'"),
            .. Comparisons("timestamp", [2052, 2053, 2054, 2055, 2057, 2056], ["timestamp_eq", "timestamp_ne", "timestamp_lt", "timestamp_le", "timestamp_gt", "timestamp_ge"], Col("ts"), K(0L, Timestamp), "ts", "timestamp '2000-01-01'"),
            // no timestamptz column in TestTable: ts read as the timestamptz with the same stored instant (AT TIME ZONE 'UTC'), which the comparison sees as the same int64
            .. Comparisons("timestamptz", [1152, 1153, 1154, 1155, 1157, 1156], ["timestamptz_eq", "timestamptz_ne", "timestamptz_lt", "timestamptz_le", "timestamptz_gt", "timestamptz_ge"], Col("ts"), K(0L, Timestamp), "(ts AT TIME ZONE 'UTC')", "timestamptz '2000-01-01 00:00:00+00'"),
            .. Comparisons("date_timestamp", [2340, 2343, 2338, 2339, 2341, 2342], ["date_eq_timestamp", "date_ne_timestamp", "date_lt_timestamp", "date_le_timestamp", "date_gt_timestamp", "date_ge_timestamp"], Col("d"), Col("ts"), "d", "ts"),
            .. Comparisons("timestamp_date", [2366, 2369, 2364, 2365, 2367, 2368], ["timestamp_eq_date", "timestamp_ne_date", "timestamp_lt_date", "timestamp_le_date", "timestamp_gt_date", "timestamp_ge_date"], Col("ts"), Col("d"), "ts", "d"),
            .. Comparisons("interval", [1162, 1163, 1164, 1165, 1167, 1166], ["interval_eq", "interval_ne", "interval_lt", "interval_le", "interval_gt", "interval_ge"], SinceY2k(), K(new PgInterval(43_200_000_000, 3650, 0), Interval), SinceY2kSql, "interval '3650 days 12:00'"),
        ],
        ["integer arithmetic"] =
        [
            new("int2pl", F(176, "int2pl", Int2, Col("i2"), Col("i2")), "i2 + i2"),
            new("int2mi", F(180, "int2mi", Int2, Col("i2"), K((short)7, Int2)), "i2 - 7::int2"),
            new("int2mul", F(152, "int2mul", Int2, Col("i2"), K((short)3, Int2)), "i2 * 3::int2"),
            new("int2div", F(153, "int2div", Int2, Col("i2"), K((short)-7, Int2)), "i2 / (-7)::int2"),
            new("int2um", F(213, "int2um", Int2, Col("i2")), "-i2"),
            new("int2up", F(1911, "int2up", Int2, Col("i2")), "+i2"),
            new("mod int2", F(940, "mod", Int2, Col("i2"), K((short)7, Int2)), "mod(i2, 7::int2)"),
            new("int4pl", F(177, "int4pl", Int4, Col("i4"), K(1, Int4)), "i4 + 1"),
            new("int4mi", F(181, "int4mi", Int4, Col("i4"), Col("id")), "i4 - id"),
            new("int4um", F(212, "int4um", Int4, Col("i4")), "-i4"),
            new("int4up", F(1912, "int4up", Int4, Col("i4")), "+i4"),
            new("mod int4", F(941, "mod", Int4, Col("i4"), K(-7, Int4)), "mod(i4, -7)"),
            new("int24pl", F(178, "int24pl", Int4, Col("i2"), Col("i4")), "i2 + i4"),
            new("int24mi", F(182, "int24mi", Int4, Col("i2"), K(5, Int4)), "i2 - 5"),
            new("int24mul", F(170, "int24mul", Int4, Col("i2"), K(1000, Int4)), "i2 * 1000"),
            new("int24div", F(172, "int24div", Int4, Col("i2"), K(7, Int4)), "i2 / 7"),
            new("int42mi", F(183, "int42mi", Int4, Col("i4"), Col("i2")), "i4 - i2"),
            new("int42mul", F(171, "int42mul", Int4, F(156, "int4mod", Int4, Col("i4"), K(1000, Int4)), Col("i2")), "(i4 % 1000) * i2"),
            new("int42div", F(173, "int42div", Int4, Col("i4"), K((short)7, Int2)), "i4 / 7::int2"),
            new("int8pl", F(463, "int8pl", Int8, Col("i8"), Col("i8")), "i8 + i8"),
            new("int8mi", F(464, "int8mi", Int8, Col("i8"), K(3L, Int8)), "i8 - 3::int8"),
            new("int8div", F(466, "int8div", Int8, Col("i8"), K(-7L, Int8)), "i8 / (-7)::int8"),
            new("int8mod", F(945, "int8mod", Int8, Col("i8"), K(7L, Int8)), "i8 % 7::int8"),
            new("mod int8", F(947, "mod", Int8, Col("i8"), K(-7L, Int8)), "mod(i8, (-7)::int8)"),
            new("int8um", F(462, "int8um", Int8, Col("i8")), "-i8"),
            new("int8up", F(1910, "int8up", Int8, Col("i8")), "+i8"),
            new("int84pl", F(1274, "int84pl", Int8, Col("i8"), Col("i4")), "i8 + i4"),
            new("int84mi", F(1275, "int84mi", Int8, Col("i8"), Col("i4")), "i8 - i4"),
            new("int84div", F(1277, "int84div", Int8, Col("i8"), K(7, Int4)), "i8 / 7"),
            new("int48pl", F(1278, "int48pl", Int8, Col("i4"), Col("i8")), "i4 + i8"),
            new("int48mul", F(1280, "int48mul", Int8, K(7, Int4), Col("i8")), "7 * i8"),
            new("int48div", F(1281, "int48div", Int8, Col("i4"), Col("i8")), "i4 / i8"),
            new("int82pl", F(837, "int82pl", Int8, Col("i8"), Col("i2")), "i8 + i2"),
            new("int82mi", F(838, "int82mi", Int8, Col("i8"), Col("i2")), "i8 - i2"),
            new("int82mul", F(839, "int82mul", Int8, Col("i8"), Col("i2")), "i8 * i2"),
            new("int82div", F(840, "int82div", Int8, Col("i8"), K((short)7, Int2)), "i8 / 7::int2"),
            new("int28pl", F(841, "int28pl", Int8, Col("i2"), Col("i8")), "i2 + i8"),
            new("int28mi", F(942, "int28mi", Int8, Col("i2"), Col("i8")), "i2 - i8"),
            new("int28mul", F(943, "int28mul", Int8, Col("i2"), Col("i8")), "i2 * i8"),
            new("int28div", F(948, "int28div", Int8, Col("i2"), Col("i8")), "i2 / i8"),
            new("abs int2", F(1398, "abs", Int2, Col("i2")), "abs(i2)"),
            new("int2abs", F(1253, "int2abs", Int2, Col("i2")), "int2abs(i2)"),
            new("int4abs", F(1251, "int4abs", Int4, Col("i4")), "int4abs(i4)"),
            new("abs int8", F(1396, "abs", Int8, Col("i8")), "abs(i8)"),
            new("int8abs", F(1230, "int8abs", Int8, Col("i8")), "int8abs(i8)"),
        ],
        ["float arithmetic"] =
        [
            new("float4pl", F(204, "float4pl", Float4, Col("f4"), Col("f4")), "f4 + f4"),
            new("float4mi", F(205, "float4mi", Float4, Col("f4"), K(0.25f, Float4)), "f4 - 0.25::float4"),
            new("float4mul", F(202, "float4mul", Float4, Col("f4"), Col("f4")), "f4 * f4"),
            new("float4div", F(203, "float4div", Float4, Col("f4"), K(3f, Float4)), "f4 / 3::float4"),
            new("float4um", F(206, "float4um", Float4, Col("f4")), "-f4"),
            new("float4up", F(1913, "float4up", Float4, Col("f4")), "+f4"),
            new("float4abs", F(207, "float4abs", Float4, Col("f4")), "float4abs(f4)"),
            new("abs float4", F(1394, "abs", Float4, Col("f4")), "abs(f4)"),
            new("float8mi", F(219, "float8mi", Float8, Col("f8"), Col("f8")), "f8 - f8"),
            new("float8mul", F(216, "float8mul", Float8, Col("f8"), Col("f8")), "f8 * f8"),
            new("float8um", F(220, "float8um", Float8, Col("f8")), "-f8"),
            new("float8up", F(1914, "float8up", Float8, Col("f8")), "+f8"),
            new("float8abs", F(221, "float8abs", Float8, Col("f8")), "float8abs(f8)"),
            new("abs float8", F(1395, "abs", Float8, Col("f8")), "abs(f8)"),
            new("float48pl", F(281, "float48pl", Float8, Col("f4"), Col("f8")), "f4 + f8"),
            new("float48mi", F(282, "float48mi", Float8, Col("f4"), Col("f8")), "f4 - f8"),
            new("float48mul", F(279, "float48mul", Float8, Col("f4"), Col("f8")), "f4 * f8"),
            new("float48div", F(280, "float48div", Float8, Col("f4"), K(7.0, Float8)), "f4 / 7::float8"),
            new("float84pl", F(285, "float84pl", Float8, Col("f8"), Col("f4")), "f8 + f4"),
            new("float84mi", F(286, "float84mi", Float8, Col("f8"), Col("f4")), "f8 - f4"),
            new("float84mul", F(283, "float84mul", Float8, Col("f8"), Col("f4")), "f8 * f4"),
            new("float84div", F(284, "float84div", Float8, Col("f8"), K(3f, Float4)), "f8 / 3::float4"),
            new("round float8", F(1342, "round", Float8, Col("f8")), "round(f8)"),
            new("trunc float8", F(1343, "trunc", Float8, Col("f8")), "trunc(f8)"),
            new("ceil float8", F(2308, "ceil", Float8, Col("f8")), "ceil(f8)"),
            new("ceiling float8", F(2320, "ceiling", Float8, Col("f8")), "ceiling(f8)"),
            new("floor float8", F(2309, "floor", Float8, Col("f8")), "floor(f8)"),
        ],
        ["numeric"] =
        [
            new("numeric_sub", F(1725, "numeric_sub", Numeric, Col("n"), Col("n2")), "n - n2"),
            new("numeric_mod", F(1729, "numeric_mod", Numeric, Col("n2"), K(new PgNumeric(7, 0), Numeric)), "n2 % 7::numeric"),
            new("mod numeric", F(1728, "mod", Numeric, Col("n"), K(new PgNumeric(-35, 1), Numeric)), "mod(n, -3.5)"),
            new("numeric_uminus", F(1771, "numeric_uminus", Numeric, Col("n")), "-n"),
            new("numeric_uplus", F(1915, "numeric_uplus", Numeric, Col("n2")), "+n2"),
            new("numeric_abs", F(1704, "numeric_abs", Numeric, Col("n")), "numeric_abs(n)"),
            new("abs numeric", F(1705, "abs", Numeric, Col("n2")), "abs(n2)"),
            new("round numeric", F(1708, "round", Numeric, Col("n")), "round(n)"),
            new("trunc numeric", F(1710, "trunc", Numeric, Col("n")), "trunc(n)"),
            new("floor numeric", F(1712, "floor", Numeric, Col("n")), "floor(n)"),
            new("ceiling numeric", F(2167, "ceiling", Numeric, Col("n2")), "ceiling(n2)"),
            new("numeric typmod", F(1703, "numeric", new PgType(PgTypeOid.Numeric, ((20 << 16) | 1) + 4), Col("n2"), K(((20 << 16) | 1) + 4, Int4)), "n2::numeric(20,1)"),
            new("numeric(int4)", F(1740, "numeric", Numeric, Col("i4")), "i4::numeric"),
            new("numeric(int8)", F(1781, "numeric", Numeric, Col("i8")), "i8::numeric"),
            new("numeric(int2)", F(1782, "numeric", Numeric, Col("i2")), "i2::numeric"),
            new("numeric(float4)", F(1742, "numeric", Numeric, Col("f4")), "f4::numeric"),
            new("float4(numeric)", Wide(F(1745, "float4", Float4, Col("n"))), "n::float4::float8"),
            new("int8(numeric)", F(1779, "int8", Int8, Col("n2")), "n2::int8"),
            new("int2(numeric)", F(1783, "int2", Int2, F(1782, "numeric", Numeric, Col("i2"))), "i2::numeric::int2"),
        ],
        ["casts"] =
        [
            new("float8(int2)", F(235, "float8", Float8, Col("i2")), "i2::float8"),
            new("float4(int2)", F(236, "float4", Float4, Col("i2")), "i2::float4"),
            new("float4(float8)", F(312, "float4", Float4, Col("f8")), "f8::float4"),
            new("int2(int4)", F(314, "int2", Int2, F(156, "int4mod", Int4, Col("i4"), K(1000, Int4))), "(i4 % 1000)::int2"),
            new("float8(int4)", F(316, "float8", Float8, Col("i4")), "i4::float8"),
            new("float4(int4)", Wide(F(318, "float4", Float4, Col("i4"))), "i4::float4::float8"),
            new("int4(int8)", F(480, "int4", Int4, F(945, "int8mod", Int8, Col("i8"), K(100000L, Int8))), "(i8 % 100000::int8)::int4"),
            new("int8(int4)", F(481, "int8", Int8, Col("i4")), "i4::int8"),
            new("float8(int8)", F(482, "float8", Float8, Col("i8")), "i8::float8"),
            new("float4(int8)", Wide(F(652, "float4", Float4, Col("i8"))), "i8::float4::float8"),
            new("int2(int8)", F(714, "int2", Int2, F(945, "int8mod", Int8, Col("i8"), K(1000L, Int8))), "(i8 % 1000::int8)::int2"),
            new("int8(int2)", F(754, "int8", Int8, Col("i2")), "i2::int8"),
            new("bool(int4)", F(2557, "bool", Bool, Col("i4")), "i4::bool"),
            new("int4(bool)", F(2558, "int4", Int4, Col("b")), "b::int4"),
            new("int8(float4)", F(653, "int8", Int8, Col("f4")), "f4::int8"),
            new("int4(float4)", F(319, "int4", Int4, Col("f4")), "f4::int4"),
            new("int2(float4)", F(238, "int2", Int2, Col("f4")), "f4::int2"),
            new("int8(float8)", F(483, "int8", Int8, F(311, "float8", Float8, Col("f4"))), "f4::float8::int8"),
            new("int4(float8)", F(317, "int4", Int4, F(216, "float8mul", Float8, F(311, "float8", Float8, Col("f4")), K(0.25, Float8))), "(f4::float8 * 0.25::float8)::int4"),
            new("int2(float8)", F(237, "int2", Int2, F(311, "float8", Float8, Col("f4"))), "f4::float8::int2"),
            new("int2out", F(39, "int2out", TextT, Col("i2")), "i2::text"),
            new("int4out", F(43, "int4out", TextT, Col("i4")), "i4::text"),
            new("int8out", F(461, "int8out", TextT, Col("i8")), "i8::text"),
            new("numeric_out", F(1702, "numeric_out", TextT, Col("n")), "n::text"),
            new("text(bool)", F(2971, "text", TextT, Col("b")), "b::text"),
            new("float4out", F(201, "float4out", TextT, Col("f4"), K(1, Int4)), "f4::text"),
            new("float8out", F(215, "float8out", TextT, Col("f8"), K(1, Int4)), "f8::text"),
            new("date_out", F(1085, "date_out", TextT, Col("d"), K(0, Int4)), "d::text"),
            new("timestamp_out", F(1313, "timestamp_out", TextT, Col("ts"), K(0, Int4)), "ts::text"),
            new("name(text), text(name)", F(406, "text", TextT, F(407, "name", Name, Col("s"))), "s::name::text"),
            new("name(varchar), varchar(name)", F(1401, "varchar", Varchar, F(1400, "name", Name, new BoundRelabel(Col("s"), Varchar))), "s::varchar::name::varchar"),
            new("name(bpchar), bpchar(name)", F(408, "bpchar", Bpchar, F(409, "name", Name, Col("bp"))), "bp::name::bpchar"),
            new("oid(int8), int8(oid)", F(1288, "int8", Int8, F(1287, "oid", Oid, F(1396, "abs", Int8, F(945, "int8mod", Int8, Col("i8"), K(1_000_000_000L, Int8))))), "abs(i8 % 1000000000::int8)::oid::int8"),
        ],
        ["text"] =
        [
            new("strpos", F(868, "strpos", Int4, Col("s"), K("a", TextT)), "strpos(s, 'a')"),
            new("ltrim chars", F(875, "ltrim", TextT, Col("s"), K("ae", TextT)), "ltrim(s, 'ae')"),
            new("rtrim chars", F(876, "rtrim", TextT, Col("s"), K("e ", TextT)), "rtrim(s, 'e ')"),
            new("ltrim", F(881, "ltrim", TextT, F(1258, "textcat", TextT, K("  ", TextT), Col("s"))), "ltrim('  ' || s)"),
            new("rtrim", F(882, "rtrim", TextT, Col("s")), "rtrim(s)"),
            new("btrim", F(885, "btrim", TextT, F(1258, "textcat", TextT, K(" ", TextT), Col("s"))), "btrim(' ' || s)"),
            new("substr", F(877, "substr", TextT, Col("s"), K(-1, Int4), K(4, Int4)), "substr(s, -1, 4)"),
            new("substr from", F(883, "substr", TextT, Col("s"), K(3, Int4)), "substr(s, 3)"),
            new("substring from", F(937, "substring", TextT, Col("s"), Col("i2")), "substring(s FROM i2::int4)"),
            new("left", F(3060, "left", TextT, Col("s"), Col("i2")), "left(s, i2::int4)"),
            new("right", F(3061, "right", TextT, Col("s"), Col("i2")), "right(s, i2::int4)"),
            new("left negative", F(3060, "left", TextT, Col("s"), K(-2, Int4)), "left(s, -2)"),
            new("right negative", F(3061, "right", TextT, Col("s"), K(-3, Int4)), "right(s, -3)"),
            new("right int4 min", F(3061, "right", TextT, Col("s"), K(int.MinValue, Int4)), "right(s, (-2147483648)::int4)"),
            new("left int4 max", F(3060, "left", TextT, Col("s"), K(int.MaxValue, Int4)), "left(s, 2147483647)"),
            new("bpcharlike", F(1631, "bpcharlike", Bool, Col("bp"), K("a%", TextT)), "bp LIKE 'a%'"),
            new("bpcharnlike", F(1632, "bpcharnlike", Bool, Col("bp"), K("%e", TextT)), "bp NOT LIKE '%e'"),
            new("texticnlike", F(1634, "texticnlike", Bool, Col("s"), K("%E%", TextT)), "s NOT ILIKE '%E%'"),
            new("bpchariclike", F(1660, "bpchariclike", Bool, Col("bp"), K("F_G", TextT)), "bp ILIKE 'F_G'"),
            new("bpcharicnlike", F(1661, "bpcharicnlike", Bool, Col("bp"), K("%IG%", TextT)), "bp NOT ILIKE '%IG%'"),
            new("like_escape", F(850, "textlike", Bool, Col("s"), F(1637, "like_escape", TextT, K("%#_%", TextT), K("#", TextT))), "s LIKE '%#_%' ESCAPE '#'"),
            new("ilike escape", F(1633, "texticlike", Bool, Col("s"), F(1637, "like_escape", TextT, K("A#%%", TextT), K("#", TextT))), "s ILIKE 'A#%%' ESCAPE '#'"),
            new("like empty escape", F(850, "textlike", Bool, Col("s"), F(1637, "like_escape", TextT, K("a\\%%", TextT), K("", TextT))), "s LIKE 'a\\%%' ESCAPE ''"),
            new("character_length text", F(1369, "character_length", Int4, Col("s")), "character_length(s)"),
            new("char_length text", F(1381, "char_length", Int4, Col("s")), "char_length(s)"),
            new("character_length bpchar", F(1367, "character_length", Int4, Col("bp")), "character_length(bp)"),
            new("char_length bpchar", F(1372, "char_length", Int4, Col("bp")), "char_length(bp)"),
            new("octet_length text", F(1374, "octet_length", Int4, Col("s")), "octet_length(s)"),
            new("octet_length bpchar", F(1375, "octet_length", Int4, Col("bp")), "octet_length(bp)"),
            new("text(bpchar)", F(401, "text", TextT, Col("bp")), "bp::text"),
            new("bpchar typmod", F(668, "bpchar", new PgType(PgTypeOid.Bpchar, 7), Text(Col("s")), K(7, Int4), K(true, Bool)), "s::char(3)"),
            new("varchar typmod", F(669, "varchar", new PgType(PgTypeOid.Varchar, 7), new BoundRelabel(Col("s"), new PgType(PgTypeOid.Varchar)), K(7, Int4), K(true, Bool)), "s::varchar(3)"),
        ],
        ["date and interval"] =
        [
            new("date_mii", F(1142, "date_mii", Date, Col("d"), K(45, Int4)), "d - 45"),
            new("integer_pl_date", F(2550, "integer_pl_date", Date, K(30, Int4), Col("d")), "30 + d"),
            new("timestamp(date)", F(2024, "timestamp", Timestamp, Col("d")), "d::timestamp"),
            new("date(timestamp)", F(2029, "date", Date, Col("ts")), "ts::date"),
            new("date_part date", F(1384, "date_part", Float8, K("dow", TextT), Col("d")), "date_part('dow', d)"),
            new("timestamp_mi", Epoch(SinceY2k()), $"extract(epoch FROM {SinceY2kSql})"),
            new("extract interval", F(6204, "extract", Numeric, K("hour", TextT), SinceY2k()), $"extract(hour FROM {SinceY2kSql})"),
            new("date_part interval", F(1172, "date_part", Float8, K("day", TextT), SinceY2k()), $"date_part('day', {SinceY2kSql})"),
            new("timestamp_pl_interval", F(2032, "timestamp_pl_interval", Timestamp, Col("ts"), K(new PgInterval(1_000, 31, 13), Interval)), "ts + interval '1 year 1 month 31 days 0.001 seconds'"),
            new("timestamp_mi_interval", F(2033, "timestamp_mi_interval", Timestamp, Col("ts"), K(new PgInterval(-5_000_000, 1, 1), Interval)), "ts - interval '1 month 1 day -5 seconds'"),
            new("date_mi_interval", F(2072, "date_mi_interval", Timestamp, Col("d"), K(new PgInterval(0, 0, 1), Interval)), "d - interval '1 month'"),
            new("interval_pl", Epoch(F(1169, "interval_pl", Interval, SinceY2k(), K(new PgInterval(7_200_000_000, -3, 2), Interval))), $"extract(epoch FROM {SinceY2kSql} + interval '2 mons -3 days 02:00')"),
            new("interval_mi", F(2032, "timestamp_pl_interval", Timestamp, K(0L, Timestamp), F(1170, "interval_mi", Interval, SinceY2k(), K(new PgInterval(1, 1, 1), Interval))), $"timestamp '2000-01-01' + ({SinceY2kSql} - interval '1 mon 1 day 0.000001 seconds')"),
            new("interval_um", Epoch(F(1168, "interval_um", Interval, SinceY2k())), $"extract(epoch FROM -{SinceY2kSql})"),
            new("interval_mul", Epoch(F(1618, "interval_mul", Interval, K(new PgInterval(7_200_000_000, 1, 1), Interval), F(311, "float8", Float8, Col("f4")))), "extract(epoch FROM interval '1 mon 1 day 02:00' * f4::float8)"),
            new("mul_d_interval", F(1172, "date_part", Float8, K("day", TextT), F(1624, "mul_d_interval", Interval, F(311, "float8", Float8, Col("f4")), K(new PgInterval(0, 0, 1), Interval))), "date_part('day', f4::float8 * interval '1 mon')"),
            new("interval_div", Epoch(F(1326, "interval_div", Interval, SinceY2k(), K(7.0, Float8))), $"extract(epoch FROM {SinceY2kSql} / 7::float8)"),
            new("time(timestamp), interval(time)", Epoch(F(1370, "interval", Interval, F(1316, "time", Time, Col("ts")))), "extract(epoch FROM ts::time::interval)"),
            new("time(interval)", Epoch(F(1370, "interval", Interval, F(1419, "time", Time, SinceY2k()))), $"extract(epoch FROM {SinceY2kSql}::time::interval)"),
            new("time(time, 2)", Epoch(F(1370, "interval", Interval, F(1968, "time", new PgType(PgTypeOid.Time, 2), F(1316, "time", Time, Col("ts")), K(2, Int4)))), "extract(epoch FROM ts::time(2)::interval)"),
            new("timestamp(timestamp, 0)", F(1961, "timestamp", new PgType(PgTypeOid.Timestamp, 0), Col("ts"), K(0, Int4)), "ts::timestamp(0)"),
            new("interval(interval, hour to second(1))", Epoch(F(1200, "interval", new PgType(PgTypeOid.Interval, HourToSecond1), SinceY2k(), K(HourToSecond1, Int4))), $"extract(epoch FROM {SinceY2kSql}::interval hour to second(1))"),
            new("interval(interval, year)", Epoch(F(1200, "interval", new PgType(PgTypeOid.Interval, Year), F(1169, "interval_pl", Interval, SinceY2k(), K(new PgInterval(0, 0, 30), Interval)), K(Year, Int4))), $"extract(epoch FROM ({SinceY2kSql} + interval '30 mons')::interval year)"),
        ],
    };

    /// <summary>Functions that raise in these data: one per query, compared with PostgreSQL's error (or rows where nothing raises, e.g. all NULLs).</summary>
    private static readonly Case[] ErrorCases =
    [
        new("int2mul overflow", F(152, "int2mul", Int2, Col("i2"), K((short)200, Int2)), "i2 * 200::int2"),
        new("int2pl overflow", F(176, "int2pl", Int2, Col("i2"), K((short)32700, Int2)), "i2 + 32700::int2"),
        new("int2mi overflow", F(180, "int2mi", Int2, Col("i2"), K((short)32700, Int2)), "i2 - 32700::int2"),
        new("int4pl overflow", F(177, "int4pl", Int4, Col("i4"), K(int.MaxValue, Int4)), "i4 + 2147483647"),
        new("int8mul overflow", F(465, "int8mul", Int8, Col("i8"), Col("i8")), "i8 * i8"),
        new("int8pl overflow", F(463, "int8pl", Int8, Col("i8"), K(long.MaxValue - 10, Int8)), "i8 + 9223372036854775797::int8"),
        new("int2(int4) overflow", F(314, "int2", Int2, Col("i4")), "i4::int2"),
        new("int4(int8) overflow", F(480, "int4", Int4, Col("i8")), "i8::int4"),
        new("int2(int8) overflow", F(714, "int2", Int2, Col("i8")), "i8::int2"),
        new("int2div by zero", F(153, "int2div", Int2, Col("i2"), K((short)0, Int2)), "i2 / 0::int2"),
        new("int8div by zero", F(466, "int8div", Int8, Col("i8"), K(0L, Int8)), "i8 / 0::int8"),
        new("int8mod by zero", F(945, "int8mod", Int8, Col("i8"), K(0L, Int8)), "i8 % 0::int8"),
        new("int82div by zero", F(840, "int82div", Int8, Col("i8"), F(180, "int2mi", Int2, Col("i2"), Col("i2"))), "i8 / (i2 - i2)"),
        new("float8div by zero", F(217, "float8div", Float8, Col("f4"), K(0.0, Float8)), "f4::float8 / 0::float8"),
        new("float4div by zero", F(203, "float4div", Float4, Col("f4"), K(0f, Float4)), "f4 / 0::float4"),
        new("float8mul overflow", F(216, "float8mul", Float8, Col("f4"), K(1e308, Float8)), "f4::float8 * 1e308::float8"),
        new("numeric_mod by zero", F(1729, "numeric_mod", Numeric, Col("n2"), K(new PgNumeric(0, 0), Numeric)), "n2 % 0::numeric"),
        new("numeric typmod overflow", F(1703, "numeric", new PgType(PgTypeOid.Numeric, ((5 << 16) | 2) + 4), Col("n2"), K(((5 << 16) | 2) + 4, Int4)), "n2::numeric(5,2)"),
        new("int8(numeric) of NaN and infinity", F(1779, "int8", Int8, Col("n")), "n::int8"),
        new("int2(numeric) overflow", F(1783, "int2", Int2, Col("n2")), "n2::int2"),
        new("int8(float8) of NaN and infinity", F(483, "int8", Int8, Col("f8")), "f8::int8"),
        new("int4(float8) overflow", F(317, "int4", Int4, F(216, "float8mul", Float8, Col("f8"), K(1e7, Float8))), "(f8 * 1e7::float8)::int4"),
        new("int2(float8) overflow", F(237, "int2", Int2, F(216, "float8mul", Float8, Col("f8"), K(100.0, Float8))), "(f8 * 100::float8)::int2"),
        new("int2(float4) overflow", F(238, "int2", Int2, F(202, "float4mul", Float4, Col("f4"), K(1000f, Float4))), "(f4 * 1000::float4)::int2"),
        new("int4(float4) overflow", F(319, "int4", Int4, F(202, "float4mul", Float4, Col("f4"), K(1e8f, Float4))), "(f4 * 1e8::float4)::int4"),
        new("int8(float4) overflow", F(653, "int8", Int8, F(202, "float4mul", Float4, Col("f4"), K(1e18f, Float4))), "(f4 * 1e18::float4)::int8"),
        new("negative substring length", F(877, "substr", TextT, Col("s"), K(1, Int4), F(180, "int2mi", Int2, Col("i2"), K((short)0, Int2))), "substr(s, 1, (i2 - 0::int2)::int4)"),
        new("date_pli out of range", F(1141, "date_pli", Date, Col("d"), K(2_147_000_000, Int4)), "d + 2147000000"),
        new("timestamp_pl_interval out of range", F(2032, "timestamp_pl_interval", Timestamp, Col("ts"), K(new PgInterval(0, 0, 3_600_000), Interval)), "ts + interval '300000 years'"),
        new("interval_mul of NaN and infinity", Epoch(F(1618, "interval_mul", Interval, K(new PgInterval(0, 1, 0), Interval), Col("f8"))), "extract(epoch FROM interval '1 day' * f8)"),
        new("oid(int8) out of range", F(1288, "int8", Int8, F(1287, "oid", Oid, Col("i8"))), "i8::oid::int8"),
        new("int4um of the minimum", F(212, "int4um", Int4, F(181, "int4mi", Int4, K(int.MinValue + 1, Int4), F(2558, "int4", Int4, Col("b")))), "-((-2147483647) - b::int4)"),
    ];

    /// <summary>Registered functions this class does not call, and where each is tested instead.</summary>
    private static readonly Dictionary<uint, string> CoveredElsewhere = new()
    {
        [31] = "byteaout: no bytea column in TestTable; tests/sql/kernels/text_output.slt (b::text)",
        [1799] = "oidout: no oid column in TestTable (no .slt casts an oid to text either)",
        [2953] = "uuid_out: no uuid column in TestTable; tests/sql/kernels/text_output.slt (u::text)",
        [1144] = "time_out: no time column in TestTable; tests/sql/kernels/text_output.slt (tm::text)",
        [2027] = "timestamp(timestamptz): no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [2028] = "timestamptz(timestamp): no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [1174] = "timestamptz(date): no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [1178] = "date(timestamptz): no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [6203] = "extract(text, timestamptz): no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [1171] = "date_part(text, timestamptz): no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [1217] = "date_trunc(text, timestamptz): no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [1189] = "timestamptz_pl_interval: no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [1190] = "timestamptz_mi_interval: no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [1151] = "timestamptz_out: no timestamptz column in TestTable and the session zone is a planner-added argument; Integration TimeZoneDifferentialTests (11 zones x 4 DateStyles x 4,000 instants vs PostgreSQL) and tests/sql/kernels/timestamptz.slt",
        [2019] = "time(timestamptz): no timestamptz column in TestTable and the session zone is a planner-added argument; tests/sql/kernels/casts_name_oid_time.slt (4 zones)",
        [1967] = "timestamptz(timestamptz, typmod): no timestamptz column in TestTable; tests/sql/kernels/casts_name_oid_time.slt (precisions 0, 2, 3, 5, 6, the range's end)",
        [1161] = "interval_out: the IntervalStyle is a planner-added argument; tests/sql/kernels/interval_output.slt (4 styles x 3,039 intervals vs PostgreSQL)",
    };

    /// <summary>The OIDs DifferentialTests, AggregateAndFunctionDifferentialTests and ReferenceEvaluatorTests call (F(oid, ...) in their plans).</summary>
    private static readonly uint[] CalledByOtherDifferentialTests =
    [
        64, 65, 66, 141, 144, 146, 147, 154, 155, 156, 179, 217, 218, 297, 311, 313, 465, 468, 740, 849, 850, 851, 870, 871, 884,
        936, 1048, 1087, 1140, 1141, 1258, 1276, 1279, 1317, 1318, 1397, 1633, 1707, 1709, 1711, 1720, 1721, 1723, 1724, 1726,
        1727, 1743, 1744, 1746, 2020, 2021, 2054, 2071, 6199, 6202,
    ];

    public static TheoryData<string, int, int> FamilyShapes()
    {
        var d = new TheoryData<string, int, int>();
        foreach (string family in Families.Keys)
            foreach (var (density, size) in ShapeList())
                d.Add(family, density, size);
        return d;
    }

    public static TheoryData<int, int> Shapes() => DifferentialTests.Shapes();

    private static IEnumerable<(int Density, int Size)> ShapeList()
    {
        foreach (int density in new[] { 0, 50, 100 })
            foreach (int size in new[] { 1, 7, 1024, 4096 })
                yield return (density, size);
    }

    [Theory]
    [MemberData(nameof(FamilyShapes))]
    public void Functions_equal_postgres_and_the_reference_evaluator(string family, int density, int size)
    {
        var cases = Families[family];
        var plan = Project(Scan("t"), [("id", Col("id")), .. cases.Select((c, i) => ("c" + i, c.Expr))]);
        string sql = $"SELECT id, {string.Join(", ", cases.Select(c => c.Sql))} FROM {CodegenFixture.TableName(density)}";
        CompareWithPostgres(plan, sql, density, size, cases);
        CompareWithReference(cases, density, size);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Raising_functions_equal_postgres_and_the_reference_evaluator(int density, int size)
    {
        int raised = 0;
        foreach (var c in ErrorCases)
        {
            var plan = Project(Scan("t"), ("id", Col("id")), ("x", c.Expr));
            string sql = $"SELECT id, {c.Sql} FROM {CodegenFixture.TableName(density)}";
            var compiled = CompareWithPostgres(plan, sql, density, size, [c]);
            if (compiled.Error is not null) raised++;
            CompareWithReference([c], density, size);
        }
        // Every case raises on data with values; with all values NULL none does (strict functions).
        Assert.Equal(density == 100 ? 0 : ErrorCases.Length, raised);
    }

    /// <summary>
    /// The aggregates the other differential tests do not run: the variance family over float4,
    /// float8, int2, int4, int8 and numeric (FloatVarianceAccumulator is reached only here), sum and
    /// avg of float4 and int2, every(), and min/max of the integer, float4, date, timestamp and
    /// bpchar types; grouped by a bool and without groups (one row also over empty input at density 100).
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Aggregates_equal_postgres(int density, int size)
    {
        (BoundAggregate Agg, string Sql)[] aggs =
        [
            (Agg(2722, "var_pop", Float8, Col("f8")), "var_pop(f8)"),
            (Agg(2644, "var_samp", Float8, Col("f4")), "var_samp(f4)"),
            (Agg(2150, "variance", Numeric, Col("i2")), "variance(i2)"),
            (Agg(2153, "variance", Numeric, Col("n2")), "variance(n2)"),
            (Agg(2641, "var_samp", Numeric, Col("i8")), "var_samp(i8)"),
            (Agg(2720, "var_pop", Numeric, Col("i2")), "var_pop(i2)"),
            (Agg(2728, "stddev_pop", Float8, Col("f8")), "stddev_pop(f8)"),
            (Agg(2725, "stddev_pop", Numeric, Col("i4")), "stddev_pop(i4)"),
            (Agg(2729, "stddev_pop", Numeric, Col("n")), "stddev_pop(n)"),
            (Agg(2716, "stddev_samp", Float8, Col("f8")), "stddev_samp(f8)"),
            (Agg(2157, "stddev", Float8, Col("f4")), "stddev(f4)"),
            (Agg(2645, "var_samp", Float8, F(311, "float8", Float8, Col("f4"))), "var_samp(f4::float8)"),
            (Agg(2110, "sum", Float4, Col("f4")), "sum(f4)"),
            (Agg(2102, "avg", Numeric, Col("i2")), "avg(i2)"),
            (Agg(2104, "avg", Float8, Col("f4")), "avg(f4)"),
            (Agg(2519, "every", Bool, F(146, "int2gt", Bool, Col("i2"), K((short)-290, Int2))), "every(i2 > -290::int2)"),
            (Agg(2115, "max", Int8, Col("i8")), "max(i8)"),
            (Agg(2116, "max", Int4, Col("i4")), "max(i4)"),
            (Agg(2117, "max", Int2, Col("i2")), "max(i2)"),
            (Agg(2119, "max", Float4, Col("f4")), "max(f4)"),
            (Agg(2122, "max", Date, Col("d")), "max(d)"),
            (Agg(2131, "min", Int8, Col("i8")), "min(i8)"),
            (Agg(2132, "min", Int4, Col("i4")), "min(i4)"),
            (Agg(2133, "min", Int2, Col("i2")), "min(i2)"),
            (Agg(2135, "min", Float4, Col("f4")), "min(f4)"),
            (Agg(2142, "min", Timestamp, Col("ts")), "min(ts)"),
            (Agg(2244, "max", Bpchar5, Col("bp")), "max(bp COLLATE \"C\")"),
        ];
        string table = CodegenFixture.TableName(density);
        string list = string.Join(", ", aggs.Select(a => a.Sql));
        var grouped = Result(Aggregate(Scan("t"), [Col("b")], [.. aggs.Select(a => a.Agg)]));
        var named = aggs.Select(a => new Case(a.Sql, Col("id"), a.Sql)).ToArray();
        CompareWithPostgres(grouped, $"SELECT b, {list} FROM {table} GROUP BY b", density, size, named);
        var whole = Result(Aggregate(Scan("t"), [], [.. aggs.Select(a => a.Agg)]));
        CompareWithPostgres(whole, $"SELECT {list} FROM {table}", density, size, named, firstCaseColumn: 0);
    }

    [Fact]
    public void Every_registered_function_has_a_differential_case()
    {
        var called = new HashSet<uint>(CalledByOtherDifferentialTests);
        foreach (var c in Families.Values.SelectMany(f => f).Concat(ErrorCases)) Collect(c.Expr, called);
        var missing = FunctionRegistry.All
            .Where(f => !f.IsPseudo && !called.Contains(f.Oid) && !CoveredElsewhere.ContainsKey(f.Oid))
            .Select(f => $"{f.Oid} {f.Name}")
            .ToList();
        Assert.True(missing.Count == 0, "registered functions without a differential case: " + string.Join(", ", missing));
    }

    private static void Collect(BoundExpr e, HashSet<uint> oids)
    {
        switch (e)
        {
            case BoundFuncCall f:
                oids.Add(f.FuncOid);
                foreach (var a in f.Args) Collect(a, oids);
                break;
            case BoundRelabel r:
                Collect(r.Arg, oids);
                break;
        }
    }

    /// <summary>Rows compared as multisets; on a difference the log names the case of each differing column (column firstCaseColumn + i is cases[i]).</summary>
    private Outcome CompareWithPostgres(PlannedQuery plan, string sql, int density, int size, Case[] cases, int firstCaseColumn = 1)
    {
        var expected = Harness.RunPostgres(fixture.Connection, sql, plan.ResultColumns.Count);
        var actual = Harness.RunCompiled(plan, fixture.Batches(density, size));
        string e = Harness.Canonical(expected, false), a = Harness.Canonical(actual, false);
        if (e != a)
        {
            output.WriteLine("SQL: " + sql);
            var el = e.Split('\n');
            var al = a.Split('\n');
            for (int i = 0, shown = 0; i < Math.Max(el.Length, al.Length) && shown < 5; i++)
            {
                string x = i < el.Length ? el[i] : "<none>", y = i < al.Length ? al[i] : "<none>";
                if (x == y) continue;
                output.WriteLine($"line {i}: postgres [{x}] pgfusion [{y}]");
                var xs = x.Split(" | ");
                var ys = y.Split(" | ");
                for (int k = firstCaseColumn; k < Math.Min(xs.Length, ys.Length) && k - firstCaseColumn < cases.Length; k++)
                    if (xs[k] != ys[k]) output.WriteLine($"  {cases[k - firstCaseColumn].Name}: postgres {xs[k]} pgfusion {ys[k]}");
                shown++;
            }
        }
        Assert.Equal(e, a);
        return actual;
    }

    /// <summary>The projection kernel's output read back through the reference evaluator vs the evaluator on the input row; errors by SQLSTATE + message.</summary>
    private static void CompareWithReference(Case[] cases, int density, int size, CodegenFixture fixture)
    {
        var exprs = cases.Select(c => c.Expr).ToArray();
        var types = TestTable.Columns.Select(c => c.Type).ToArray();
        var kernel = KernelBuilder.Project("p", types, exprs, new KernelCache());
        var outTypes = exprs.Select(e => e.Type).ToArray();
        foreach (var batch in fixture.Batches(density, size))
        {
            var cols = outTypes.Select(t => PgArrowMapping.CreateColumn(t, batch.Length)).ToArray();
            foreach (var c in cols) KernelColumns.Prepare(c, batch.Length);
            string? kernelError = null;
            try
            {
                kernel.Run(batch, cols, new KernelContext());
            }
            catch (PgFusionException ex)
            {
                kernelError = $"{ex.SqlState}: {ex.Message}";
            }
            foreach (var c in cols) c.Length = batch.Length;
            var reference = new ReferenceEvaluator(new KernelContext());
            for (int r = 0; r < batch.Length; r++)
            {
                for (int e = 0; e < exprs.Length; e++)
                {
                    string expected;
                    try
                    {
                        expected = Show(reference.Evaluate(exprs[e], batch.Columns, r));
                    }
                    catch (PgFusionException ex)
                    {
                        // the kernel raises at the first raising row of the batch, as the evaluator does
                        Assert.Equal($"{ex.SqlState}: {ex.Message}", kernelError);
                        return;
                    }
                    if (kernelError is not null) continue; // the kernel raised at a later row: its outputs are not complete
                    string actual = Show(new ReferenceEvaluator(new KernelContext()).Evaluate(new BoundColumnRef(e, outTypes[e], "x"), cols, r));
                    Assert.True(expected == actual, $"{cases[e].Name}, row {r} of a batch of {batch.Length}: reference {expected}, kernel {actual}");
                }
            }
            Assert.True(kernelError is null, $"the kernel raised {kernelError} where the reference evaluator raised nothing");
        }
    }

    private void CompareWithReference(Case[] cases, int density, int size) => CompareWithReference(cases, density, size, fixture);

    private static string Show(object? v) => v switch
    {
        null => "NULL",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        TextRef t => "'" + t + "'",
        _ => v.ToString()!,
    };
}
