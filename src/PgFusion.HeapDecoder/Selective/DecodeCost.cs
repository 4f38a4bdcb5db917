using PgFusion.Types;

namespace PgFusion.HeapDecoder;

/// <summary>
/// A per-tuple cost of decoding some attributes of a relation, in nanoseconds of this machine's
/// decoder, fitted to thread-CPU measurements on lineitem pages (perf/latemat-2026-12-01.md:
/// l_shipdate alone ~20.6 ns a tuple, Q6's 4 columns ~25.5 ns, Q1's 7 ~30 ns): a fixed cost per
/// tuple walked (line pointer, visibility, header checks, row bookkeeping), then for every
/// attribute up to the last one needed either its decode or the step over it. The walk, not the
/// value decode, is most of it: each varlena is a dependent load of its header before the next
/// attribute can be found, and the specialised walk turns a short numeric into its scaled
/// integer for little more than that. Attributes before the first varlena are free (their
/// offsets are fixed, attcacheoff). Only the ratios between plans matter.
/// </summary>
internal static class DecodeCost
{
    public const double Tuple = 11;
    private const double Fixed = 0.6;
    private const double Numeric = 3.1;
    private const double Varlena = 3.0;
    private const double SkipFixed = 0.25;
    private const double SkipVarlena = 1.5;

    /// <summary>A stage's test per row (a vector compare over a column in cache).</summary>
    public const double Select = 0.5;

    /// <summary>
    /// A tuple walked among others left out costs this much more than one walked with its
    /// neighbours (the bitmap of the rows asked for, Decode's per-page work over fewer rows,
    /// scattered lines): ~35 against ~25 ns measured for Q6's columns at 15 % of the rows.
    /// </summary>
    public const double Sparse = 1.4;

    /// <summary>What a row costs above the scan (the rest of the filter, batch handling) that a row left out early does not.</summary>
    public const double Downstream = 2;

    /// <summary>Per tuple, walking to the last of <paramref name="attNums"/> and decoding them.</summary>
    public static double Walk(RelationLayout relation, IReadOnlyCollection<int> attNums)
    {
        if (attNums.Count == 0) return 0;
        int last = attNums.Max();
        double cost = 0;
        bool pastVarlena = false;
        for (int a = 1; a <= last; a++)
        {
            var att = relation.Attribute(a);
            bool fixedWidth = att.Len > 0;
            if (!attNums.Contains(a)) cost += fixedWidth ? (pastVarlena ? SkipFixed : 0) : SkipVarlena;
            else if (fixedWidth) cost += Fixed;
            else cost += att.Type.Oid == PgTypeOid.Numeric ? Numeric : Varlena;
            pastVarlena |= !fixedWidth;
        }
        return cost;
    }
}
