namespace PgFusion.HeapDecoder.Tuple;

/// <summary>How the tuple walker treats one attribute of the relation (dropped ones included).</summary>
/// <param name="Len">attlen: &gt; 0 fixed, -1 varlena, -2 cstring.</param>
/// <param name="AlignMask">attalign in bytes minus one.</param>
/// <param name="Slot">Index of the requested column it feeds, or -1 when the plan does not need it.</param>
internal readonly record struct AttributePlan(short Len, int AlignMask, int Slot);
