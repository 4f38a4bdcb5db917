using Npgsql;
using PgFusion.Types;

namespace PgFusion.HeapDecoder.Tests.Support;

/// <summary>
/// Stands in for the backend's detoasting: fetches the value of an external TOAST pointer with a
/// SELECT by ctid, in the stored bytes (the type's send function; UTF-8 database and client).
/// </summary>
public sealed class SqlDetoaster(NpgsqlConnection conn, string table, RelationLayout layout) : IDetoastedValues
{
    private byte[] _value = [];

    public uint Block { get; set; }

    public int Fetched { get; private set; }

    public bool TryGet(ushort offsetNumber, int attNum, out ReadOnlySpan<byte> value)
    {
        var att = layout.Attribute(attNum);
        string expr = att.Type.Oid switch
        {
            PgTypeOid.Text => $"textsend(\"{att.Name}\")",
            PgTypeOid.Varchar => $"varcharsend(\"{att.Name}\")",
            PgTypeOid.Bpchar => $"bpcharsend(\"{att.Name}\")",
            PgTypeOid.Bytea => $"\"{att.Name}\"",
            _ => throw new NotSupportedException($"test detoaster: {att.Type}"),
        };
        using var cmd = new NpgsqlCommand($"SELECT {expr} FROM {table} WHERE ctid = '({Block},{offsetNumber})'", conn);
        if (cmd.ExecuteScalar() is not byte[] bytes)
        {
            value = default;
            return false;
        }
        _value = bytes;
        Fetched++;
        value = _value;
        return true;
    }
}
