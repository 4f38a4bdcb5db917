using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using PgFusion.Types;

namespace PgFusion.Arrow.Ipc;

/// <summary>
/// Turns one in-memory column into its FieldNode and body buffers for the IPC type of its field,
/// converting where PgFusion's layout and Arrow's differ (epochs, uuid byte order, interval
/// units, numeric without a fixed scale). Only live rows are written: all of them, or those of
/// the batch's selection vector, in selection order.
/// </summary>
internal sealed class ArrowColumnEncoder(ArrowBody body, ArrowIpcOptions options)
{
    private readonly ArrowBody _body = body;
    private readonly ArrowIpcOptions _options = options;
    private int[] _offsets = new int[64];
    private byte[] _strings = new byte[256];

    /// <summary>The live rows of a batch: a prefix, or a selection vector.</summary>
    public readonly struct Rows(int[]? selection, int count)
    {
        public int Count { get; } = count;

        public int[]? Selection { get; } = selection;

        public int this[int i] => Selection is null ? i : Selection[i];
    }

    public void Encode(int index, ArrowField field, Column column, Rows rows)
    {
        var ipc = field.Type;
        switch (column)
        {
            case BooleanColumn b when ipc.Id == ArrowTypeId.Boolean:
                WriteValidity(column, rows);
                WriteBits(b.Bits, rows);
                return;
            case PrimitiveColumn<short> s when ipc.Id == ArrowTypeId.Int16:
                WriteValidity(column, rows);
                WriteFixed(s.Values, rows);
                return;
            case PrimitiveColumn<int> i when ipc.Id == ArrowTypeId.Int32:
                WriteValidity(column, rows);
                WriteFixed(i.Values, rows);
                return;
            case PrimitiveColumn<int> d when ipc.Id == ArrowTypeId.Date32:
                WriteValidity(column, rows);
                WriteDates(d, rows);
                return;
            case PrimitiveColumn<long> l when ipc.Id is ArrowTypeId.Int64 or ArrowTypeId.Time64:
                WriteValidity(column, rows);
                WriteFixed(l.Values, rows);
                return;
            case PrimitiveColumn<long> t when ipc.Id == ArrowTypeId.Timestamp:
                WriteValidity(column, rows);
                WriteTimestamps(index, field, t, rows);
                return;
            case PrimitiveColumn<uint> o when ipc.Id == ArrowTypeId.UInt32:
                WriteValidity(column, rows);
                WriteFixed(o.Values, rows);
                return;
            case PrimitiveColumn<float> f when ipc.Id == ArrowTypeId.Float32:
                WriteValidity(column, rows);
                WriteFixed(f.Values, rows);
                return;
            case PrimitiveColumn<double> f when ipc.Id == ArrowTypeId.Float64:
                WriteValidity(column, rows);
                WriteFixed(f.Values, rows);
                return;
            case PrimitiveColumn<UInt128> u when ipc.Id == ArrowTypeId.FixedSizeBinary && ipc.ByteWidth == 16:
                WriteValidity(column, rows);
                WriteUuids(u, rows);
                return;
            case PrimitiveColumn<PgInterval> iv when ipc.Id == ArrowTypeId.Interval:
                WriteValidity(column, rows);
                WriteIntervals(index, field, iv, rows);
                return;
            case DecimalColumn n when ipc.Id == ArrowTypeId.Decimal128:
                WriteDecimals(index, field, n, rows);
                return;
            case DecimalColumn n when ipc.Id == ArrowTypeId.Utf8:
                WriteValidity(column, rows);
                WriteNumericText(n, rows);
                return;
            case VarBinaryColumn v when ipc.Id is ArrowTypeId.Utf8 or ArrowTypeId.Binary:
                WriteValidity(column, rows);
                WriteVarBinary(v, rows);
                return;
            default:
                throw new ArrowIpcException("XX000",
                    $"Arrow IPC: column {index} \"{field.Name}\" holds {column.GetType().Name} of {column.Type.Id}, which cannot be written as Arrow {ipc.Id}");
        }
    }

    // ---------------------------------------------------------------- validity and bits

    private void WriteValidity(Column column, Rows rows)
    {
        var validity = column.Validity;
        int nulls = 0;
        if (validity is not null)
        {
            if (rows.Selection is null) nulls = validity.CountNulls(rows.Count);
            else for (int i = 0; i < rows.Count; i++) if (!validity.IsValid(rows[i])) nulls++;
        }
        _body.AddNode(rows.Count, nulls);
        if (nulls == 0)
        {
            _body.AddEmptyBuffer();
            return;
        }
        WriteBits(validity!, rows);
    }

