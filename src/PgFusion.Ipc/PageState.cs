namespace PgFusion.Ipc;

/// <summary>
/// A page-pool entry: FREE -> FILLING (backend) -> READY (published) -> FREE (worker, after reading it).
/// An entry whose page the backend left pinned in shared buffers (meta buffer != 0) goes READY ->
/// RETURNED instead: its backend drops the pin, then frees it (docs/ipc.md 6.5).
/// </summary>
public enum PageState : uint
{
    Free = 0,
    Filling = 1,
    Ready = 2,
    Returned = 3,
}
