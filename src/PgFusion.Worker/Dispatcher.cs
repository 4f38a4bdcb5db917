using System.Runtime.InteropServices;
using PgFusion.Ipc;

namespace PgFusion.Worker;

/// <summary>
/// Watches the session slots: starts a slot's long-lived thread (<see cref="SlotServer"/>) the
/// first time a backend claims it, cancels a request whose slot the backend released (or whose
/// backend exited, or that belongs to an earlier worker), and reclaims the slots that have no
/// thread yet. Claims are served and released slots reclaimed by the slot threads themselves.
/// </summary>
internal sealed partial class Dispatcher
{
    private readonly SharedRegion region;
    private readonly SlotServer?[] servers;
    private readonly PlanCache cache = new();
    private readonly CancellationTokenSource stopping = new();
    private Thread? thread;
    private long lastLivenessCheck;

    public Dispatcher(SharedRegion region)
    {
        this.region = region;
        servers = new SlotServer?[region.SlotCount];
    }

    public void Start()
    {
        thread = new Thread(Run) { IsBackground = true, Name = "pg_fusion dispatcher" };
        thread.Start();
    }

    public void Stop(TimeSpan timeout)
    {
        stopping.Cancel();
        region.DispatcherWake.Wake();
        thread?.Join(timeout);
    }

    private void Run()
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                uint seen = region.DispatcherWake.Sequence;
                Scan();
                region.DispatcherWake.Wait(seen, 100);
            }
            foreach (var server in servers)
                server?.Wake(); // their requests are cancelled through the stopping token
        }
        catch (Exception e)
        {
            WorkerLog.Info($"dispatcher stopped by an exception; no further queries are served: {e}");
            region.SetStatusMessage($"dispatcher failed: {e.Message}");
        }
    }

    private void Scan()
    {
        bool checkLiveness = Environment.TickCount64 - lastLivenessCheck > 500;
        if (checkLiveness)
            lastLivenessCheck = Environment.TickCount64;
        uint epoch = region.WorkerEpoch;
        for (int i = 0; i < region.SlotCount; i++)
        {
            var slot = region.Slot(i);
            var server = servers[i];
            switch (slot.State)
            {
                case SlotState.Active:
                    uint claim = slot.Generation;
                    bool stale = slot.WorkerEpoch != epoch || (checkLiveness && !ProcessAlive(slot.BackendPid));
                    if (server is not null)
                    {
                        if (stale)
                            server.Cancel(claim, stale: true);
                    }
                    else if (stale)
                    {
                        slot.Reclaim();
                    }
                    else
                    {
                        // the slot's first claim: from now on its thread serves it
                        servers[i] = server = new SlotServer(region, slot, cache, stopping.Token);
                        server.Start();
                    }
                    break;
                case SlotState.Released:
                    if (server is null)
                        slot.Reclaim();
                    else
                        server.Cancel(slot.Generation, stale: false); // it reclaims the slot once the request has ended
                    break;
                default:
                    break;
            }
        }
    }

    private static bool ProcessAlive(int pid)
    {
        if (pid <= 0)
            return true; // not filled in yet
        return Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() != 3; // ESRCH
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
