namespace PgFusion.Tpch.Generation;

/// <summary>
/// Where generated rows go, one typed value at a time in the table's column order (see TpchSchema):
/// a binary COPY stream when loading, a checksum in the determinism tests.
/// </summary>
public interface IRowSink
{
    void BeginRow();

    void Integer(int value);

    /// <summary>A numeric(15,2) value given in hundredths.</summary>
    void Money(long hundredths);

    void Date(DateOnly value);

    /// <summary>char(n) and varchar(n) values; char(n) blank-padding is left to PostgreSQL.</summary>
    void Text(string value);
}
