using System.Globalization;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// Text output of the types whose text does not depend on session settings (int.c, int8.c,
/// numeric.c, oid.c, bool.c's booltext, uuid.c) and of bytea in hex: what x::text and 'a' || x
/// compute. Dates, times and floats: DateTimeOutput, FloatOutput.
/// </summary>
public static class OutputFunctions
{
    private static TextRef Write(KernelContext ctx, ReadOnlySpan<char> chars) => TextOutput.Write(ctx, chars);

    public static TextRef Int2Out(KernelContext ctx, short v) => Int8Out(ctx, v);

    public static TextRef Int4Out(KernelContext ctx, int v) => Int8Out(ctx, v);

    public static TextRef Int8Out(KernelContext ctx, long v)
    {
        Span<char> buffer = stackalloc char[20];
        v.TryFormat(buffer, out int n, default, CultureInfo.InvariantCulture);
        return Write(ctx, buffer[..n]);
    }

    public static TextRef OidOut(KernelContext ctx, uint v) => Int8Out(ctx, v);

    public static TextRef NumericOut(KernelContext ctx, PgNumeric v) => Write(ctx, v.ToString());

    /// <summary>booltext: the bool -> text cast spells the value out (boolout would give t/f).</summary>
    public static TextRef BoolText(KernelContext ctx, bool v) => Write(ctx, v ? "true" : "false");

    /// <summary>uuid_out: 32 lowercase hex digits in groups of 8-4-4-4-12 (the value's bytes in order, as the column holds them big-endian).</summary>
    public static TextRef UuidOut(KernelContext ctx, UInt128 v)
    {
        Span<char> text = stackalloc char[36];
        int n = 0;
        for (int nibble = 31; nibble >= 0; nibble--)
        {
            if (nibble is 23 or 19 or 15 or 11) text[n++] = '-';
            text[n++] = "0123456789abcdef"[(int)(v >> (nibble * 4)) & 0xF];
        }
        return Write(ctx, text);
    }

    /// <summary>byteaout with bytea_output = hex: "\x" and two lowercase hex digits per byte.</summary>
    public static TextRef ByteaOut(KernelContext ctx, TextRef v)
    {
        var bytes = v.Span;
        var r = ctx.Arena.Allocate(2 + (2 * bytes.Length));
        var dst = r.Data.AsSpan(r.Offset, 2 + (2 * bytes.Length));
        dst[0] = (byte)'\\';
        dst[1] = (byte)'x';
        for (int i = 0; i < bytes.Length; i++)
        {
            dst[2 + (2 * i)] = (byte)"0123456789abcdef"[bytes[i] >> 4];
            dst[3 + (2 * i)] = (byte)"0123456789abcdef"[bytes[i] & 0xF];
        }
        return r;
    }
}
