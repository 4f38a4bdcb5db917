namespace PgFusion.Ipc;

/// <summary>A session slot's state: FREE -> CLAIMING -> ACTIVE (backend) -> RELEASED (backend) -> FREE (worker).</summary>
public enum SlotState : uint
{
    Free = 0,
    Active = 1,
    Released = 2,
    Claiming = 3,
}
