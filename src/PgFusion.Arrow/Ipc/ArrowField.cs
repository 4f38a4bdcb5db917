using PgFusion.Types;

namespace PgFusion.Arrow.Ipc;

/// <summary>
/// One field of an IPC schema: the Arrow type written to the stream (which may differ from the
/// in-memory column's, see <see cref="PgArrowMapping.IpcTypeOf"/>) and, when known, the
/// PostgreSQL type it came from. The writer records that type as field metadata
/// (<see cref="ArrowSchema.PgTypeKey"/>, <see cref="ArrowSchema.PgTypeOidKey"/>,
/// <see cref="ArrowSchema.PgTypmodKey"/>) so a reader can tell text from char(n) or a numeric
/// carried as Utf8 from a real string.
/// </summary>
public sealed record ArrowField(string Name, ArrowType Type, bool Nullable = true, PgType? PgType = null);
