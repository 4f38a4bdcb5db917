using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// One iteration's working table: the rows a recursive union's last iteration added, in memory, or
/// (past the memory budget) in a spill file of blocks of at most a batch each.
/// </summary>
internal sealed record WorkTableRows(Column[] Rows, int Count)
{
    public SpillFile? File { get; init; }
}
