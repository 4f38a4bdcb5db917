namespace PgFusion.Tpch.Generation;

/// <summary>
/// Row counts per scale factor (TPC-H spec 4.2.5): supplier 10,000, part 200,000, partsupp 4 per part,
/// customer 150,000, orders 1,500,000 (each with 1..7 lineitems, about 6,000,000), times SF;
/// nation 25 and region 5 at every SF.
/// </summary>
public sealed record TpchScale
{
    public TpchScale(double scaleFactor)
    {
        if (!(scaleFactor > 0) || scaleFactor > 300)
            throw new ArgumentOutOfRangeException(nameof(scaleFactor), scaleFactor,
                "TPC-H scale factor must be in (0, 300]: keys are integer columns");
        ScaleFactor = scaleFactor;
        Suppliers = Scaled(10_000);
        // partsupp's supplier formula needs at least 4 distinct suppliers per part.
        if (Suppliers < 4)
            throw new ArgumentOutOfRangeException(nameof(scaleFactor), scaleFactor,
                "TPC-H scale factor too small: fewer than 4 suppliers");
        Parts = Scaled(200_000);
        Customers = Scaled(150_000);
        Orders = Scaled(1_500_000);
        Clerks = Math.Max(1, Scaled(1_000));
    }

    public double ScaleFactor { get; }
    public long Suppliers { get; }
    public long Parts { get; }
    public long PartSupps => Parts * 4;
    public long Customers { get; }
    public long Orders { get; }
    public long Clerks { get; }

    /// <summary>The expected lineitem count (the real one is random: 1..7 per order, mean 4).</summary>
    public long LineItemsEstimate => Orders * 4;

    // decimal avoids 0.29 * 10000 = 2899.9999999999995 truncating to the wrong count.
    private long Scaled(long baseCount) => (long)((decimal)ScaleFactor * baseCount);

    /// <summary>The orders key for the index-th order (1-based): keys are sparse, the first 8 of every 32.</summary>
    public static long OrderKey(long index) => ((index >> 3) << 5) | (index & 7);

    /// <summary>The spec's formula for the i-th (0..3) supplier of a part (4.2.3, PS_SUPPKEY).</summary>
    public long SupplierOfPart(long partKey, long i) =>
        (partKey + (i * ((Suppliers / 4) + ((partKey - 1) / Suppliers)))) % Suppliers + 1;
}
