using System.Runtime.InteropServices;
using System.Text;
using PgFusion.Ipc;

namespace PgFusion.Worker;

/// <summary>
/// What native/pg_hooks/worker.c calls through hostfxr. Every exception is caught here: one that
/// escapes an [UnmanagedCallersOnly] method is a fail-fast, which would restart the cluster.
/// Return codes: 0 success, 1 failure (message in the error buffer).
/// </summary>
public static class WorkerEntryPoints
{
    private static Dispatcher? dispatcher;

    [UnmanagedCallersOnly]
    public static unsafe int Start(byte* shmem, long size, byte* error, int errorLength)
    {
        try
        {
            AppDomain.CurrentDomain.UnhandledException += (_, e) =>
                WorkerLog.Info($"unhandled exception (the worker will exit): {e.ExceptionObject}");
            var region = SharedRegion.Attach(shmem, size);
            dispatcher = new Dispatcher(region);
            dispatcher.Start();
            return 0;
        }
        catch (Exception e)
        {
            WriteError(error, errorLength, $"{e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    [UnmanagedCallersOnly]
    public static int Stop()
    {
        try
        {
            dispatcher?.Stop(TimeSpan.FromSeconds(3));
            return 0;
        }
        catch (Exception e)
        {
            WorkerLog.Info($"stop failed: {e}");
            return 1;
        }
    }

    private static unsafe void WriteError(byte* error, int length, string message)
    {
        if (error == null || length <= 0)
            return;
        var dest = new Span<byte>(error, length);
        int n = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, (length - 1) / 4)), dest);
        dest[n] = 0;
    }
}
