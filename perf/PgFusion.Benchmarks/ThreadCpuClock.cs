using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace PgFusion.Benchmarks;

/// <summary>
/// BenchmarkDotNet clock reading the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID, Linux),
/// for in-process jobs on the shared build machine: at load 30-50 the wall clock mostly measures
/// how long the other processes kept this one off the cores. Enabled by PGFUSION_BDN_THREAD_CPU=1
/// (QuickConfig, JoinConfig); only meaningful for single-threaded benchmarks (work done on other
/// threads is not counted).
/// </summary>
public sealed class ThreadCpuClock : IClock
{
    public static bool Requested => Environment.GetEnvironmentVariable("PGFUSION_BDN_THREAD_CPU") == "1";

    public string Title => "Thread CPU time (CLOCK_THREAD_CPUTIME_ID)";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => new(1_000_000_000);

    public long GetTimestamp()
    {
        if (ClockGetTime(3, out var t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return (t.Seconds * 1_000_000_000) + t.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
}
