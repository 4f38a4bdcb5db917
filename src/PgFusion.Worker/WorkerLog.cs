using System.Runtime.InteropServices;
using System.Text;

namespace PgFusion.Worker;

/// <summary>
/// Log lines to the worker process's stderr (the server log). Not Console: touching
/// System.Console makes .NET install its own SIGINT/SIGTERM/SIGCHLD handlers, which would
/// replace PostgreSQL's in this process.
/// </summary>
internal static partial class WorkerLog
{
    [LibraryImport("libc", EntryPoint = "write")]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    public static unsafe void Info(string message)
    {
        byte[] line = Encoding.UTF8.GetBytes($"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss.fff} UTC pg_fusion worker[{Environment.ProcessId}]: {message}\n");
        fixed (byte* p = line)
            _ = Write(2, p, line.Length);
    }
}
