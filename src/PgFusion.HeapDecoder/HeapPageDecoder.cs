using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PgFusion.Arrow;
using PgFusion.HeapDecoder.Page;
using PgFusion.HeapDecoder.Tuple;
using PgFusion.Types;

namespace PgFusion.HeapDecoder;

/// <summary>
/// Decodes the visible tuples of heap pages into Arrow columns, reading only the requested
/// attributes (in the requested order) and stopping at the last one needed.
/// Visibility bitmap: <see cref="VisibilityBitmapBytes"/> bytes, LSB-first, bit i set = the
/// tuple at line pointer i + 1 is visible to the query's snapshot.
/// One instance per scan thread: it keeps per-page state and a decompression buffer.
/// </summary>
public sealed partial class HeapPageDecoder
{
    public const int VisibilityBitmapBytes = 40;

    /// <summary>PostgreSQL's block size; Decode accepts only pages of this size.</summary>
    public const int PageSize = PageFormat.BlockSize;

    /// <summary>At most this many line pointers, hence tuples, on one heap page.</summary>
    public const int MaxTuplesPerPage = PageFormat.MaxHeapTuplesPerPage;

    private readonly AttributePlan[] _plans;
    private readonly ValueDecoder[] _decoders;
    private readonly int[] _slotAttNums;
    private readonly int _lastNeeded;
    private readonly int _fastStart;
    private readonly int[] _cacheOff;
    private readonly byte[]?[] _missing;
    private readonly bool _pageLoop;

    /// <summary>Which copy of the page loop runs while the layout's tiered WalkPage warms up (null: WalkPage).</summary>
    private WalkWarmup? _warmup;

    /// <summary>PGFUSION_DECODER_WARMUP=optimized: every page through WalkPageOptimized (a comparison knob).</summary>
    private readonly bool _optimizedOnly;

    private uint _block;

    /// <summary>The batch, columns and buffer versions the decoders and steps are bound to after the last page (null: none).</summary>
    private RecordBatch? _boundBatch;
    private Column?[] _boundColumns;

    /// <summary>The batch's columns of the page being decoded (read once per page: Columns is an interface); swapped with _boundColumns after it.</summary>
    private Column?[] _pageColumns;
    private readonly int[] _boundVersions;

    /// <summary>Rows every column had room for at the last full bind.</summary>
    private int _boundCapacity;
    private int _attNum;

    /// <summary>The address of the next page the last call requested every line of (0: none); see PageScan.Requested.</summary>
    private nint _requestedNext;
    private byte[] _scratch = new byte[1024];

    /// <param name="relation">Every attribute of the relation in attnum order, dropped ones included.</param>
    /// <param name="attNums">Attributes to decode (1-based, distinct, not dropped); column i of the batch holds attNums[i].</param>
    public HeapPageDecoder(RelationLayout relation, IReadOnlyList<int> attNums)
        : this(relation, attNums, DecodePaths.Default)
    {
    }

