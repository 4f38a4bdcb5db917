using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Sorting;

/// <summary>
/// Normalized sort keys: the ORDER BY keys of each buffered row packed, most significant first,
/// into a bit string of <see cref="Words"/>.Length 64-bit words (stored word by word: Words[w][row]),
/// so that comparing two rows' words as unsigned integers gives their ORDER BY order.
/// Per key, from <see cref="KeyEncoder"/>'s ordinals (0..max): DESC stores max - ordinal; NULLs
/// take the value below (NULLS FIRST) or above (NULLS LAST) every other, or a bit of their own
/// when the range has no room; a key with one value and no NULLs takes no bits. Text takes a bit for
/// NULL when it has NULLs and its first bytes (up to 16, bpchar without its trailing spaces),
/// inverted for DESC; when longer values exist the key is only a prefix: the packing stops after
/// it and rows with equal words are compared again in full (<see cref="Complete"/> false). A key
/// that has no encoding (numeric beyond 64 bits of range) also ends the packing, incomplete.
/// </summary>
internal sealed class SortKeyLayout
{
    private const int MaxTextPrefix = 16;

    private SortKeyLayout(ulong[][] words, bool complete)
    {
        Words = words;
        Complete = complete;
    }

    public ulong[][] Words { get; }

    /// <summary>Equal words mean equal keys (no key was cut to a prefix or left out).</summary>
    public bool Complete { get; }

    private readonly record struct Part(ulong[] Values, int Bits);

    public static SortKeyLayout Build(Column[] keys, int count, IReadOnlyList<SortKey> sortKeys)
    {
        var parts = new List<Part>();
        bool complete = true;
        for (int j = 0; j < keys.Length && complete; j++)
        {
            var key = sortKeys[j];
            if (keys[j] is VarBinaryColumn text)
            {
                complete = Text(text, count, key, key.Expr.Type.Oid == PgTypeOid.Bpchar, parts);
                continue;
            }
            var ordinals = new ulong[count];
            if (!KeyEncoder.TryOrdinals(keys[j], count, ordinals, out ulong max))
            {
                complete = false;
                break;
            }
            Fold(keys[j].Validity, count, key, ordinals, max, parts);
        }
        int bits = 0;
        foreach (var p in parts) bits += p.Bits;
        var words = new ulong[(bits + 63) / 64][];
        for (int w = 0; w < words.Length; w++) words[w] = new ulong[count];
        int at = 0;
        foreach (var p in parts)
        {
            Put(words, at, p);
            at += p.Bits;
        }
        return new SortKeyLayout(words, complete);
    }

    private static bool HasNulls(ValidityBitmap? validity, int count) => validity is not null && validity.CountNulls(count) > 0;

    /// <summary>DESC and NULLS FIRST/LAST applied to a key's ordinals (0..max).</summary>
    private static void Fold(ValidityBitmap? validity, int count, SortKey key, ulong[] ordinals, ulong max, List<Part> parts)
    {
        if (key.Descending)
        {
            for (int i = 0; i < count; i++) ordinals[i] = max - ordinals[i];
        }
        if (HasNulls(validity, count))
        {
            if (max == ulong.MaxValue)
            {
                parts.Add(NullBit(validity!, count, key.NullsFirst));
                for (int i = 0; i < count; i++)
                {
                    if (!validity!.IsValid(i)) ordinals[i] = 0;
                }
            }
            else
            {
                ulong nullValue = key.NullsFirst ? 0 : max + 1;
                ulong shift = key.NullsFirst ? 1UL : 0UL;
                for (int i = 0; i < count; i++) ordinals[i] = validity!.IsValid(i) ? ordinals[i] + shift : nullValue;
                max++;
            }
        }
        int bits = 64 - BitOperations.LeadingZeroCount(max);
        if (bits > 0) parts.Add(new Part(ordinals, bits));
    }

    private static Part NullBit(ValidityBitmap validity, int count, bool nullsFirst)
    {
        var bit = new ulong[count];
        for (int i = 0; i < count; i++) bit[i] = validity.IsValid(i) == nullsFirst ? 1UL : 0UL;
        return new Part(bit, 1);
    }

    /// <summary>Adds a text key's parts; false when some value is longer than the prefix kept.</summary>
    private static bool Text(VarBinaryColumn c, int count, SortKey key, bool bpchar, List<Part> parts)
    {
        var validity = c.Validity;
        bool nulls = HasNulls(validity, count);
        int longest = 0;
        for (int i = 0; i < count; i++)
        {
            if (!nulls || validity!.IsValid(i)) longest = Math.Max(longest, Value(c, i, bpchar).Length);
        }
        if (nulls) parts.Add(NullBit(validity!, count, key.NullsFirst));
        int prefix = Math.Min(longest, MaxTextPrefix);
        for (int from = 0; from < prefix; from += 8)
        {
            int bytes = Math.Min(8, prefix - from);
            var values = new ulong[count];
            for (int i = 0; i < count; i++)
            {
                if (nulls && !validity!.IsValid(i)) continue;
                ulong w = KeyEncoder.TextWord(Value(c, i, bpchar), from) >> (64 - (8 * bytes));
                values[i] = key.Descending ? ~w & (ulong.MaxValue >> (64 - (8 * bytes))) : w;
            }
            parts.Add(new Part(values, 8 * bytes));
        }
        // bytea may hold zero bytes, which the zero padding cannot tell from a shorter value
        return longest <= MaxTextPrefix && key.Expr.Type.Oid != PgTypeOid.Bytea;
    }

    private static ReadOnlySpan<byte> Value(VarBinaryColumn c, int row, bool bpchar)
    {
        var s = c.GetBytes(row);
        if (bpchar)
        {
            int n = s.Length;
            while (n > 0 && s[n - 1] == (byte)' ') n--;
            s = s[..n];
        }
        return s;
    }

    /// <summary>Writes a part's values at bit <paramref name="at"/> of each row's bit string (bit 0 = the first word's top bit).</summary>
    private static void Put(ulong[][] words, int at, Part part)
    {
        int w = at >> 6, room = 64 - (at & 63), bits = part.Bits;
        var values = part.Values;
        var first = words[w];
        if (bits <= room)
        {
            int shift = room - bits;
            for (int i = 0; i < values.Length; i++) first[i] |= values[i] << shift;
            return;
        }
        int rest = bits - room;
        var second = words[w + 1];
        for (int i = 0; i < values.Length; i++)
        {
            first[i] |= values[i] >> rest;
            second[i] |= values[i] << (64 - rest);
        }
    }
}
