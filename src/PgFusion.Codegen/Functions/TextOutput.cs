using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>Writes an output function's ASCII text into the kernel's arena.</summary>
internal static class TextOutput
{
    public static TextRef Write(KernelContext ctx, ReadOnlySpan<char> chars)
    {
        var r = ctx.Arena.Allocate(chars.Length);
        var dst = r.Data.AsSpan(r.Offset, chars.Length);
        for (int i = 0; i < chars.Length; i++) dst[i] = (byte)chars[i];
        return r;
    }
}
