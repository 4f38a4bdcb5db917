using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using PgFusion.Ipc;

namespace PgFusion.Worker;

/// <summary>Builds and reads message payloads (layouts in docs/ipc.md, pgfusion_ipc.h).</summary>
internal static class Wire
{
    public static void U32(IBufferWriter<byte> w, uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(w.GetSpan(4), v);
        w.Advance(4);
    }

    public static void U16(IBufferWriter<byte> w, ushort v)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(w.GetSpan(2), v);
        w.Advance(2);
    }

    public static void U64(IBufferWriter<byte> w, ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    public static void F64(IBufferWriter<byte> w, double v)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    public static void Bytes(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(w.GetSpan(bytes.Length));
        w.Advance(bytes.Length);
    }

    public static uint ReadU32(ReadOnlySpan<byte> p, int offset, MessageType type)
    {
        if (offset + 4 > p.Length)
            throw new IpcException($"{type} message of {p.Length} bytes is truncated (needs {offset + 4})");
        return BinaryPrimitives.ReadUInt32LittleEndian(p[offset..]);
    }

    public static ulong ReadU64(ReadOnlySpan<byte> p, int offset, MessageType type)
    {
        if (offset + 8 > p.Length)
            throw new IpcException($"{type} message of {p.Length} bytes is truncated (needs {offset + 8})");
        return BinaryPrimitives.ReadUInt64LittleEndian(p[offset..]);
    }

    /// <summary>ERROR: char sqlstate[5], pad[3], u32 message_len, u32 detail_len, message, detail.</summary>
    public static byte[] Error(string sqlState, string message, string? detail)
    {
        var w = new ArrayBufferWriter<byte>();
        Span<byte> state = stackalloc byte[8];
        state.Clear();
        string s = sqlState.Length == 5 ? sqlState : "XX000";
        for (int i = 0; i < 5; i++)
            state[i] = (byte)s[i];
        Bytes(w, state);
        byte[] m = Encoding.UTF8.GetBytes(message);
        byte[] d = Encoding.UTF8.GetBytes(detail ?? "");
        U32(w, (uint)m.Length);
        U32(w, (uint)d.Length);
        Bytes(w, m);
        Bytes(w, d);
        return w.WrittenSpan.ToArray();
    }
}
