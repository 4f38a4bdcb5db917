using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>One iteration's working table: the rows a recursive union's last iteration added.</summary>
internal sealed record WorkTableRows(Column[] Rows, int Count);
