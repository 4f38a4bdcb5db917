namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// Who creates a spill file: the kind of operator and the plan node it runs for. The node's
/// position in the plan EXPLAIN shows (<see cref="SpillSpace.PositionOf"/>) goes to the backend in
/// DONE, so EXPLAIN ANALYZE can say which sort, hash join or aggregate spilled (docs/ipc.md 5.4).
/// </summary>
/// <param name="Node">The plan node whose execution wrote the file; null when a caller has none (its files are unattributed, node 0).</param>
public readonly record struct SpillOwner(SpillOperator Kind, OperatorNode? Node);
