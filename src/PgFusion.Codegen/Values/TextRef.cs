using System.Runtime.CompilerServices;
using System.Text;

namespace PgFusion.Codegen.Values;

/// <summary>
/// A text/varchar/bpchar/bytea value inside a kernel: a window on a column's data buffer (or on
/// the kernel arena for computed values). A struct holding a reference, because expression trees
/// cannot use spans and a string per row would allocate.
/// </summary>
public readonly struct TextRef : IEquatable<TextRef>
{
    public TextRef(byte[] data, int offset, int length)
    {
        Data = data;
        Offset = offset;
        Length = length;
    }

    public byte[] Data { get; }

    public int Offset { get; }

    public int Length { get; }

    public ReadOnlySpan<byte> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Data, Offset, Length);
    }

    public static TextRef FromString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return new TextRef(bytes, 0, bytes.Length);
    }

    public override string ToString() => Data is null ? "" : Encoding.UTF8.GetString(Data, Offset, Length);

    public bool Equals(TextRef other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is TextRef t && Equals(t);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(Span);
        return h.ToHashCode();
    }

    public static bool operator ==(TextRef left, TextRef right) => left.Equals(right);

    public static bool operator !=(TextRef left, TextRef right) => !left.Equals(right);

    /// <summary>Length without trailing spaces: bpchar compares and measures this way (bcTruelen).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TrimmedLength()
    {
        int n = Length;
        while (n > 0 && Data[Offset + n - 1] == (byte)' ') n--;
        return n;
    }

    public TextRef TrimEnd() => new(Data, Offset, TrimmedLength());
}
