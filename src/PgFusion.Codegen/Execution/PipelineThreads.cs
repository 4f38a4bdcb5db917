namespace PgFusion.Codegen.Execution;

/// <summary>
/// What a thread a pipeline starts for its partitions runs first: the request's choice, set by the
/// worker for the request (an <see cref="AsyncLocal{T}"/>, which the threads started under it
/// inherit). The worker uses it to put the threads of a request whose backend asked for it under
/// SCHED_BATCH (pg_fusion.serve_tuning bit 1024, docs/ipc.md 6.2 measure 7): .NET threads do not
/// inherit their creator's scheduling policy. The threads end with their pipeline, so nothing is
/// undone.
/// </summary>
public static class PipelineThreads
{
    public static readonly AsyncLocal<Action?> Starting = new();

    /// <summary>Called first by every thread a pipeline starts.</summary>
    internal static void Started() => Starting.Value?.Invoke();
}
