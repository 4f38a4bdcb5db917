using PgFusion.Tpch.Generation;

namespace PgFusion.Tpch.Tests;

/// <summary>Keeps every generated row in memory, for checking the spec's rules on small scale factors.</summary>
public sealed class RecordingSink : IRowSink
{
    private List<object>? _row;

    public List<object[]> Rows { get; } = [];

    public void BeginRow()
    {
        Close();
        _row = [];
    }

    public void Integer(int value) => _row!.Add(value);

    public void Money(long hundredths) => _row!.Add(hundredths);

    public void Date(DateOnly value) => _row!.Add(value);

    public void Text(string value) => _row!.Add(value);

    /// <summary>Call once generation is over to keep the last row.</summary>
    public RecordingSink Close()
    {
        if (_row is not null)
            Rows.Add([.. _row]);
        _row = null;
        return this;
    }
}
