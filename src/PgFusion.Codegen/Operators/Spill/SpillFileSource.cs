using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>Reads a spill file back as batches of the given column types; deletes the file at its end unless told not to.</summary>
internal sealed class SpillFileSource(SpillFile file, IReadOnlyList<PgType> types, bool deleteAtEnd = true) : IBatchSource
{
    private readonly Column[] columns = [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
    private RecordBatch? batch;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        int rows;
        do rows = file.Read(columns);
        while (rows == 0);
        if (rows < 0)
        {
            if (deleteAtEnd) file.Dispose();
            return null;
        }
        batch ??= new RecordBatch(columns, 0);
        batch.Length = rows;
        batch.Selection = null; // a consumer (semi/anti join) may have narrowed the previous batch
        batch.SelectedCount = 0;
        return batch;
    }
}
