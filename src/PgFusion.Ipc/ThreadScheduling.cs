using System.Runtime.InteropServices;

namespace PgFusion.Ipc;

/// <summary>
/// Linux scheduling policy of the calling thread. An execution whose backend set
/// <c>pg_fusion.serve_tuning</c> bit 1024 (EXECUTE flag 0x400, docs/ipc.md 6.2 measure 7) runs its
/// worker threads under SCHED_BATCH: a SCHED_BATCH thread woken by a futex never preempts the
/// running thread of the CPU it lands on (the kernel's wakeup preemption skips batch tasks; their
/// preemption is driven by the tick), so the backend that wakes a worker thread keeps its CPU and
/// goes on serving pages, instead of losing it to the woken thread right after FUTEX_WAKE. Switching
/// between SCHED_OTHER and SCHED_BATCH needs no privilege. A .NET thread does not inherit its creator's
/// policy: each thread of the request enters it itself.
/// </summary>
public static partial class ThreadScheduling
{
    private const int SchedOther = 0;
    private const int SchedBatch = 3;

    [LibraryImport("libc", EntryPoint = "sched_getscheduler")]
    private static partial int GetScheduler(int pid);

    // struct sched_param { int sched_priority; }: 0 for both policies
    [LibraryImport("libc", EntryPoint = "sched_setscheduler")]
    private static partial int SetScheduler(int pid, int policy, ref int priority);

    /// <summary>
    /// Puts the calling thread (pid 0 = the calling thread on Linux) under SCHED_BATCH if it runs
    /// under SCHED_OTHER; returns whether it did, i.e. whether <see cref="LeaveBatch"/> must restore it.
    /// </summary>
    public static bool EnterBatch()
    {
        if (!OperatingSystem.IsLinux() || GetScheduler(0) != SchedOther)
            return false;
        int priority = 0;
        return SetScheduler(0, SchedBatch, ref priority) == 0;
    }

    /// <summary>Restores SCHED_OTHER after a successful <see cref="EnterBatch"/> on this thread.</summary>
    public static void LeaveBatch(bool entered)
    {
        if (!entered)
            return;
        int priority = 0;
        _ = SetScheduler(0, SchedOther, ref priority);
    }

    /// <summary>Whether the calling thread runs under SCHED_BATCH (tests).</summary>
    public static bool IsBatch => OperatingSystem.IsLinux() && GetScheduler(0) == SchedBatch;
}
