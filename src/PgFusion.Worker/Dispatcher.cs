using System.Runtime.InteropServices;
using PgFusion.Ipc;

namespace PgFusion.Worker;

/// <summary>
/// Watches the session slots: starts a session thread for each slot a backend claims, cancels it
/// when the backend releases the slot (or exits, or belongs to an earlier worker), and reclaims
/// the slot (pages, rings) once the thread has ended.
/// </summary>
internal sealed partial class Dispatcher
{
    private readonly SharedRegion region;
    private readonly Dictionary<int, Session> sessions = [];
    private readonly PlanCache cache = new();
    private readonly CancellationTokenSource stopping = new();
    private Thread? thread;
    private long lastLivenessCheck;

    public Dispatcher(SharedRegion region) => this.region = region;

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
            lock (sessions)
                foreach (var s in sessions.Values)
                    s.Cancel();
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
            sessions.TryGetValue(i, out var session);
            switch (slot.State)
            {
                case SlotState.Active:
                    bool stale = slot.WorkerEpoch != epoch || (checkLiveness && !ProcessAlive(slot.BackendPid));
                    if (session is null)
                    {
                        if (stale)
                            slot.Reclaim();
                        else
                            StartSession(slot);
                    }
                    else if (session.Generation != slot.Generation || stale)
                    {
                        session.Cancel();
                        if (session.Finished)
                        {
                            sessions.Remove(i);
                            slot.Reclaim();
                        }
                    }
                    break;
                case SlotState.Released:
                    if (session is not null)
                    {
                        session.Cancel();
                        if (!session.Finished)
                            break; // its thread wakes us when it ends
                        sessions.Remove(i);
                    }
                    slot.Reclaim();
                    break;
                default:
                    break;
            }
        }
    }

    private void StartSession(SessionSlot slot)
    {
        var session = new Session(region, slot, cache, () => region.DispatcherWake.Wake(), stopping.Token);
        sessions[slot.Index] = session;
        session.Start();
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