    /// <param name="paths">Which walks may run (tests compare them; the public constructor takes them all).</param>
    internal HeapPageDecoder(RelationLayout relation, IReadOnlyList<int> attNums, DecodePaths paths)
    {
        ArgumentNullException.ThrowIfNull(relation);
        ArgumentNullException.ThrowIfNull(attNums);
        Relation = relation;
        AttNums = attNums;

        int natts = relation.Attributes.Count;
        _plans = new AttributePlan[natts];
        var slots = new int[natts];
        Array.Fill(slots, -1);
        _decoders = new ValueDecoder[attNums.Count];
        _slotAttNums = new int[attNums.Count];
        _missing = new byte[]?[attNums.Count];
        _boundColumns = new Column?[attNums.Count];
        _pageColumns = new Column?[attNums.Count];
        _boundVersions = new int[attNums.Count];
        int firstNeeded = natts, lastNeeded = -1;
        for (int s = 0; s < attNums.Count; s++)
        {
            int a = attNums[s];
            if (a < 1 || a > natts) throw new ArgumentException($"attribute {a} is not in relation {relation.Name} (1..{natts})", nameof(attNums));
            var att = relation.Attribute(a);
            if (att.AttNum != a) throw new ArgumentException($"relation {relation.Name}: attribute at position {a} says attnum {att.AttNum}", nameof(relation));
            if (att.IsDropped) throw new ArgumentException($"attribute {a} of {relation.Name} is dropped", nameof(attNums));
            if (slots[a - 1] >= 0) throw new ArgumentException($"attribute {a} requested twice", nameof(attNums));
            var (decoder, len) = ValueDecoders.Create(att.Type);
            if (len != att.Len) throw new ArgumentException($"attribute {a} ({att.Type}) has attlen {att.Len}, the decoder expects {len}", nameof(relation));
            slots[a - 1] = s;
            _decoders[s] = decoder;
            _slotAttNums[s] = a;
            _missing[s] = att.HasMissing ? MissingDatum(att) : null;
            firstNeeded = Math.Min(firstNeeded, a - 1);
            lastNeeded = Math.Max(lastNeeded, a - 1);
        }
        for (int i = 0; i < natts; i++)
        {
            var att = relation.Attributes[i];
            if (att.Len == 0 || att.Len < -2) throw new ArgumentException($"attribute {i + 1} has attlen {att.Len}", nameof(relation));
            _plans[i] = new AttributePlan(att.Len, att.AlignBytes - 1, slots[i]);
        }
        _lastNeeded = lastNeeded;

        // attcacheoff: while every attribute before i is fixed-width and not null, attribute i
        // starts at a fixed offset; a tuple without nulls there jumps straight to it.
        _cacheOff = new int[natts + 1];
        int prefix = 0, off = 0;
        while (prefix < natts && _plans[prefix].Len > 0)
        {
            _cacheOff[prefix] = off;
            off = ((off + _plans[prefix].AlignMask) & ~_plans[prefix].AlignMask) + _plans[prefix].Len;
            prefix++;
        }
        _cacheOff[prefix] = off;
        _fastStart = Math.Min(firstNeeded, prefix);
        _steps = paths == DecodePaths.GeneralOnly ? null : BuildSteps();
        // PGFUSION_DECODER_SPECIALIZE=0 keeps the interpreted step list (to compare the two)
        _walker = _steps is { } steps && paths == DecodePaths.Default && Environment.GetEnvironmentVariable("PGFUSION_DECODER_SPECIALIZE") != "0"
            ? TupleWalker.TryCreate(steps, NextPrefetch.LinesFromEnvironment()) : null;
        // PGFUSION_DECODER_PAGELOOP=0 calls the specialised walk once per tuple from Decode's loop instead of TupleWalker.WalkPage
        _pageLoop = Environment.GetEnvironmentVariable("PGFUSION_DECODER_PAGELOOP") != "0";
        // PGFUSION_DECODER_WARMUP=0 runs the tiered WalkPage from the first page (the cold start WalkWarmup avoids),
        // =optimized WalkPageOptimized on every page (to compare the two copies' steady speed)
        string? warmup = Environment.GetEnvironmentVariable("PGFUSION_DECODER_WARMUP");
        _optimizedOnly = _walker is not null && warmup == "optimized";
        _warmup = _walker is { TieredWarm: false } && warmup != "0" && !_optimizedOnly ? new WalkWarmup() : null;
    }

    public RelationLayout Relation { get; }

    public IReadOnlyList<int> AttNums { get; }

    /// <summary>An empty batch whose columns match AttNums (PgArrowMapping.CreateColumn).</summary>
    public RecordBatch NewBatch(int capacity) =>
        new([.. AttNums.Select(a => PgArrowMapping.CreateColumn(Relation.Attribute(a).Type, capacity))], 0);

    /// <summary>
    /// Appends the page's visible tuples to <paramref name="into"/>; returns how many. Corrupt
    /// input raises HeapDecodeException naming block, item and attribute; the tuples decoded
    /// before it stay in the batch.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility, uint blockNumber, RecordBatch into, IDetoastedValues? detoasted) =>
        Decode(page, visibility, blockNumber, into, detoasted, default, default);

