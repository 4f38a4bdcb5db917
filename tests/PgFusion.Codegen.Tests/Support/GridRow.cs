using System.Globalization;
using Npgsql;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>
/// One row of a fixture table for the reference side of <see cref="OperatorGrid"/>: the columns the
/// operator grids use, typed for computing (null = NULL), and their PostgreSQL text output for
/// printing. The text is read back from PostgreSQL once per table, so the reference prints a value
/// exactly as PostgreSQL does; every comparison and computation is the reference's own.
/// </summary>
public sealed record GridRow(int Id, short? I2, int? I4, long? I8, decimal? N2, string? S, string? V, string? Bp, string? D, bool? B,
    RefFloat? F8, RefNumeric? N, string? F8Text, string? NText)
{
    private static readonly Dictionary<int, IReadOnlyList<GridRow>> Cache = [];

    public static string Text(object? v) => v switch
    {
        null => null!,
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString()!,
    };

    /// <summary>C-collation (byte order) comparison of text; for UTF-8 without surrogates this is ordinal char order.</summary>
    public static int CompareText(string a, string b) => string.CompareOrdinal(a, b);

    public static IReadOnlyList<GridRow> Load(CodegenFixture fixture, int density)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(density, out var rows)) return rows;
            var list = new List<GridRow>();
            using var cmd = new NpgsqlCommand($"SELECT id, i2, i4, i8, n2::text, s, v::text, bp::text, d::text, b, f8, n::text, f8::text FROM {CodegenFixture.TableName(density)} ORDER BY id", fixture.Connection);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                T? Get<T>(int i) where T : struct => reader.IsDBNull(i) ? null : reader.GetFieldValue<T>(i);
                string? Str(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                list.Add(new GridRow(reader.GetInt32(0), Get<short>(1), Get<int>(2), Get<long>(3),
                    Str(4) is { } n ? decimal.Parse(n, CultureInfo.InvariantCulture) : null, Str(5), Str(6), Str(7), Str(8), Get<bool>(9),
                    Get<double>(10) is { } f ? new RefFloat(f) : null, Str(11) is { } num ? RefNumeric.Parse(num) : null, Str(12), Str(11)));
            }
            Cache[density] = list;
            return list;
        }
    }
}
