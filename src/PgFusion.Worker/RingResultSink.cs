using PgFusion.Codegen.Execution;
using PgFusion.Ipc;

namespace PgFusion.Worker;

/// <summary>Sends each MinimalTuple as one TUPLE message; the backend copies it out of the ring.</summary>
internal sealed class RingResultSink : IResultSink
{
    private readonly MessageChannel channel;
    private readonly CancellationToken cancellation;

    public RingResultSink(MessageChannel channel, CancellationToken cancellation)
    {
        this.channel = channel;
        this.cancellation = cancellation;
    }

    public long Rows { get; private set; }

    public void WriteTuple(ReadOnlySpan<byte> minimalTuple)
    {
        if (minimalTuple.Length < 16 || BitConverter.ToUInt32(minimalTuple) != (uint)minimalTuple.Length)
            throw new IpcException($"MinimalTuple of {minimalTuple.Length} bytes with t_len {(minimalTuple.Length >= 4 ? BitConverter.ToUInt32(minimalTuple) : 0)}");
        channel.Send(MessageType.Tuple, minimalTuple, cancellation);
        Rows++;
    }
}