    /// <summary>
    /// As <see cref="Decode(ReadOnlySpan{byte}, ReadOnlySpan{byte}, uint, RecordBatch, IDetoastedValues?)"/>;
    /// <paramref name="nextPage"/> and <paramref name="nextVisibility"/> are what the caller decodes
    /// next (or empty): their cache lines are requested while this page is walked, so the next
    /// call finds them in cache. A hint only: they are never read here.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility, uint blockNumber, RecordBatch into, IDetoastedValues? detoasted,
        ReadOnlySpan<byte> nextPage, ReadOnlySpan<byte> nextVisibility)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (visibility.Length < VisibilityBitmapBytes) throw new ArgumentException($"visibility bitmap has {visibility.Length} bytes, expected {VisibilityBitmapBytes}", nameof(visibility));
        if (into.Columns.Count != _decoders.Length) throw new ArgumentException($"batch has {into.Columns.Count} columns, the decoder fills {_decoders.Length}", nameof(into));
        _block = blockNumber;
        // the header is read once: a page read in place in shared buffers (docs/ipc.md 6.5) may
        // gain items meanwhile (pd_lower up, pd_upper down), and every bound below is these values
        int items = ReadPageHeader(page, out int upper, out int special);
        if (items == 0) return 0;

        int start = into.Length;
        int capacity = start + items;
        // The decoders and steps stay bound to the batch's buffers from the last page while the
        // batch, its columns and their buffers are the same and have room for this page's rows.
        var intoColumns = into.Columns;
        var pageColumns = _pageColumns;
        ref Column? pageColumn0 = ref MemoryMarshal.GetArrayDataReference(pageColumns);
        bool bound = ReferenceEquals(into, _boundBatch) && capacity <= _boundCapacity;
        for (int s = 0; s < pageColumns.Length; s++)
        {
            var column = intoColumns[s];
            // a store without the covariance check of Column?[] (the array is this decoder's own)
            Unsafe.Add(ref pageColumn0, s) = column;
            column.Length = start;
            bound = bound && ReferenceEquals(column, _boundColumns[s]) && column.BufferVersion == _boundVersions[s];
        }
        if (!bound)
        {
            _boundBatch = null;
            for (int s = 0; s < _decoders.Length; s++) _decoders[s].Begin(pageColumns[s]!, capacity);
            // the rows every column has room for now (>= capacity; the batch's capacity, usually):
            // later pages of the batch that fit stay bound
            int room = int.MaxValue;
            for (int s = 0; s < _decoders.Length; s++) room = Math.Min(room, pageColumns[s]!.Capacity);
            for (int s = 0; s < _decoders.Length; s++) _decoders[s].Room(room);
            _boundCapacity = room;
            BindDirect();
            BindSteps(into, room);
        }
        _boundBatch = null;

        int row = start;
        // fast walk: no null bitmap, at least every needed attribute, at most the relation's
        int fastNatts = _steps is null ? int.MaxValue : _lastNeeded + 1;
        int maxNatts = _plans.Length;
        ref byte pageRef = ref MemoryMarshal.GetReference(page);
        ref byte visibilityRef = ref MemoryMarshal.GetReference(visibility);
        var walker = _pageLoop ? _walker : null;
        var scan = new PageScan
        {
            Items = items, Upper = upper, Special = special, MinNatts = fastNatts, MaxNatts = maxNatts,
            StartOffset = _cacheOff[_fastStart],
        };
        // this page is the last call's next page, all of whose lines that call requested: no prefetch ahead in it
        scan.Requested = _requestedNext != 0 && _requestedNext == AddressOf(ref pageRef);
        scan.AllVisible = AllVisible(visibility, items);
        _requestedNext = 0;
        if (nextPage.Length == PageFormat.BlockSize && walker is not null) PrefetchNext(nextPage, nextVisibility, ref scan);
        int item = 0;
        int walked = 0;
        try
        {
            for (int i = 0; i < items; i++)
            {
                if (walker is not null)
                {
                    // runs of plain tuples in the specialised page loop; it stops at the first other one
                    scan.Row = row;
                    scan.RowLimit = _fastRows;
                    i = _warmup is null
                        ? (_optimizedOnly
                            ? walker.WalkPageOptimized(ref pageRef, ref visibilityRef, i, ref scan, _steps!)
                            : walker.WalkPage(ref pageRef, ref visibilityRef, i, ref scan, _steps!))
                        : WalkWarming(walker, ref pageRef, ref visibilityRef, i, ref scan);
                    if (_anyValidity || _anyKinds) AfterFastRows(row, scan.Row);
                    walked += scan.Row - row;
                    row = scan.Row;
                    if (i >= items) break;
                }
                if ((visibility[i >> 3] & (1 << (i & 7))) == 0) continue;
                // i < items <= (pd_lower - header) / 4 and pd_lower <= page size (ReadPageHeader)
                uint lp = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref pageRef, PageFormat.HeaderSize + (i * PageFormat.ItemIdSize)));
                // Redirects point at an LP_NORMAL item of this page, which has its own visibility bit.
                if (((lp >> 15) & 3) != PageFormat.LpNormal) continue;
                item = i + 1;
                int off = (int)(lp & 0x7FFF);
                int len = (int)(lp >> 17);
                if (off < upper || off + len > special)
                    throw LinePointerOutside(item, off, len, upper, special);
                if (len < PageFormat.TupleHeaderSize)
                    throw TupleTooShort(item, len);
                // off + len <= special <= page size: the tuple header lies inside the page
                ref byte tuple = ref Unsafe.Add(ref pageRef, off);
                int infomask2 = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref tuple, PageFormat.InfoMask2Offset));
                int infomask = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref tuple, PageFormat.InfoMaskOffset));
                int hoff = Unsafe.Add(ref tuple, PageFormat.HoffOffset);
                int natts = infomask2 & PageFormat.NattsMask;
                // the specialised page loop already tried (and refused) this tuple
                if (walker is null && (infomask & PageFormat.HasNull) == 0 && natts >= fastNatts && natts <= maxNatts
                    && hoff <= len && (hoff & (PageFormat.MaxAlign - 1)) == 0 && hoff >= PageFormat.TupleHeaderSize
                    && TryWalkFast(ref Unsafe.Add(ref tuple, hoff), len - hoff, PageFormat.BlockSize - off - hoff, row))
                {
                    row++;
                    continue;
                }
                DecodeTuple(page.Slice(off, len), row, item, detoasted);
                // buffers only grow: the room of the bind still holds
                BindSteps(into, _boundCapacity);
                row++;
            }
        }
        catch (CorruptDatumException e)
        {
            throw new HeapDecodeException(_block, item, _attNum, e.Message);
        }
        finally
        {
            into.Length = row;
            // the columns read above (no interface call per column)
            for (int s = 0; s < pageColumns.Length; s++) pageColumns[s]!.Length = row;
        }
        if (scan.NextLine <= 256) _requestedNext = scan.NextPage;
        // the steps' shape guesses learn from the page's walked rows (ShapeGuess)
        if (walker is not null) ShapeGuess.Update(_steps!, walked);
        // Bound to the buffers as they are now: the general walk rebinds the steps after each
        // tuple it decodes, and the decoders follow their own buffer growth. (A page that threw
        // leaves _boundBatch null: the next page binds afresh.)
        for (int s = 0; s < pageColumns.Length; s++) _boundVersions[s] = pageColumns[s]!.BufferVersion;
        _pageColumns = _boundColumns;
        _boundColumns = pageColumns;
        _boundBatch = into;
        return row - start;
    }

    /// <summary>
    /// One run of the page loop while the layout's tiered WalkPage is not yet known to be at its final
    /// tier: WalkWarmup picks the copy and times some runs; once it says WalkPage has caught up, the
    /// layout is marked warm and this decoder calls WalkPage directly.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int WalkWarming(TupleWalker walker, ref byte pageRef, ref byte visibilityRef, int item, ref PageScan scan)
    {
        var warmup = _warmup!;
        if (walker.TieredWarm)
        {
            // another decoder of the layout found it warm
            _warmup = null;
            return walker.WalkPage(ref pageRef, ref visibilityRef, item, ref scan, _steps!);
        }
        bool tiered = warmup.NextIsTiered(out bool timed);
        long start = timed ? WalkWarmup.Now() : 0;
        int firstRow = scan.Row;
        int next = tiered
            ? walker.WalkPage(ref pageRef, ref visibilityRef, item, ref scan, _steps!)
            : walker.WalkPageOptimized(ref pageRef, ref visibilityRef, item, ref scan, _steps!);
        if (timed && warmup.Record(tiered, WalkWarmup.Now() - start, scan.Row - firstRow))
        {
            walker.TieredWarm = true;
            _warmup = null;
        }
        return next;
    }

    /// <summary>
    /// Requests the next page's header and line pointers (its first 4 cache lines: 236 bytes for
    /// a lineitem page's 53 items) and its visibility bitmap now; WalkPage requests the rest of
    /// it from the end down as it walks this page (PageScan.NextLine).
    /// </summary>
    private static unsafe void PrefetchNext(ReadOnlySpan<byte> nextPage, ReadOnlySpan<byte> nextVisibility, ref PageScan scan)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        // an address for a prefetch hint only; the GC may move a managed page, which costs nothing but the hint
        byte* next = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(nextPage));
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(next);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + 64);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + 128);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + 192);
        if (!nextVisibility.IsEmpty) System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref MemoryMarshal.GetReference(nextVisibility)));
        scan.NextPage = (nint)next;
        // the lines above 256 (the header's lines are asked for already), from the end of the page down
        scan.NextLine = PageFormat.BlockSize;
    }

    /// <summary>Whether bits 0..items-1 of the visibility bitmap are all set (items &lt;= MaxHeapTuplesPerPage: inside the checked bitmap).</summary>
    private static bool AllVisible(ReadOnlySpan<byte> visibility, int items)
    {
        int whole = items >> 3;
        if (visibility[..whole].ContainsAnyExcept((byte)0xFF)) return false;
        int rest = items & 7;
        int mask = (1 << rest) - 1;
        return rest == 0 || (visibility[whole] & mask) == mask;
    }

    /// <summary>An address to compare only (a hint: the GC may move a managed page, which costs a prefetch at most).</summary>
    private static unsafe nint AddressOf(ref byte b) => (nint)Unsafe.AsPointer(ref b);

    /// <summary>
    /// Checks the header as PageIsVerified does; returns the number of line pointers (0 for a new
    /// page) and the checked pd_upper and pd_special, each read once.
    /// </summary>
    private int ReadPageHeader(ReadOnlySpan<byte> page, out int upper, out int special)
    {
        upper = 0;
        special = 0;
        if (page.Length != PageFormat.BlockSize) throw Corrupt(0, 0, $"page has {page.Length} bytes, expected {PageFormat.BlockSize}");
        int flags = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.FlagsOffset..]);
        int lower = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.LowerOffset..]);
        upper = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.UpperOffset..]);
        special = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.SpecialOffset..]);
        // PageIsNew: an extended but never initialised page holds nothing. As PageIsVerified, such a
        // page must be all zeros: a pd_upper of 0 on a page with content is a corrupt header, not an
        // empty page (else its rows would silently go missing).
        if (upper == 0)
        {
            if (page.IndexOfAnyExcept((byte)0) >= 0)
                throw Corrupt(0, 0, $"pd_upper 0 (a new page) on a page that is not all zeros (pd_lower {lower}, pd_special {special})");
            return 0;
        }
        if ((flags & ~PageFormat.ValidFlagBits) != 0) throw Corrupt(0, 0, $"pd_flags 0x{flags:X4} has unknown bits");
        if (lower < PageFormat.HeaderSize || lower > upper || upper > special || special > PageFormat.BlockSize || (special & (PageFormat.MaxAlign - 1)) != 0)
            throw Corrupt(0, 0, $"pd_lower {lower}, pd_upper {upper}, pd_special {special} out of range");
        int items = (lower - PageFormat.HeaderSize) / PageFormat.ItemIdSize;
        if (items > PageFormat.MaxHeapTuplesPerPage) throw Corrupt(0, 0, $"{items} line pointers, a heap page holds at most {PageFormat.MaxHeapTuplesPerPage}");
        return items;
    }

    private HeapDecodeException Corrupt(int item, int attNum, string reason) => new(_block, item, attNum, reason);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private HeapDecodeException LinePointerOutside(int item, int off, int len, int upper, int special) =>
        Corrupt(item, 0, $"line pointer (offset {off}, length {len}) outside the tuple space {upper}..{special}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private HeapDecodeException TupleTooShort(int item, int len) =>
        Corrupt(item, 0, $"tuple of {len} bytes is shorter than its header");
}
