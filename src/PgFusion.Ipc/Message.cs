namespace PgFusion.Ipc;

/// <summary>A received message: its type and payload. The payload buffer is the channel's and is reused by the next receive.</summary>
public readonly record struct Message(MessageType Type, ReadOnlyMemory<byte> Payload)
{
    public ReadOnlySpan<byte> Span => Payload.Span;
}
