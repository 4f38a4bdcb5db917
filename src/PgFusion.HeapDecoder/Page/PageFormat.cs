namespace PgFusion.HeapDecoder.Page;

/// <summary>
/// Offsets and flags of PostgreSQL 15 heap pages and tuple headers (bufpage.h, itemid.h,
/// htup_details.h); see /work/shared/design/POSTGRES_FORMATS.md.
/// </summary>
internal static class PageFormat
{
    public const int BlockSize = 8192;
    public const int HeaderSize = 24;
    public const int LowerOffset = 12;
    public const int UpperOffset = 14;
    public const int SpecialOffset = 16;
    public const int FlagsOffset = 10;

    /// <summary>PD_HAS_FREE_LINES | PD_PAGE_FULL | PD_ALL_VISIBLE: any other flag bit means corruption.</summary>
    public const int ValidFlagBits = 0x7;

    public const int ItemIdSize = 4;

    /// <summary>MaxHeapTuplesPerPage for 8 KB pages: more line pointers cannot exist on a heap page.</summary>
    public const int MaxHeapTuplesPerPage = 291;

    public const int LpUnused = 0;
    public const int LpNormal = 1;
    public const int LpRedirect = 2;
    public const int LpDead = 3;

    public const int TupleHeaderSize = 23;
    public const int InfoMask2Offset = 18;
    public const int InfoMaskOffset = 20;
    public const int HoffOffset = 22;
    public const int NattsMask = 0x07FF;
    public const int HasNull = 0x0001;

    public const int MaxAlign = 8;
}
