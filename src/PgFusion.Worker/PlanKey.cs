using System.Diagnostics.CodeAnalysis;

namespace PgFusion.Worker;

/// <summary>
/// The plan cache's key: a query JSON's UTF-8 bytes without its <c>,"location":N</c> fields (the
/// same query text with different whitespace or position hits). Kept as bytes: the UTF-16 string
/// and the regex copy the key used to be built as were 100-240 KB each, on the large object heap,
/// for every COMPILE, and large-object allocations are what start the worker's blocking gen2
/// collections (perf/perf23-2026-12-03.md). Equality compares every byte; the hash only picks the bucket.
/// </summary>
internal sealed class PlanKey : IEquatable<PlanKey>
{
    private static ReadOnlySpan<byte> LocationField => ",\"location\":"u8;

    private readonly byte[] bytes;
    private readonly int hash;

    private PlanKey(byte[] bytes)
    {
        this.bytes = bytes;
        hash = Hash(bytes);
    }

    public ReadOnlySpan<byte> Bytes => bytes;

    /// <summary>The key of <paramref name="json"/> (allocates it; a lookup strips into a rented buffer instead, <see cref="Strip"/>).</summary>
    public static PlanKey Of(ReadOnlySpan<byte> json)
    {
        var buffer = new byte[json.Length];
        int length = Strip(json, buffer);
        return new PlanKey(buffer.AsSpan(0, length).ToArray());
    }

    /// <summary>A key made of <paramref name="canonical"/>, bytes <see cref="Strip"/> already wrote.</summary>
    public static PlanKey FromCanonical(ReadOnlySpan<byte> canonical) => new(canonical.ToArray());

    /// <summary>
    /// Writes <paramref name="json"/> without its <c>,"location":-?[0-9]+</c> runs into
    /// <paramref name="into"/> (at least as long as <paramref name="json"/>) and returns the length
    /// written: what the regex <c>,"location":-?[0-9]+</c> replaced by nothing left. Inside a JSON
    /// string a quote is escaped, so the run never starts within one.
    /// </summary>
    public static int Strip(ReadOnlySpan<byte> json, Span<byte> into)
    {
        int written = 0;
        int from = 0;
        while (true)
        {
            int at = json[from..].IndexOf(LocationField);
            if (at < 0) break;
            at += from;
            int end = at + LocationField.Length;
            if (end < json.Length && json[end] == (byte)'-') end++;
            int digits = end;
            while (digits < json.Length && (uint)(json[digits] - '0') <= 9) digits++;
            if (digits == end)
            {
                // no digits: not a location run; keep the comma and look on from the next byte
                json.Slice(from, at + 1 - from).CopyTo(into[written..]);
                written += at + 1 - from;
                from = at + 1;
                continue;
            }
            json.Slice(from, at - from).CopyTo(into[written..]);
            written += at - from;
            from = digits;
        }
        json[from..].CopyTo(into[written..]);
        return written + json.Length - from;
    }

    public static int Hash(ReadOnlySpan<byte> canonical)
    {
        var h = new HashCode();
        h.AddBytes(canonical);
        return h.ToHashCode();
    }

    public bool Equals(PlanKey? other) => other is not null && hash == other.hash && bytes.AsSpan().SequenceEqual(other.bytes);

    public override bool Equals(object? obj) => Equals(obj as PlanKey);

    public override int GetHashCode() => hash;

    /// <summary>Compares keys, and looks them up by canonical bytes without making a key (<see cref="Dictionary{TKey, TValue}.GetAlternateLookup{TAlternateKey}"/>).</summary>
    internal sealed class Comparer : IEqualityComparer<PlanKey>, IAlternateEqualityComparer<ReadOnlySpan<byte>, PlanKey>
    {
        public static readonly Comparer Instance = new();

        public bool Equals(PlanKey? x, PlanKey? y) => x is null ? y is null : x.Equals(y);

        public int GetHashCode([DisallowNull] PlanKey obj) => obj.hash;

        public bool Equals(ReadOnlySpan<byte> alternate, PlanKey other) => other.bytes.AsSpan().SequenceEqual(alternate);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public PlanKey Create(ReadOnlySpan<byte> alternate) => FromCanonical(alternate);
    }
}
