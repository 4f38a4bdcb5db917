using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PgFusion.Arrow;
using PgFusion.HeapDecoder.Numeric;
using PgFusion.HeapDecoder.Primitive;
using PgFusion.HeapDecoder.Text;
using PgFusion.HeapDecoder.Tuple;

namespace PgFusion.HeapDecoder;

/// <summary>
/// The walk for the common shape, precomputed once per relation layout and projection (as
/// PostgreSQL's attcacheoff, extended past varlenas): tuples without a null bitmap that have
/// every needed attribute. The attributes before the first varlena sit at fixed offsets and are
/// jumped over; the rest run as a flat list of steps that write straight into the column
/// buffers, with numeric(p, s) short-header values turned into scaled integers in place.
/// The walk never throws: anything unusual (a bound not met, a 4-byte compressed or external
/// varlena, a numeric it cannot place exactly, a full buffer) makes it return false, and the
/// general walk decodes the tuple again from the start (every write is per row, so the retry
/// overwrites what the fast walk left) and reports corruption with block, item and attribute.
/// </summary>
public sealed partial class HeapPageDecoder
{
    /// <summary>Steps for attributes _fastStart.._lastNeeded; null when the layout has a cstring there.</summary>
    private readonly FastStep[]? _steps;

    /// <summary>The steps specialised into straight-line code (null: WalkSteps interprets them).</summary>
    private readonly TupleWalker? _walker;

    /// <summary>Rows every bound step buffer can take (the fast walk writes without per-value bound checks below it).</summary>
    private int _fastRows;

    /// <summary>Some requested column has a validity bitmap: fast rows must set their bits.</summary>
    private bool _anyValidity;

    /// <summary>Some numeric step's column has Kinds (a NaN or infinity earlier in the batch): fast rows must clear theirs.</summary>
    private bool _anyKinds;

    private RecordBatch? _batch;

    private FastStep[]? BuildSteps()
    {
        if (_lastNeeded < 0) return [];
        int count = _lastNeeded + 1 - _fastStart;
        var steps = new FastStep[count];
        for (int k = 0; k < count; k++)
        {
            var a = _plans[_fastStart + k];
            var step = new FastStep { Len = a.Len, AlignMask = a.AlignMask, Slot = a.Slot, Scale = -1, Guess = ShapeGuess.None, Guess2 = ShapeGuess.None };
            if (a.Len == -2) return null;
            var decoder = a.Slot >= 0 ? _decoders[a.Slot] : null;
            step.Kind = (decoder, a.Len) switch
            {
                (null, > 0) => FastKind.SkipFixed,
                (null, _) => FastKind.SkipVarlena,
                (FixedWidthDecoder<short>, 2) => FastKind.Copy2,
                (FixedWidthDecoder<int> or FixedWidthDecoder<uint> or FixedWidthDecoder<float>, 4) => FastKind.Copy4,
                (FixedWidthDecoder<long> or FixedWidthDecoder<double>, 8) => FastKind.Copy8,
                (NumericDecoder, -1) => FastKind.Numeric,
                (_, -1) when decoder.GetType() == typeof(VarBinaryDecoder) => FastKind.Text,
                (_, > 0) => FastKind.GenericFixed,
                _ => FastKind.GenericVarlena,
            };
            steps[k] = step;
        }
        return steps;
    }

    /// <summary>Points the steps at the batch's current buffers (per page, and after the general walk ran).</summary>
    private void BindSteps(RecordBatch batch, int capacity)
    {
        _batch = batch;
        bool anyValidity = false;
        for (int s = 0; s < _decoders.Length; s++) anyValidity |= batch.Columns[s].Validity is not null;
        _anyValidity = anyValidity;
        _anyKinds = false;
        if (_steps is not { } steps) return;
        bool anyKinds = false;
        int rows = capacity;
        for (int k = 0; k < steps.Length; k++)
        {
            ref FastStep step = ref steps[k];
            switch (step.Kind)
            {
                case FastKind.Copy2:
                case FastKind.Copy4:
                case FastKind.Copy8:
                    var values = _decoders[step.Slot].DirectValues!;
                    step.Values = values;
                    rows = Math.Min(rows, values.Length);
                    break;
                case FastKind.Numeric:
                    var dec = (DecimalColumn)batch.Columns[step.Slot];
                    step.Values = dec.Values;
                    step.Bytes = dec.Kinds;
                    step.Scale = dec.Scales is null ? dec.FixedScale : -1;
                    step.Table = step.Scale >= 0 ? NumericScaled.TableFor(step.Scale) : NumericScaled.Never;
                    ShapeGuess.Bind(ref step);
                    anyKinds |= dec.Kinds is not null;
                    rows = Math.Min(rows, dec.Kinds is { } kinds ? Math.Min(kinds.Length, dec.Values.Length) : dec.Values.Length);
                    break;
                case FastKind.Text:
                    var text = (VarBinaryColumn)batch.Columns[step.Slot];
                    step.Values = text.Offsets;
                    step.Bytes = text.Data;
                    rows = Math.Min(rows, text.Offsets.Length - 1);
                    break;
                default:
                    break;
            }
        }
        _fastRows = rows;
        _anyKinds = anyKinds;
    }

