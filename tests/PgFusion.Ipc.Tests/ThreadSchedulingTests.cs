using Xunit;

namespace PgFusion.Ipc.Tests;

/// <summary>
/// SCHED_BATCH for an execution's worker threads (pg_fusion.serve_tuning bit 1024, docs/ipc.md 6.2
/// measure 7): entered and left on the calling thread only, not inherited by the threads it starts
/// (so the pipelines' threads enter it themselves: Codegen's PipelineThreads), and not entered twice
/// (a pool thread decoding for the session thread that already has it restores nothing).
/// </summary>
public sealed class ThreadSchedulingTests
{
    private static T OnNewThread<T>(Func<T> f)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try { result = f(); }
            catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        if (error is not null) throw error;
        return result;
    }

    [Fact]
    public void Batch_is_entered_and_left_on_the_calling_thread_only()
    {
        Assert.True(OperatingSystem.IsLinux(), "the worker runs on Linux only");
        var (before, entered, during, child, again, after) = OnNewThread(() =>
        {
            bool before = ThreadScheduling.IsBatch;
            bool entered = ThreadScheduling.EnterBatch();
            bool during = ThreadScheduling.IsBatch;
            bool child = OnNewThread(() => ThreadScheduling.IsBatch);
            bool again = ThreadScheduling.EnterBatch();
            ThreadScheduling.LeaveBatch(again);
            bool stillBatch = ThreadScheduling.IsBatch;
            ThreadScheduling.LeaveBatch(entered);
            return (before, entered, during && stillBatch, child, again, ThreadScheduling.IsBatch);
        });
        Assert.False(before);
        Assert.True(entered);
        Assert.True(during);
        Assert.False(child); // .NET threads do not inherit the policy
        Assert.False(again);
        Assert.False(after);
        // the test thread itself was never touched
        Assert.False(ThreadScheduling.IsBatch);
    }
}
