namespace PgFusion.Ipc;

/// <summary>header.worker_state.</summary>
public enum WorkerState : uint
{
    NotStarted = 0,
    Starting = 1,
    Ready = 2,
    Failed = 3,
    Stopped = 4,
}