    /// <summary>
    /// Walks a tuple without nulls that has every needed attribute. data: the tuple data (after
    /// t_hoff), dataLength bytes of it inside the page. False: decode it with the general walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryWalkFast(ref byte data, int dataLength, int readable, int row)
    {
        if ((uint)row >= (uint)_fastRows) return false;
        int off = _cacheOff[_fastStart];
        if (off > dataLength) return false;
        bool done = _walker is { } walker ? walker.Walk(ref data, dataLength, readable, off, row, _steps!) : WalkSteps(ref data, dataLength, readable, off, row);
        if (done && (_anyValidity || _anyKinds)) AfterFastRows(row, row + 1);
        return done;
    }

    /// <summary>The step list interpreted, for layouts TupleWalker has no specialised form for.</summary>
    private bool WalkSteps(ref byte data, int dataLength, int readable, int off, int row)
    {
        var steps = _steps!;
        for (int k = 0; k < steps.Length; k++)
        {
            ref FastStep s = ref steps[k];
            int len;
            int start;
            switch (s.Kind)
            {
                case FastKind.SkipFixed:
                    off = ((off + s.AlignMask) & ~s.AlignMask) + s.Len;
                    if (off > dataLength) return false;
                    break;
                case FastKind.Copy4:
                    off = (off + s.AlignMask) & ~s.AlignMask;
                    if (off + 4 > dataLength) return false;
                    Unsafe.Add(ref Unsafe.As<byte, int>(ref MemoryMarshal.GetArrayDataReference(s.Values!)), row) = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref data, off));
                    off += 4;
                    break;
                case FastKind.Copy8:
                    off = (off + s.AlignMask) & ~s.AlignMask;
                    if (off + 8 > dataLength) return false;
                    Unsafe.Add(ref Unsafe.As<byte, long>(ref MemoryMarshal.GetArrayDataReference(s.Values!)), row) = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref data, off));
                    off += 8;
                    break;
                case FastKind.Copy2:
                    off = (off + s.AlignMask) & ~s.AlignMask;
                    if (off + 2 > dataLength) return false;
                    Unsafe.Add(ref Unsafe.As<byte, short>(ref MemoryMarshal.GetArrayDataReference(s.Values!)), row) = Unsafe.ReadUnaligned<short>(ref Unsafe.Add(ref data, off));
                    off += 2;
                    break;
                case FastKind.Numeric:
                    len = FastVarlena.Plain(ref data, dataLength, ref off, s.AlignMask, out start);
                    if (len < 0) return false;
                    long v = NumericScaled.TryShort(ref Unsafe.Add(ref data, start), len, s.Scale, readable - start);
                    if (v == NumericScaled.NotDecoded) return false;
                    Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<Int128[]>(s.Values!)), row) = v;
                    if (s.Bytes is { } kinds) Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(kinds), row) = 0;
                    break;
                case FastKind.Text:
                    len = FastVarlena.Plain(ref data, dataLength, ref off, s.AlignMask, out start);
                    if (len < 0 || !FastVarlena.AppendText(ref s, ref Unsafe.Add(ref data, start), len, row)) return false;
                    break;
                case FastKind.SkipVarlena:
                    if (!SkipVarlenaAt(ref data, dataLength, ref off, s.AlignMask)) return false;
                    break;
                case FastKind.GenericFixed:
                    off = (off + s.AlignMask) & ~s.AlignMask;
                    if (off + s.Len > dataLength) return false;
                    _attNum = _fastStart + k + 1;
                    _decoders[s.Slot].Decode(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref data, off), s.Len), row);
                    off += s.Len;
                    break;
                default:
                    len = FastVarlena.Plain(ref data, dataLength, ref off, s.AlignMask, out start);
                    if (len < 0) return false;
                    _attNum = _fastStart + k + 1;
                    _decoders[s.Slot].Decode(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref data, start), len), row);
                    break;
            }
        }
        return true;
    }

    /// <summary>
    /// What the fast walks leave to the run: validity bits of rows from..to-1 set, and the Kinds
    /// of numeric columns that have them cleared (finite), so no value pays for it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AfterFastRows(int from, int to)
    {
        if (to <= from) return;
        var columns = _batch!.Columns;
        for (int s = 0; s < columns.Count; s++)
        {
            var c = columns[s];
            if (c.Validity is { } validity)
            {
                for (int r = from; r < to; r++) validity.SetValid(r);
            }
            if (c is DecimalColumn { Kinds: { } kinds }) Array.Clear(kinds, from, to - from);
        }
    }

    private static bool SkipVarlenaAt(ref byte data, int dataLength, ref int off, int alignMask)
    {
        int o = off;
        if ((uint)o >= (uint)dataLength) return false;
        int b0 = Unsafe.Add(ref data, o);
        if ((b0 & 1) != 0)
        {
            off = o + (b0 >> 1);
            return b0 != 1 && off <= dataLength;
        }
        off = FastVarlena.SkipLong(ref data, dataLength, o, alignMask);
        return off >= 0;
    }
}
