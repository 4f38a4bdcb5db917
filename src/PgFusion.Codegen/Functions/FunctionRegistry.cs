using System.Reflection;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// How a PostgreSQL function runs in a kernel: a static method. Arguments are widened to the
/// method's parameter types (int2 -> int4 -> int8, float4 -> float8), so the mixed-width
/// operators share one implementation. A first parameter of type KernelContext receives the
/// kernel's context (arena for computed text). Every function here is strict.
/// </summary>
public sealed record FunctionImpl(uint Oid, string Name, MethodInfo Method)
{
    public bool NeedsContext => Method.GetParameters() is { Length: > 0 } p && p[0].ParameterType == typeof(Kernels.KernelContext);

    /// <summary>A planner-made function with no pg_proc entry (OIDs from 0xFFFFFF00 up; see BoundAggregate.SingleRowCheckOid).</summary>
    public bool IsPseudo => Oid >= 0xFFFF_FF00;
}

/// <summary>
/// The one table of functions Codegen implements, by pg_proc OID (pg_proc.dat / pg_operator.dat's
/// oprcode). Adding a function: its method in the family's file, one line here, one test.
/// </summary>
public static class FunctionRegistry
{
    private static readonly Dictionary<uint, FunctionImpl> Table = Build();

    public static bool TryGet(uint oid, out FunctionImpl impl) => Table.TryGetValue(oid, out impl!);

    public static IEnumerable<FunctionImpl> All => Table.Values;

