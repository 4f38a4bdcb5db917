namespace PgFusion.Ipc;

/// <summary>pg_fusion.debug_fault, sent in the low byte of COMPILE/EXECUTE/EXPLAIN flags.</summary>
public enum DebugFault : uint
{
    None = 0,
    Compile = 1,
    Execute = 2,
    CompileSleep = 3,
    ExecuteSleep = 4,

    /// <summary>The backend stalls (60 s, cancellable) inside an index probe; the worker plans and runs normally.</summary>
    ProbeSleep = 5,
}
