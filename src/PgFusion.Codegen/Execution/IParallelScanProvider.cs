using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Execution;

/// <summary>
/// A scan provider that can split one scan among several threads (the worker: each thread takes
/// the next batch of pages the backend served and decodes it itself). Providers without it run
/// every pipeline on one thread.
/// </summary>
public interface IParallelScanProvider
{
    /// <summary>Threads one query's pipeline may run on (pg_fusion.worker_threads); 1 = serial.</summary>
    int Degree { get; }

    /// <summary>
    /// Opens <paramref name="scan"/> once; its partitions share its pages. <paramref name="pipeline"/>
    /// says what the threads run (for EXPLAIN ANALYZE: "aggregate over scan of lineitem, 2 hash join probes").
    /// </summary>
    IParallelScan OpenParallelScan(PhysicalScan scan, string pipeline);

    /// <summary>As <see cref="OpenParallelScan(PhysicalScan, string)"/>, with the filter's stages the partitions may apply while decoding (<see cref="IScanProvider.OpenScan(PhysicalScan, ScanPrefilter?)"/>).</summary>
    IParallelScan OpenParallelScan(PhysicalScan scan, string pipeline, ScanPrefilter? prefilter) => OpenParallelScan(scan, pipeline);
}

/// <summary>One scan shared by the partitions of a parallel pipeline.</summary>
public interface IParallelScan
{
    /// <summary>
    /// A new partition: a batch source of its own (its own decoder and batch) that takes the
    /// scan's next pages each call, so the partitions together see every page once, in no fixed
    /// order. Each partition is used by one thread.
    /// </summary>
    IParallelPartition Partition();

    /// <summary>Every partition returns null from its next call on (a partition failed; the rest of the scan is not read).</summary>
    void Stop();
}

/// <summary>A partition's batches; <see cref="Sequence"/> numbers the batch it returned last in scan order.</summary>
public interface IParallelPartition : IBatchSource
{
    long Sequence { get; }
}