    private static Dictionary<uint, FunctionImpl> Build()
    {
        var t = new Dictionary<uint, FunctionImpl>();
        void Add(uint oid, string proname, Type type, string method) =>
            t.Add(oid, new FunctionImpl(oid, proname, type.GetMethod(method, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{type.Name}.{method} not found")));
        Type I = typeof(IntegerFunctions), F = typeof(FloatFunctions), N = typeof(NumericFunctions),
            T = typeof(TextFunctions), D = typeof(DateTimeFunctions), C = typeof(CastFunctions),
            S = typeof(StringFunctions);

        // int2 / int4 / int8 arithmetic (int.c, int8.c)
        Add(176, "int2pl", I, "Int2Pl"); Add(180, "int2mi", I, "Int2Mi"); Add(152, "int2mul", I, "Int2Mul");
        Add(153, "int2div", I, "Int2Div"); Add(155, "int2mod", I, "Int2Mod"); Add(213, "int2um", I, "Int2Um"); Add(1911, "int2up", I, "Int2Up");
        Add(177, "int4pl", I, "Int4Pl"); Add(181, "int4mi", I, "Int4Mi"); Add(141, "int4mul", I, "Int4Mul");
        Add(154, "int4div", I, "Int4Div"); Add(156, "int4mod", I, "Int4Mod"); Add(212, "int4um", I, "Int4Um"); Add(1912, "int4up", I, "Int4Up");
        Add(463, "int8pl", I, "Int8Pl"); Add(464, "int8mi", I, "Int8Mi"); Add(465, "int8mul", I, "Int8Mul");
        Add(940, "mod", I, "Int2Mod"); Add(941, "mod", I, "Int4Mod"); Add(947, "mod", I, "Int8Mod");
        Add(466, "int8div", I, "Int8Div"); Add(945, "int8mod", I, "Int8Mod"); Add(462, "int8um", I, "Int8Um"); Add(1910, "int8up", I, "Int8Up");
        Add(178, "int24pl", I, "Int4Pl"); Add(179, "int42pl", I, "Int4Pl"); Add(182, "int24mi", I, "Int4Mi"); Add(183, "int42mi", I, "Int4Mi");
        Add(170, "int24mul", I, "Int4Mul"); Add(171, "int42mul", I, "Int4Mul"); Add(172, "int24div", I, "Int4Div"); Add(173, "int42div", I, "Int4Div");
        Add(1274, "int84pl", I, "Int8Pl"); Add(1275, "int84mi", I, "Int8Mi"); Add(1276, "int84mul", I, "Int8Mul"); Add(1277, "int84div", I, "Int8Div");
        Add(1278, "int48pl", I, "Int8Pl"); Add(1279, "int48mi", I, "Int8Mi"); Add(1280, "int48mul", I, "Int8Mul"); Add(1281, "int48div", I, "Int8Div");
        Add(837, "int82pl", I, "Int8Pl"); Add(838, "int82mi", I, "Int8Mi"); Add(839, "int82mul", I, "Int8Mul"); Add(840, "int82div", I, "Int8Div");
        Add(841, "int28pl", I, "Int8Pl"); Add(942, "int28mi", I, "Int8Mi"); Add(943, "int28mul", I, "Int8Mul"); Add(948, "int28div", I, "Int8Div");

        // planner checks for decorrelated subqueries (no pg_proc entry)
        Add(Planner.Binding.BoundAggregate.SingleRowCheckOid, "pgfusion_single_row", typeof(SubqueryFunctions), "SingleRow");

        // bool comparisons (bool.c)
        Type B = typeof(BoolFunctions);
        Add(60, "booleq", B, "BoolEq"); Add(84, "boolne", B, "BoolNe"); Add(56, "boollt", B, "BoolLt");
        Add(1691, "boolle", B, "BoolLe"); Add(57, "boolgt", B, "BoolGt"); Add(1692, "boolge", B, "BoolGe");

        // integer comparisons
        Add(63, "int2eq", I, "Int4Eq"); Add(145, "int2ne", I, "Int4Ne"); Add(64, "int2lt", I, "Int4Lt"); Add(148, "int2le", I, "Int4Le"); Add(146, "int2gt", I, "Int4Gt"); Add(151, "int2ge", I, "Int4Ge");
        Add(65, "int4eq", I, "Int4Eq"); Add(144, "int4ne", I, "Int4Ne"); Add(66, "int4lt", I, "Int4Lt"); Add(149, "int4le", I, "Int4Le"); Add(147, "int4gt", I, "Int4Gt"); Add(150, "int4ge", I, "Int4Ge");
        Add(158, "int24eq", I, "Int4Eq"); Add(164, "int24ne", I, "Int4Ne"); Add(160, "int24lt", I, "Int4Lt"); Add(166, "int24le", I, "Int4Le"); Add(162, "int24gt", I, "Int4Gt"); Add(168, "int24ge", I, "Int4Ge");
        Add(159, "int42eq", I, "Int4Eq"); Add(165, "int42ne", I, "Int4Ne"); Add(161, "int42lt", I, "Int4Lt"); Add(167, "int42le", I, "Int4Le"); Add(163, "int42gt", I, "Int4Gt"); Add(169, "int42ge", I, "Int4Ge");
        Add(467, "int8eq", I, "Int8Eq"); Add(468, "int8ne", I, "Int8Ne"); Add(469, "int8lt", I, "Int8Lt"); Add(471, "int8le", I, "Int8Le"); Add(470, "int8gt", I, "Int8Gt"); Add(472, "int8ge", I, "Int8Ge");
        Add(474, "int84eq", I, "Int8Eq"); Add(475, "int84ne", I, "Int8Ne"); Add(476, "int84lt", I, "Int8Lt"); Add(478, "int84le", I, "Int8Le"); Add(477, "int84gt", I, "Int8Gt"); Add(479, "int84ge", I, "Int8Ge");
        Add(852, "int48eq", I, "Int8Eq"); Add(853, "int48ne", I, "Int8Ne"); Add(854, "int48lt", I, "Int8Lt"); Add(856, "int48le", I, "Int8Le"); Add(855, "int48gt", I, "Int8Gt"); Add(857, "int48ge", I, "Int8Ge");
        Add(1850, "int28eq", I, "Int8Eq"); Add(1851, "int28ne", I, "Int8Ne"); Add(1852, "int28lt", I, "Int8Lt"); Add(1854, "int28le", I, "Int8Le"); Add(1853, "int28gt", I, "Int8Gt"); Add(1855, "int28ge", I, "Int8Ge");
        Add(1856, "int82eq", I, "Int8Eq"); Add(1857, "int82ne", I, "Int8Ne"); Add(1858, "int82lt", I, "Int8Lt"); Add(1860, "int82le", I, "Int8Le"); Add(1859, "int82gt", I, "Int8Gt"); Add(1861, "int82ge", I, "Int8Ge");

        // float4 / float8 (float.c)
        Add(204, "float4pl", F, "Float4Pl"); Add(205, "float4mi", F, "Float4Mi"); Add(202, "float4mul", F, "Float4Mul"); Add(203, "float4div", F, "Float4Div");
        Add(206, "float4um", F, "Float4Um"); Add(1913, "float4up", F, "Float4Up");
        Add(218, "float8pl", F, "Float8Pl"); Add(219, "float8mi", F, "Float8Mi"); Add(216, "float8mul", F, "Float8Mul"); Add(217, "float8div", F, "Float8Div");
        Add(220, "float8um", F, "Float8Um"); Add(1914, "float8up", F, "Float8Up");
        Add(281, "float48pl", F, "Float8Pl"); Add(282, "float48mi", F, "Float8Mi"); Add(279, "float48mul", F, "Float8Mul"); Add(280, "float48div", F, "Float8Div");
        Add(285, "float84pl", F, "Float8Pl"); Add(286, "float84mi", F, "Float8Mi"); Add(283, "float84mul", F, "Float8Mul"); Add(284, "float84div", F, "Float8Div");
        Add(287, "float4eq", F, "Float4Eq"); Add(288, "float4ne", F, "Float4Ne"); Add(289, "float4lt", F, "Float4Lt"); Add(290, "float4le", F, "Float4Le"); Add(291, "float4gt", F, "Float4Gt"); Add(292, "float4ge", F, "Float4Ge");
        Add(293, "float8eq", F, "Float8Eq"); Add(294, "float8ne", F, "Float8Ne"); Add(295, "float8lt", F, "Float8Lt"); Add(296, "float8le", F, "Float8Le"); Add(297, "float8gt", F, "Float8Gt"); Add(298, "float8ge", F, "Float8Ge");
        Add(299, "float48eq", F, "Float8Eq"); Add(300, "float48ne", F, "Float8Ne"); Add(301, "float48lt", F, "Float8Lt"); Add(302, "float48le", F, "Float8Le"); Add(303, "float48gt", F, "Float8Gt"); Add(304, "float48ge", F, "Float8Ge");
        Add(305, "float84eq", F, "Float8Eq"); Add(306, "float84ne", F, "Float8Ne"); Add(307, "float84lt", F, "Float8Lt"); Add(308, "float84le", F, "Float8Le"); Add(309, "float84gt", F, "Float8Gt"); Add(310, "float84ge", F, "Float8Ge");

        // numeric (numeric.c)
        Add(1724, "numeric_add", N, "Add"); Add(1725, "numeric_sub", N, "Sub"); Add(1726, "numeric_mul", N, "Mul"); Add(1727, "numeric_div", N, "Div");
        Add(1729, "numeric_mod", N, "Mod"); Add(1728, "mod", N, "Mod"); Add(1771, "numeric_uminus", N, "UMinus"); Add(1915, "numeric_uplus", N, "UPlus");
        Add(1718, "numeric_eq", N, "Eq"); Add(1719, "numeric_ne", N, "Ne"); Add(1722, "numeric_lt", N, "Lt"); Add(1723, "numeric_le", N, "Le"); Add(1720, "numeric_gt", N, "Gt"); Add(1721, "numeric_ge", N, "Ge");

        // text / varchar / bpchar (varlena.c, varchar.c, like.c)
        Add(67, "texteq", T, "TextEq"); Add(157, "textne", T, "TextNe"); Add(740, "text_lt", T, "TextLt"); Add(741, "text_le", T, "TextLe"); Add(742, "text_gt", T, "TextGt"); Add(743, "text_ge", T, "TextGe");
        Add(1048, "bpchareq", T, "BpcharEq"); Add(1053, "bpcharne", T, "BpcharNe"); Add(1049, "bpcharlt", T, "BpcharLt"); Add(1050, "bpcharle", T, "BpcharLe"); Add(1051, "bpchargt", T, "BpcharGt"); Add(1052, "bpcharge", T, "BpcharGe");
        Add(850, "textlike", T, "TextLike"); Add(851, "textnlike", T, "TextNotLike"); Add(1631, "bpcharlike", T, "TextLike"); Add(1632, "bpcharnlike", T, "TextNotLike");
        Add(1317, "length", T, "TextLen"); Add(1381, "char_length", T, "TextLen"); Add(1318, "length", T, "BpcharLen"); Add(1372, "char_length", T, "BpcharLen");
        Add(1374, "octet_length", T, "OctetLength"); Add(1375, "octet_length", T, "OctetLength");
        Add(871, "upper", S, "Upper"); Add(870, "lower", S, "Lower"); Add(1258, "textcat", T, "TextCat"); Add(401, "text", T, "BpcharToText");

        // string functions (varlena.c, oracle_compat.c, like.c)
        Add(936, "substring", S, "Substr"); Add(877, "substr", S, "Substr"); Add(937, "substring", S, "SubstrNoLen"); Add(883, "substr", S, "SubstrNoLen");
        Add(3060, "left", S, "Left"); Add(3061, "right", S, "Right");
        Add(849, "position", S, "Position"); Add(868, "strpos", S, "Position");
        Add(885, "btrim", S, "BTrimSpaces"); Add(881, "ltrim", S, "LTrimSpaces"); Add(882, "rtrim", S, "RTrimSpaces");
        Add(884, "btrim", S, "BTrim"); Add(875, "ltrim", S, "LTrim"); Add(876, "rtrim", S, "RTrim");
        Add(1633, "texticlike", S, "TextILike"); Add(1634, "texticnlike", S, "TextNotILike");
        Add(1660, "bpchariclike", S, "TextILike"); Add(1661, "bpcharicnlike", S, "TextNotILike");
        Add(1637, "like_escape", S, "LikeEscape");
        Add(2557, "bool", C, "Int4Bool"); Add(2558, "int4", C, "BoolInt4");
        Add(669, "varchar", S, "VarcharTypmod"); Add(668, "bpchar", S, "BpcharTypmod");
        Add(1369, "character_length", T, "TextLen"); Add(1367, "character_length", T, "BpcharLen");

        // abs / round / trunc / ceil / floor (int.c, int8.c, float.c, numeric.c)
        Type M = typeof(MathFunctions);
        Add(1398, "abs", M, "Int2Abs"); Add(1253, "int2abs", M, "Int2Abs"); Add(1397, "abs", M, "Int4Abs"); Add(1251, "int4abs", M, "Int4Abs");
        Add(1396, "abs", M, "Int8Abs"); Add(1230, "int8abs", M, "Int8Abs"); Add(1394, "abs", M, "Float4Abs"); Add(207, "float4abs", M, "Float4Abs");
        Add(1395, "abs", M, "Float8Abs"); Add(221, "float8abs", M, "Float8Abs"); Add(1705, "abs", M, "NumericAbs"); Add(1704, "numeric_abs", M, "NumericAbs");
        Add(1342, "round", M, "DRound"); Add(1343, "trunc", M, "DTrunc"); Add(2308, "ceil", M, "DCeil"); Add(2320, "ceiling", M, "DCeil"); Add(2309, "floor", M, "DFloor");
        Add(1707, "round", M, "NumericRound"); Add(1708, "round", M, "NumericRound0"); Add(1709, "trunc", M, "NumericTrunc"); Add(1710, "trunc", M, "NumericTrunc0");
        Add(1711, "ceil", M, "NumericCeil"); Add(2167, "ceiling", M, "NumericCeil"); Add(1712, "floor", M, "NumericFloor");

        // date / timestamp (date.c, timestamp.c)
        Add(1086, "date_eq", I, "Int4Eq"); Add(1091, "date_ne", I, "Int4Ne"); Add(1087, "date_lt", I, "Int4Lt"); Add(1088, "date_le", I, "Int4Le"); Add(1089, "date_gt", I, "Int4Gt"); Add(1090, "date_ge", I, "Int4Ge");
        Add(1140, "date_mi", D, "DateMi"); Add(1141, "date_pli", D, "DatePli"); Add(1142, "date_mii", D, "DateMii"); Add(2550, "integer_pl_date", D, "IntegerPlDate");
        Add(2052, "timestamp_eq", I, "Int8Eq"); Add(2053, "timestamp_ne", I, "Int8Ne"); Add(2054, "timestamp_lt", I, "Int8Lt"); Add(2055, "timestamp_le", I, "Int8Le"); Add(2057, "timestamp_gt", I, "Int8Gt"); Add(2056, "timestamp_ge", I, "Int8Ge");
        // timestamptz holds UTC microseconds like timestamp: timestamp_cmp_internal compares the int64s, whatever the TimeZone
        Add(1152, "timestamptz_eq", I, "Int8Eq"); Add(1153, "timestamptz_ne", I, "Int8Ne"); Add(1154, "timestamptz_lt", I, "Int8Lt"); Add(1155, "timestamptz_le", I, "Int8Le"); Add(1157, "timestamptz_gt", I, "Int8Gt"); Add(1156, "timestamptz_ge", I, "Int8Ge");
        Add(2340, "date_eq_timestamp", D, "DateEqTimestamp"); Add(2343, "date_ne_timestamp", D, "DateNeTimestamp"); Add(2338, "date_lt_timestamp", D, "DateLtTimestamp");
        Add(2339, "date_le_timestamp", D, "DateLeTimestamp"); Add(2341, "date_gt_timestamp", D, "DateGtTimestamp"); Add(2342, "date_ge_timestamp", D, "DateGeTimestamp");
        Add(2366, "timestamp_eq_date", D, "TimestampEqDate"); Add(2369, "timestamp_ne_date", D, "TimestampNeDate"); Add(2364, "timestamp_lt_date", D, "TimestampLtDate");
        Add(2365, "timestamp_le_date", D, "TimestampLeDate"); Add(2367, "timestamp_gt_date", D, "TimestampGtDate"); Add(2368, "timestamp_ge_date", D, "TimestampGeDate");
        Add(2031, "timestamp_mi", D, "TimestampMi"); Add(2024, "timestamp", D, "DateToTimestamp"); Add(2029, "date", D, "TimestampToDate");

        // EXTRACT / date_part / date_trunc and interval arithmetic (timestamp.c, date.c)
        Type E = typeof(ExtractFunctions), V = typeof(IntervalFunctions);
        Add(6202, "extract", E, "ExtractTimestamp"); Add(2021, "date_part", E, "TimestampPart"); Add(6199, "extract", E, "ExtractDate");
        Add(1384, "date_part", E, "DatePart"); Add(2020, "date_trunc", E, "TimestampTrunc");
        Add(6204, "extract", typeof(IntervalExtractFunctions), "ExtractInterval"); Add(1172, "date_part", typeof(IntervalExtractFunctions), "IntervalPart");
        Add(2032, "timestamp_pl_interval", V, "TimestampPlInterval"); Add(2033, "timestamp_mi_interval", V, "TimestampMiInterval");
        Add(2071, "date_pl_interval", V, "DatePlInterval"); Add(2072, "date_mi_interval", V, "DateMiInterval");
        Add(1618, "interval_mul", V, "IntervalMul"); Add(1624, "mul_d_interval", V, "MulDInterval"); Add(1326, "interval_div", V, "IntervalDiv");
        Add(1169, "interval_pl", V, "IntervalPl"); Add(1170, "interval_mi", V, "IntervalMi"); Add(1168, "interval_um", V, "IntervalUm");
        Add(1162, "interval_eq", V, "IntervalEq"); Add(1163, "interval_ne", V, "IntervalNe"); Add(1164, "interval_lt", V, "IntervalLt");
        Add(1165, "interval_le", V, "IntervalLe"); Add(1167, "interval_gt", V, "IntervalGt"); Add(1166, "interval_ge", V, "IntervalGe");

        // timestamptz in the session's TimeZone, a planner-added last argument (ExpressionBinder.TimeZone)
        Type Z = typeof(TimestampTzFunctions);
        Add(2027, "timestamp", Z, "TimestamptzToTimestamp"); Add(2028, "timestamptz", Z, "TimestampToTimestamptz");
        Add(1174, "timestamptz", Z, "DateToTimestamptz"); Add(1178, "date", Z, "TimestamptzToDate");
        Add(6203, "extract", Z, "ExtractTimestamptz"); Add(1171, "date_part", Z, "TimestamptzPart"); Add(1217, "date_trunc", Z, "TimestamptzTrunc");
        Add(2019, "time", Z, "TimestamptzToTime");
        Add(1189, "timestamptz_pl_interval", Z, "TimestamptzPlInterval"); Add(1190, "timestamptz_mi_interval", Z, "TimestamptzMiInterval");

        // text output for casts to text and anytextcat / textanycat (int.c, int8.c, numeric.c, oid.c, bool.c)
        Type O = typeof(OutputFunctions);
        Add(39, "int2out", O, "Int2Out"); Add(43, "int4out", O, "Int4Out"); Add(461, "int8out", O, "Int8Out");
        Add(1799, "oidout", O, "OidOut"); Add(1702, "numeric_out", O, "NumericOut"); Add(2971, "text", O, "BoolText");
        Add(2953, "uuid_out", O, "UuidOut"); Add(31, "byteaout", O, "ByteaOut");
        // date_out / timestamp_out take the DateStyle as a planner-added constant second argument (ExpressionBinder.TextOutput)
        Type DO = typeof(DateTimeOutput);
        Add(1085, "date_out", DO, "DateOut"); Add(1313, "timestamp_out", DO, "TimestampOut"); Add(1144, "time_out", DO, "TimeOut");
        Add(1151, "timestamptz_out", DO, "TimestamptzOut"); Add(1161, "interval_out", typeof(IntervalOutput), "IntervalOut");
        Add(201, "float4out", typeof(FloatOutput), "Float4Out"); Add(215, "float8out", typeof(FloatOutput), "Float8Out");

        // casts (int.c, int8.c, float.c, numeric.c)
        Add(313, "int4", C, "Int2ToInt4"); Add(314, "int2", C, "Int4ToInt2"); Add(481, "int8", C, "Int4ToInt8"); Add(480, "int4", C, "Int8ToInt4");
        Add(754, "int8", C, "Int4ToInt8"); Add(714, "int2", C, "Int8ToInt2");
        Add(316, "float8", C, "Int4ToFloat8"); Add(482, "float8", C, "Int8ToFloat8"); Add(235, "float8", C, "Int4ToFloat8"); Add(311, "float8", C, "Float4ToFloat8");
        Add(318, "float4", C, "Int4ToFloat4"); Add(652, "float4", C, "Int8ToFloat4"); Add(236, "float4", C, "Int4ToFloat4"); Add(312, "float4", C, "Float8ToFloat4");
        Add(1740, "numeric", C, "Int4ToNumeric"); Add(1781, "numeric", C, "Int8ToNumeric"); Add(1782, "numeric", C, "Int4ToNumeric");
        Add(1746, "float8", C, "NumericToFloat8"); Add(1745, "float4", C, "NumericToFloat4");
        Add(1743, "numeric", C, "Float8ToNumeric"); Add(1742, "numeric", C, "Float4ToNumeric");
        Add(1779, "int8", C, "NumericToInt8"); Add(1744, "int4", C, "NumericToInt4"); Add(1783, "int2", C, "NumericToInt2");
        Add(1703, "numeric", C, "NumericTypmod");
        Add(483, "int8", C, "Float8ToInt8"); Add(317, "int4", C, "Float8ToInt4"); Add(237, "int2", C, "Float8ToInt2");
        Add(653, "int8", C, "Float4ToInt8"); Add(319, "int4", C, "Float4ToInt4"); Add(238, "int2", C, "Float4ToInt2");

        // casts between name and the text types (varlena.c, varchar.c), oid and int8 (int8.c)
        Type NM = typeof(NameFunctions);
        Add(406, "text", NM, "NameToText"); Add(1401, "varchar", NM, "NameToText"); Add(408, "bpchar", NM, "NameToText");
        Add(407, "name", NM, "TextToName"); Add(1400, "name", NM, "TextToName"); Add(409, "name", NM, "BpcharToName");
        Add(1287, "oid", C, "Int8ToOid"); Add(1288, "int8", C, "OidToInt8");

        // time casts (date.c) and the datetime length coercions, time(n) / timestamp(n) / timestamptz(n) / interval typmods (date.c, timestamp.c)
        Type TC = typeof(TimeCastFunctions), P = typeof(PrecisionFunctions);
        Add(1316, "time", TC, "TimestampToTime"); Add(1370, "interval", TC, "TimeToInterval"); Add(1419, "time", TC, "IntervalToTime");
        Add(1968, "time", P, "TimeScale"); Add(1961, "timestamp", P, "TimestampScale"); Add(1967, "timestamptz", P, "TimestampScale");
        Add(1200, "interval", P, "IntervalScale");
        return t;
    }
}
