using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators;

/// <summary>Runtime of a projection: owns its output columns and refills them per input batch.</summary>
internal sealed class ProjectStream : IBatchSource
{
    private readonly Kernel<ProjectKernel> kernel;
    private readonly IBatchSource input;
    private readonly ExecutionContext context;
    private readonly Column[] outputs;
    private readonly RecordBatch batch;

    public ProjectStream(Kernel<ProjectKernel> kernel, IReadOnlyList<PgType> types, IBatchSource input, ExecutionContext context)
    {
        this.kernel = kernel;
        this.input = input;
        this.context = context;
        outputs = types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        batch = new RecordBatch(outputs, 0);
    }

    /// <summary>The error of a row whose projection raised, held while the rows before it go up (<see cref="RowOrder"/>).</summary>
    private PgFusionException? pending;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (pending is { } error)
        {
            pending = null;
            throw error;
        }
        var next = input.Next(cancellation);
        if (next is null) return null;
        try
        {
            Run(kernel, next, outputs, context);
            batch.Length = next.LiveRows;
        }
        catch (PgFusionException raised) when (next.LiveRows > 1)
        {
            var before = RowOrder.PrefixBeforeError(next, b =>
            {
                Run(kernel, b, outputs, context);
                return b.LiveRows;
            }, raised, out var first, out int rows);
            if (before is null) throw first;
            pending = first;
            batch.Length = rows;
        }
        return batch;
    }

    /// <summary>Runs a projection kernel over the live rows of <paramref name="input"/> into <paramref name="outputs"/>.</summary>
    public static void Run(Kernel<ProjectKernel> kernel, RecordBatch input, Column[] outputs, ExecutionContext context)
    {
        int rows = input.LiveRows;
        foreach (var c in outputs) KernelColumns.Prepare(c, rows);
        context.Kernel.Arena.Reset();
        kernel.Run(input, outputs, context.Kernel);
        foreach (var c in outputs) c.Length = rows;
    }
}
