namespace PgFusion.Ipc;

/// <summary>pg_fusion.debug_fault, sent in the low byte of COMPILE/EXECUTE/EXPLAIN flags.</summary>
public enum DebugFault : uint
{
    None = 0,
    Compile = 1,
    Execute = 2,
    CompileSleep = 3,
    ExecuteSleep = 4,

    /// <summary>EXECUTE ignores its plan handle and compiles the Query JSON sent with it (as after the plan cache dropped the handle).</summary>
    ForgetPlan = 5,

    /// <summary>The backend stalls (60 s, cancellable) inside an index probe; the worker plans and runs normally.</summary>
    ProbeSleep = 6,

    /// <summary>The backend: a page reader raises an ERROR at its first block; the worker plans and runs normally.</summary>
    ReaderError = 7,

    /// <summary>The backend: a page reader stalls (60 s, cancellable) holding its first blocks; the worker plans and runs normally.</summary>
    ReaderSleep = 8,

    /// <summary>The backend: the page readers read every block of their scans, the backend none; the worker plans and runs normally.</summary>
    ReadersOnly = 9,
}
