using System.Globalization;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// Text output of the types whose text does not depend on session settings (int.c, int8.c,
/// numeric.c, oid.c, bool.c's booltext): what x::text and 'a' || x compute.
/// </summary>
public static class OutputFunctions
{
    private static TextRef Write(KernelContext ctx, ReadOnlySpan<char> chars)
    {
        var r = ctx.Arena.Allocate(chars.Length);
        var dst = r.Data.AsSpan(r.Offset, chars.Length);
        for (int i = 0; i < chars.Length; i++) dst[i] = (byte)chars[i];
        return r;
    }

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
}
