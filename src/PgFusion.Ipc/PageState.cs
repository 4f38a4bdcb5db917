namespace PgFusion.Ipc;

/// <summary>A page-pool entry: FREE -> FILLING (backend) -> READY (published) -> FREE (worker, after reading it).</summary>
public enum PageState : uint
{
    Free = 0,
    Filling = 1,
    Ready = 2,
}