    /// <summary>LSB-first bits, as both Arrow's validity bitmaps and its Boolean arrays are laid out.</summary>
    private void WriteBits(ValidityBitmap bits, Rows rows)
    {
        var dst = _body.AddBuffer((rows.Count + 7) >> 3);
        if (rows.Selection is null && BitConverter.IsLittleEndian)
        {
            // A ulong word on a little-endian machine is already eight LSB-first bytes.
            MemoryMarshal.AsBytes(bits.Words.AsSpan())[..dst.Length].CopyTo(dst);
            if ((rows.Count & 7) != 0) dst[^1] &= (byte)((1 << (rows.Count & 7)) - 1);
            return;
        }
        for (int i = 0; i < rows.Count; i++)
            if (bits.IsValid(rows[i])) dst[i >> 3] |= (byte)(1 << (i & 7));
    }

    /// <summary>A validity bitmap for a column where some valid rows become null on the way out.</summary>
    private void WriteValidity(Rows rows, Func<int, bool> isValid)
    {
        int nulls = 0;
        for (int i = 0; i < rows.Count; i++) if (!isValid(rows[i])) nulls++;
        _body.AddNode(rows.Count, nulls);
        if (nulls == 0)
        {
            _body.AddEmptyBuffer();
            return;
        }
        var dst = _body.AddBuffer((rows.Count + 7) >> 3);
        for (int i = 0; i < rows.Count; i++)
            if (isValid(rows[i])) dst[i >> 3] |= (byte)(1 << (i & 7));
    }

    // ---------------------------------------------------------------- fixed width

    private void WriteFixed<T>(T[] values, Rows rows) where T : unmanaged
    {
        var dst = MemoryMarshal.Cast<byte, T>(_body.AddBuffer(rows.Count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));
        if (rows.Selection is null) values.AsSpan(0, rows.Count).CopyTo(dst);
        else for (int i = 0; i < rows.Count; i++) dst[i] = values[rows[i]];
    }

    /// <summary>Date32 counts days from 1970-01-01; PostgreSQL from 2000-01-01. ±infinity keep their int32 extremes.</summary>
    private void WriteDates(PrimitiveColumn<int> column, Rows rows)
    {
        var dst = MemoryMarshal.Cast<byte, int>(_body.AddBuffer(rows.Count * 4));
        for (int i = 0; i < rows.Count; i++)
        {
            int r = rows[i];
            if (column.IsNull(r)) continue;
            int v = column.Values[r];
            // PostgreSQL's last date (5874897-12-31) is 2145031948 days from 2000: the shift cannot overflow.
            dst[i] = v is PgEpoch.DateNegativeInfinity or PgEpoch.DatePositiveInfinity ? v : v + PgEpoch.UnixEpochDays;
        }
    }

    /// <summary>Timestamp(us) counts from 1970; ±infinity keep their int64 extremes; the last ~29 years PostgreSQL allows overflow.</summary>
    private void WriteTimestamps(int index, ArrowField field, PrimitiveColumn<long> column, Rows rows)
    {
        var dst = MemoryMarshal.Cast<byte, long>(_body.AddBuffer(rows.Count * 8));
        for (int i = 0; i < rows.Count; i++)
        {
            int r = rows[i];
            if (column.IsNull(r)) continue;
            long v = column.Values[r];
            if (v is PgEpoch.TimestampNegativeInfinity or PgEpoch.TimestampPositiveInfinity)
            {
                dst[i] = v;
                continue;
            }
            if (v > long.MaxValue - PgEpoch.UnixEpochMicros - 1)
                throw new ArrowIpcException("22008",
                    $"timestamp out of range for Arrow Timestamp(us) from 1970: column {index} \"{field.Name}\" row {i} is {v} us after 2000-01-01");
            dst[i] = v + PgEpoch.UnixEpochMicros;
        }
    }

    /// <summary>FixedSizeBinary(16) holds the uuid's bytes in PostgreSQL's (textual) order; the column keeps them as a big-endian UInt128.</summary>
    private void WriteUuids(PrimitiveColumn<UInt128> column, Rows rows)
    {
        var dst = _body.AddBuffer(rows.Count * 16);
        for (int i = 0; i < rows.Count; i++)
            BinaryPrimitives.WriteUInt128BigEndian(dst.Slice(i * 16, 16), column.Values[rows[i]]);
    }

    /// <summary>Interval(MONTH_DAY_NANO): int32 months, int32 days, int64 nanoseconds, little-endian.</summary>
    private void WriteIntervals(int index, ArrowField field, PrimitiveColumn<PgInterval> column, Rows rows)
    {
        const long maxMicros = long.MaxValue / 1000;
        var dst = _body.AddBuffer(rows.Count * 16);
        for (int i = 0; i < rows.Count; i++)
        {
            int r = rows[i];
            if (column.IsNull(r)) continue;
            var v = column.Values[r];
            if (v.Micros is > maxMicros or < -maxMicros)
                throw new ArrowIpcException("22008",
                    $"interval out of range for Arrow Interval(MONTH_DAY_NANO): column {index} \"{field.Name}\" row {i} has {v.Micros} us in its time part (more than 2^63 ns)");
            var slot = dst.Slice(i * 16, 16);
            BinaryPrimitives.WriteInt32LittleEndian(slot, v.Months);
            BinaryPrimitives.WriteInt32LittleEndian(slot[4..], v.Days);
            BinaryPrimitives.WriteInt64LittleEndian(slot[8..], v.Micros * 1000);
        }
    }

