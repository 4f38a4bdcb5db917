using System.Buffers;
using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// string_agg(text, text) (varlena.c string_agg_transfn / string_agg_finalfn), in input order:
/// NULL values are skipped, each later value is preceded by its own row's delimiter (nothing for a
/// NULL delimiter), the first value's delimiter is dropped; NULL for a group without values.
/// </summary>
public sealed class StringAggAccumulator : Accumulator, IMultiArgumentAccumulator
{
    private ArrayBufferWriter<byte>?[] buffers = new ArrayBufferWriter<byte>?[16];
    private VarBinaryColumn? delimiters;
    private long held;

    /// <summary>The text of every group (it cannot spill: a frozen group's text keeps growing, as in PostgreSQL's hash aggregate).</summary>
    public override long HeldBytes => held;

    public override void EnsureGroups(int groups) => buffers = Grow(buffers, groups);

    public void SetExtraArguments(Column[] extra) => delimiters = (VarBinaryColumn)extra[0];

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var values = (VarBinaryColumn)arg!;
        for (int r = 0; r < rows; r++)
        {
            if (Skip(arg, filter, r)) continue;
            int g = groupIds[r];
            var buffer = buffers[g];
            if (buffer is null) buffers[g] = buffer = new ArrayBufferWriter<byte>();
            else if (delimiters is { } d && !d.IsNull(r))
            {
                var delimiter = d.GetBytes(r);
                buffer.Write(delimiter);
                held += delimiter.Length;
            }
            var value = values.GetBytes(r);
            buffer.Write(value);
            held += value.Length;
        }
    }

    public override void Write(int group, Column output)
    {
        if (buffers[group] is { } b) ColumnAppend.Bytes(output, b.WrittenSpan);
        else ColumnAppend.Null(output);
    }
}
