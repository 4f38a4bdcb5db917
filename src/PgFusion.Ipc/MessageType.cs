namespace PgFusion.Ipc;

/// <summary>Framed message types (docs/ipc.md lists every payload).</summary>
public enum MessageType : uint
{
    // backend -> worker
    Compile = 1,
    Execute = 2,
    Explain = 3,
    Page = 4,
    ScanEnd = 5,
    PageRun = 20,

    // worker -> backend
    Compiled = 101,
    Unsupported = 102,
    Error = 103,
    ScanOpen = 104,
    Credit = 105,
    ScanClose = 106,
    Tuple = 107,
    Done = 108,
    Explained = 109,
    Probe = 110,
    ProbeKeys = 111,
}

/// <summary>Helpers over <see cref="MessageType"/>.</summary>
public static class MessageTypes
{
    public static bool IsKnown(uint type) => type is >= 1 and <= 5 or 20 or >= 101 and <= 111;
}
