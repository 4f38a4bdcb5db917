using PgFusion.HeapDecoder.Numeric;
using PgFusion.HeapDecoder.Primitive;
using PgFusion.HeapDecoder.Temporal;
using PgFusion.HeapDecoder.Text;
using PgFusion.Types;

namespace PgFusion.HeapDecoder.Tuple;

/// <summary>The one table from PostgreSQL type to value decoder (and the attlen it expects; -1 = varlena).</summary>
internal static class ValueDecoders
{
    public static (ValueDecoder Decoder, int Len) Create(PgType type) => type.Oid switch
    {
        PgTypeOid.Bool => (new BoolDecoder(), 1),
        PgTypeOid.Int2 => (new FixedWidthDecoder<short>(), 2),
        PgTypeOid.Int4 => (new FixedWidthDecoder<int>(), 4),
        PgTypeOid.Int8 => (new FixedWidthDecoder<long>(), 8),
        PgTypeOid.Oid => (new FixedWidthDecoder<uint>(), 4),
        PgTypeOid.Float4 => (new FixedWidthDecoder<float>(), 4),
        PgTypeOid.Float8 => (new FixedWidthDecoder<double>(), 8),
        PgTypeOid.Uuid => (new UuidDecoder(), 16),
        // Dates and timestamps keep PostgreSQL's 2000-01-01 epoch in memory: a plain copy.
        PgTypeOid.Date => (new FixedWidthDecoder<int>(), 4),
        PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz => (new FixedWidthDecoder<long>(), 8),
        PgTypeOid.Interval => (new IntervalDecoder(), 16),
        PgTypeOid.Numeric => (new NumericDecoder(), -1),
        PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Bytea => (new VarBinaryDecoder(), -1),
        PgTypeOid.Name => (new NameDecoder(), 64),
        _ => throw new NotSupportedException($"the heap decoder has no decoder for {type}"),
    };
}
