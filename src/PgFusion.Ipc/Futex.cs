using System.Runtime.InteropServices;

namespace PgFusion.Ipc;

/// <summary>
/// Linux futexes on 32-bit words in shared memory. Not FUTEX_PRIVATE: the other side is another
/// process. Managed threads never call PostgreSQL to wake a backend; they use these.
/// </summary>
public static unsafe partial class Futex
{
    private const long SysFutex = 202; // x86-64
    private const int FutexWait = 0;
    private const int FutexWake = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, uint* address, int op, uint value, Timespec* timeout, uint* address2, uint value3);

    /// <summary>Sleeps while *word == expected, at most <paramref name="timeoutMs"/> ms (spurious wakeups possible).</summary>
    public static void Wait(uint* word, uint expected, int timeoutMs)
    {
        var ts = new Timespec { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000L };
        _ = Syscall(SysFutex, word, FutexWait, expected, &ts, null, 0);
    }

    public static void WakeAll(uint* word) => _ = Syscall(SysFutex, word, FutexWake, int.MaxValue, null, null, 0);
}