    // ---------------------------------------------------------------- numeric

    private void WriteDecimals(int index, ArrowField field, DecimalColumn column, Rows rows)
    {
        if (column.Scales is not null || column.FixedScale != field.Type.Scale)
            throw new ArrowIpcException("XX000",
                $"Arrow IPC: column {index} \"{field.Name}\" has {(column.Scales is null ? "scale " + column.FixedScale : "a scale per value")}, its field Decimal128({field.Type.Precision}, {field.Type.Scale})");
        var kinds = column.Kinds;
        if (kinds is null) WriteValidity(column, rows);
        else
        {
            for (int i = 0; i < rows.Count; i++)
            {
                int r = rows[i];
                if (!column.IsNull(r) && kinds[r] != 0 && !(_options.NumericNaNAsNull && kinds[r] == (byte)NumericKind.NaN))
                    throw new ArrowIpcException("22003",
                        $"numeric {KindName(kinds[r])} has no Arrow Decimal128 representation: column {index} \"{field.Name}\" row {i} (ArrowIpcOptions.NumericNaNAsNull writes NaN as null)");
            }
            WriteValidity(rows, r => !column.IsNull(r) && kinds[r] == 0);
        }
        var dst = _body.AddBuffer(rows.Count * 16);
        for (int i = 0; i < rows.Count; i++)
            BinaryPrimitives.WriteInt128LittleEndian(dst.Slice(i * 16, 16), column.Values[rows[i]]);
    }

    private static string KindName(byte kind) => kind switch
    {
        (byte)NumericKind.NaN => "NaN",
        (byte)NumericKind.PositiveInfinity => "Infinity",
        (byte)NumericKind.NegativeInfinity => "-Infinity",
        _ => "beyond 38 digits",
    };

    /// <summary>numeric_out's text for columns without one scale or beyond Decimal128.</summary>
    private void WriteNumericText(DecimalColumn column, Rows rows)
    {
        EnsureOffsets(rows.Count + 1);
        int length = 0;
        _offsets[0] = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            int r = rows[i];
            if (!column.IsNull(r))
            {
                var kind = column.Kinds is { } k ? k[r] : (byte)0;
                PgNumeric value = kind switch
                {
                    0 => new PgNumeric(column.Values[r], (short)column.ScaleAt(r)),
                    DecimalColumn.KindBig => new PgNumeric(0, (short)column.ScaleAt(r), NumericKind.Finite, column.Big![r]),
                    _ => new PgNumeric(0, 0, (NumericKind)kind),
                };
                string text = value.ToString();
                int n = Encoding.ASCII.GetByteCount(text);
                if (length + n > _strings.Length) Array.Resize(ref _strings, Math.Max(length + n, _strings.Length * 2));
                length += Encoding.ASCII.GetBytes(text, _strings.AsSpan(length));
            }
            _offsets[i + 1] = length;
        }
        MemoryMarshal.AsBytes(_offsets.AsSpan(0, rows.Count + 1)).CopyTo(_body.AddBuffer((rows.Count + 1) * 4));
        _strings.AsSpan(0, length).CopyTo(_body.AddBuffer(length));
    }

    // ---------------------------------------------------------------- strings and bytes

    private void WriteVarBinary(VarBinaryColumn column, Rows rows)
    {
        if (rows.Selection is null)
        {
            int start = column.Offsets[0];
            var offsets = MemoryMarshal.Cast<byte, int>(_body.AddBuffer((rows.Count + 1) * 4));
            for (int i = 0; i <= rows.Count; i++) offsets[i] = column.Offsets[i] - start;
            column.Data.AsSpan(start, column.Offsets[rows.Count] - start).CopyTo(_body.AddBuffer(column.Offsets[rows.Count] - start));
            return;
        }
        EnsureOffsets(rows.Count + 1);
        long total = 0;
        _offsets[0] = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            int r = rows[i];
            total += column.Offsets[r + 1] - column.Offsets[r];
            _offsets[i + 1] = checked((int)total);
        }
        MemoryMarshal.AsBytes(_offsets.AsSpan(0, rows.Count + 1)).CopyTo(_body.AddBuffer((rows.Count + 1) * 4));
        var data = _body.AddBuffer((int)total);
        for (int i = 0; i < rows.Count; i++)
            column.GetBytes(rows[i]).CopyTo(data[_offsets[i]..]);
    }

    private void EnsureOffsets(int count)
    {
        if (_offsets.Length < count) _offsets = new int[Math.Max(count, _offsets.Length * 2)];
    }
}
