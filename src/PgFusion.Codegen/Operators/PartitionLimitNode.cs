using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators;

/// <summary>OFFSET/LIMIT per run of equal partition keys of a sorted input (a top-N per correlation key).</summary>
public sealed class PartitionLimitNode(OperatorNode input, IReadOnlyList<int> keyIndexes, long offset, long? count) : OperatorNode(input.Output)
{
    public OperatorNode Input { get; } = input;

    public IReadOnlyList<int> KeyIndexes { get; } = keyIndexes;

    public long Offset { get; } = offset;

    public long? Count { get; } = count;

    internal ColumnOps[] KeyOps { get; } = [.. keyIndexes.Select(i => ColumnOps.For(input.Output[i].Type))];

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() =>
        $"Partition Limit: keys {string.Join(", ", KeyIndexes.Select(i => Input.Output[i].Name))}; offset {Offset}, count {(Count is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all")}";

    public override IBatchSource Open(ExecutionContext context) => new Stream(this, Input.Open(context));

    /// <summary>Keeps the previous row's keys in one-row columns (the input may reuse its batch), counting rows per run.</summary>
    private sealed class Stream(PartitionLimitNode node, IBatchSource input) : IBatchSource
    {
        private readonly Column[] _previous = [.. node.KeyIndexes.Select(i => PgArrowMapping.CreateColumn(node.Input.Output[i].Type, 1))];
        private bool _hasPrevious;
        private long _position; // rows seen so far in the current run
        private int[] _selection = new int[ExecutionContext.BatchRows];

        public RecordBatch? Next(CancellationToken cancellation)
        {
            long end = node.Count is { } c ? node.Offset + c : long.MaxValue;
            while (input.Next(cancellation) is { } batch)
            {
                int live = batch.LiveRows;
                if (_selection.Length < live) _selection = new int[live];
                int n = 0;
                for (int k = 0; k < live; k++)
                {
                    int row = batch.Selection is { } s ? s[k] : k;
                    if (_hasPrevious && SameKeys(batch, row))
                    {
                        _position++;
                    }
                    else
                    {
                        for (int j = 0; j < _previous.Length; j++)
                        {
                            KernelColumns.Prepare(_previous[j], 1);
                            node.KeyOps[j].Append(batch.Columns[node.KeyIndexes[j]], row, _previous[j]);
                        }
                        _hasPrevious = true;
                        _position = 0;
                    }
                    if (_position >= node.Offset && _position < end) _selection[n++] = row;
                }
                if (n > 0) return new RecordBatch(batch.Columns, batch.Length) { Selection = _selection, SelectedCount = n };
            }
            return null;
        }

        private bool SameKeys(RecordBatch batch, int row)
        {
            for (int j = 0; j < _previous.Length; j++)
                if (!node.KeyOps[j].Equal(batch.Columns[node.KeyIndexes[j]], row, _previous[j], 0)) return false;
            return true;
        }
    }
}
