using PgFusion.Types;

namespace PgFusion.HeapDecoder;

/// <summary>
/// A heap page or tuple that does not follow PostgreSQL's format. Reaches the client as
/// SQLSTATE XX001 (data_corrupted), naming where the decoder stopped.
/// </summary>
public sealed class HeapDecodeException : PgFusionException
{
    public const string DataCorrupted = "XX001";

    public HeapDecodeException(uint block, int item, int attNum, string reason)
        : base(DataCorrupted, Format(block, item, attNum, reason))
    {
        Block = block;
        Item = item;
        AttNum = attNum;
        Reason = reason;
    }

    public HeapDecodeException()
        : this(0, 0, 0, "corrupt heap page")
    {
    }

    public HeapDecodeException(string message)
        : this(0, 0, 0, message)
    {
    }

    public HeapDecodeException(string message, Exception inner)
        : base(DataCorrupted, message, null, inner)
    {
        Reason = message;
    }

    /// <summary>Block number of the page.</summary>
    public uint Block { get; }

    /// <summary>Line pointer (offset number, 1-based); 0 when the page header itself is bad.</summary>
    public int Item { get; }

    /// <summary>Attribute number (1-based); 0 when the problem is not in one attribute.</summary>
    public int AttNum { get; }

    public string Reason { get; } = "";

    private static string Format(uint block, int item, int attNum, string reason)
    {
        string where = $"block {block}";
        if (item > 0) where += $", item {item}";
        if (attNum > 0) where += $", attribute {attNum}";
        return $"corrupt heap page ({where}): {reason}";
    }
}
