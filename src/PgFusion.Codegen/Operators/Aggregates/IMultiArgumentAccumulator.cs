using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// An accumulator of an aggregate with more than one argument (string_agg(value, delimiter)):
/// before each Update it receives the evaluated columns of its arguments after the first, rows
/// aligned with Update's argument column.
/// </summary>
public interface IMultiArgumentAccumulator
{
    void SetExtraArguments(Column[] extra);
}
