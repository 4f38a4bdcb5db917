using Npgsql;
using NpgsqlTypes;
using PgFusion.Tpch.Generation;

namespace PgFusion.Tpch.Loading;

/// <summary>Writes generated rows into one table's binary COPY stream.</summary>
internal sealed class NpgsqlRowSink(NpgsqlBinaryImporter importer, LoadProgress progress) : IRowSink
{
    private const int ReportEvery = 4096;
    private int _unreported;

    public long Rows { get; private set; }

    public void BeginRow()
    {
        Rows++;
        importer.StartRow();
        if (++_unreported == ReportEvery)
            Flush();
    }

    public void Integer(int value) => importer.Write(value, NpgsqlDbType.Integer);

    public void Money(long hundredths)
    {
        var magnitude = (ulong)Math.Abs(hundredths);
        importer.Write(new decimal((int)(uint)magnitude, (int)(magnitude >> 32), 0, hundredths < 0, 2), NpgsqlDbType.Numeric);
    }

    public void Date(DateOnly value) => importer.Write(value, NpgsqlDbType.Date);

    public void Text(string value) => importer.Write(value, NpgsqlDbType.Text);

    public void Flush()
    {
        progress.AddRows(_unreported);
        _unreported = 0;
    }
}
