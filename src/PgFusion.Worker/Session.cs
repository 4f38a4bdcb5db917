using System.Buffers;
using System.Diagnostics;
using System.Text;
using PgFusion.Codegen;
using PgFusion.Codegen.Dump;
using PgFusion.Codegen.Kernels;
using PgFusion.Ipc;
using PgFusion.Planner;
using PgFusion.Types;

namespace PgFusion.Worker;

/// <summary>
/// One claim of a slot, served on the slot's long-lived thread (<see cref="SlotServer"/>):
/// COMPILE / EXPLAIN / EXECUTE requests, one at a time, until the backend releases the slot
/// (which cancels it). Every exception of a request becomes an ERROR message; nothing escapes
/// <see cref="Run"/>.
/// </summary>
internal sealed class Session : IDisposable
{
    private readonly SharedRegion region;
    private readonly SessionSlot slot;
    private readonly PlanCache cache;
    private readonly CancellationTokenSource cancel;
    private readonly MessageChannel channel;

    /// <param name="channel">The slot's worker end, reused from claim to claim (its liveness test names the current generation).</param>
    public Session(SharedRegion region, SessionSlot slot, uint generation, MessageChannel channel, PlanCache cache, CancellationToken workerStopping)
    {
        this.region = region;
        this.slot = slot;
        this.cache = cache;
        this.channel = channel;
        Generation = generation;
        cancel = CancellationTokenSource.CreateLinkedTokenSource(workerStopping);
    }

    public uint Generation { get; }

    /// <summary>Cancels the current request (the dispatcher: slot released, backend gone, worker stopping). Safe after <see cref="Dispose"/>.</summary>
    public void Cancel()
    {
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the session already ended
        }
        catch (AggregateException e)
        {
            WorkerLog.Info($"session {slot.Index}: cancel callback failed: {e.Message}");
        }
    }

    /// <summary>The linked token's registration on the worker's stopping token goes with it.</summary>
    public void Dispose() => cancel.Dispose();

    /// <summary>Serves requests until the slot is released or cancelled; on the calling (slot) thread.</summary>
    public void Run()
    {
        var token = cancel.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var message = channel.Receive(token);
                Handle(message, token);
            }
        }
        catch (OperationCanceledException)
        {
            // the backend released the slot, exited, or the worker stops
        }
        catch (Exception e)
        {
            // A broken frame from the backend (IpcException from Receive): the stream cannot be
            // resynchronised, so tell the backend why and end the session instead of leaving the
            // backend waiting for an answer until its statement_timeout.
            WorkerLog.Info($"session {slot.Index}: {e}");
            try
            {
                SendError(e, token);
            }
            catch (OperationCanceledException)
            {
                // the backend is gone too; nothing escapes this thread
            }
        }
    }

    /// <summary>PGFUSION_TRACE_REQUESTS=1: one log line per request (its wall time, payload size, GC counts and pause) for measuring fixed costs.</summary>
    private static readonly bool TraceRequests = Environment.GetEnvironmentVariable("PGFUSION_TRACE_REQUESTS") == "1";

    private void Handle(Message message, CancellationToken token)
    {
        if (!TraceRequests)
        {
            HandleRequest(message, token);
            return;
        }
        long start = Stopwatch.GetTimestamp();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        long allocated = GC.GetTotalAllocatedBytes(false);
        int bytes = message.Span.Length;
        var type = message.Type;
        try
        {
            HandleRequest(message, token);
        }
        finally
        {
            WorkerLog.Info($"trace {type} slot {slot.Index} bytes {bytes} ms {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F3} " +
                $"gc {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2} " +
                $"pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F2} ms alloc {(GC.GetTotalAllocatedBytes(false) - allocated) / 1024} KB " + LastGc());
        }
    }

    private static string LastGc()
    {
        var i = GC.GetGCMemoryInfo(GCKind.Any);
        var full = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return $"last gc #{i.Index} gen{i.Generation} conc {i.Concurrent} compact {i.Compacted} pause {i.PauseDurations[0].TotalMilliseconds:F2} heap {i.HeapSizeBytes / 1024} KB promoted {i.PromotedBytes / 1024} KB " +
            $"loh {i.GenerationInfo[3].SizeBeforeBytes / 1024}->{i.GenerationInfo[3].SizeAfterBytes / 1024} KB poh {i.GenerationInfo[4].SizeAfterBytes / 1024} KB load {i.MemoryLoadBytes >> 20} MB; last full #{full.Index} pause {full.PauseDurations[0].TotalMilliseconds:F2}";
    }

    /// <summary>
    /// The last request ended with an ERROR message. The backend raises it and releases the slot, but
    /// the pages it had already sent for that execution's scans (PAGE, PAGE_RUN, SCAN_END) still
    /// arrive; they are dropped, not answered with a second error nobody reads.
    /// </summary>
    private bool lastRequestFailed;

    private void HandleRequest(Message message, CancellationToken token)
    {
        if (lastRequestFailed && message.Type is MessageType.Page or MessageType.PageRun or MessageType.ScanEnd) return;
        lastRequestFailed = false;
        try
        {
            switch (message.Type)
            {
                case MessageType.Compile:
                    Compile(message.Span, token, explainOnly: false);
                    break;
                case MessageType.Explain:
                    Compile(message.Span, token, explainOnly: true);
                    break;
                case MessageType.Execute:
                    Execute(message.Span, token);
                    break;
                default:
                    throw new IpcException($"unexpected {message.Type} message outside a request");
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            lastRequestFailed = true;
            SendError(e, token);
        }
    }

    /// <summary>PGF_FLAG_EXPLAIN_RULES (pgfusion_ipc.h): EXPLAIN every rewrite rule's logical plan.</summary>
    private const uint ExplainRulesFlag = 0x100;

    /// <summary>PGF_FLAG_SETTINGS_CHANGED (pgfusion_ipc.h): EXECUTE's JSON carries settings other than the plan's; compile it.</summary>
    private const uint SettingsChangedFlag = 0x200;

    /// <summary>EXECUTE flag 0x400 (pg_fusion.serve_tuning bit 1024): this execution's threads run under SCHED_BATCH (docs/ipc.md 6.2, measure 7).</summary>
    private const uint BatchThreadsFlag = 0x400;

    private static DebugFault Fault(ReadOnlySpan<byte> payload, MessageType type) => (DebugFault)(Wire.ReadU32(payload, 0, type) & 0xFF);

    /// <summary>The worker's planner options (constants evaluated at plan time; CompileAndDump.WorkerOptions).</summary>
    private static PlannerOptions PlannerWithConstants => CompileAndDump.WorkerOptions;

    private void Compile(ReadOnlySpan<byte> payload, CancellationToken token, bool explainOnly)
    {
        var type = explainOnly ? MessageType.Explain : MessageType.Compile;
        var fault = Fault(payload, type);
        var json = payload[8..];
        switch (fault)
        {
            case DebugFault.Compile:
                throw new InvalidOperationException("pg_fusion.debug_fault = compile: managed exception while compiling");
            case DebugFault.CompileSleep:
                token.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
                token.ThrowIfCancellationRequested();
                throw new InvalidOperationException("pg_fusion.debug_fault = compile_sleep: nobody cancelled within 60 s");
            case DebugFault.Execute:
            case DebugFault.ExecuteSleep:
                var debug = DebugPlan.FromJson(fault, json);
                if (explainOnly)
                    SendText(MessageType.Explained, debug.Explain, token);
                else
                    SendCompiled(cache.AddCompiled(null, debug, 1), debug, token);
                return;
            default:
                break;
        }

        if (explainOnly)
        {
            var dump = CompileAndDump.Run(json, PlannerWithConstants, KernelCache.Shared);
            if (dump.UnsupportedReason is not null)
            {
                SendText(MessageType.Unsupported, dump.UnsupportedReason, token);
                return;
            }
            bool everyRule = (Wire.ReadU32(payload, 0, type) & ExplainRulesFlag) != 0;
            SendText(MessageType.Explained, dump.ToText(everyRule), token);
            return;
        }

        var entry = CompileCached(json, out var kernels);
        if (entry.Query is { } q)
        {
            entry.NotePlanning(slot.BackendPid, kernels);
            SendCompiled(entry, q, token);
        }
        else
            SendText(MessageType.Unsupported, entry.UnsupportedReason!, token);
    }

    /// <summary>
    /// The plan cache's answer for a query's JSON: a hit, or a new compile (supported or not) that
    /// is cached. <paramref name="kernels"/>: the kernels this lookup cost, for DONE.
    /// </summary>
    private PlanCache.CacheEntry CompileCached(ReadOnlySpan<byte> json, out KernelFigures kernels)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(json.Length);
        try
        {
            long keyStart = Stopwatch.GetTimestamp();
            var canonical = rented.AsSpan(0, PlanKey.Strip(json, rented));
            if (TraceRequests)
                WorkerLog.Info($"trace key {json.Length} bytes {Stopwatch.GetElapsedTime(keyStart).TotalMilliseconds:F3} ms");
            if (cache.TryGet(canonical, out var hit))
            {
                kernels = KernelFigures.FromPlanCache(hit.Compiled.Compiled + hit.Compiled.CacheHits);
                return hit;
            }
            return CompileNew(json, PlanKey.FromCanonical(canonical), out kernels);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private PlanCache.CacheEntry CompileNew(ReadOnlySpan<byte> json, PlanKey key, out KernelFigures kernels)
    {
        kernels = KernelFigures.None;
        var clock = Stopwatch.StartNew();
        var use = new KernelUse();
        using var recording = KernelUse.Record(use);
        var planned = QueryPlanner.Plan(json, PlannerWithConstants);
        if (!planned.IsSupported)
        {
            cache.AddUnsupported(key, planned.UnsupportedReason!);
            return new PlanCache.CacheEntry(key, 0, null, planned.UnsupportedReason, 0);
        }
        double planMs = clock.Elapsed.TotalMilliseconds;
        var compiled = new QueryCompiler().Compile(planned.Plan!);
        if (compiled.Query is null)
        {
            cache.AddUnsupported(key, compiled.UnsupportedReason!);
            return new PlanCache.CacheEntry(key, 0, null, compiled.UnsupportedReason, 0);
        }
        LastCompileTiming = $"plan {planMs:F2} ms, plan+compile {clock.Elapsed.TotalMilliseconds:F2} ms";
        kernels = KernelFigures.Of(use);
        return cache.AddCompiled(key, compiled.Query, planned.Plan!.Root.EstimatedRows, kernels);
    }

    /// <summary>The last cold compile's timing (logged on request by tools).</summary>
    public static string LastCompileTiming { get; private set; } = "";

    private void SendCompiled(PlanCache.CacheEntry entry, CompiledQuery query, CancellationToken token)
    {
        var w = new ArrayBufferWriter<byte>();
        byte[] explain = Encoding.UTF8.GetBytes(query.Explain);
        Wire.U64(w, entry.Handle);
        Wire.U32(w, (uint)query.Output.Count);
        Wire.U32(w, (uint)explain.Length);
        Wire.F64(w, entry.EstimatedRows);
        foreach (var col in query.Output)
        {
            byte[] name = Encoding.UTF8.GetBytes(col.Name);
            Wire.U32(w, col.Type.Oid);
            Wire.U32(w, unchecked((uint)col.Type.Typmod));
            Wire.U32(w, (uint)name.Length);
            Wire.Bytes(w, name);
        }
        Wire.Bytes(w, explain);
        channel.Send(MessageType.Compiled, w.WrittenSpan, token);
    }

    private void Execute(ReadOnlySpan<byte> payload, CancellationToken token)
    {
        ulong handle = Wire.ReadU64(payload, 8, MessageType.Execute);
        var fault = Fault(payload, MessageType.Execute);
        var json = payload[16..];
        uint flags = Wire.ReadU32(payload, 0, MessageType.Execute);
        bool settingsChanged = (flags & SettingsChangedFlag) != 0;
        var entry = fault == DebugFault.ForgetPlan || settingsChanged ? null : cache.Find(handle);
        var query = entry?.Query;
        var kernels = entry?.TakePlanning(slot.BackendPid) ?? KernelFigures.None;
        if (query is null && settingsChanged)
        {
            // The session's output settings (DateStyle, extra_float_digits, ...) differ from those the
            // cached PlannedStmt was planned under; the backend sent the JSON with the current ones.
            var compiled = CompileCached(json, out kernels);
            query = compiled.Query ?? throw new PgFusionException("0A000",
                $"pg_fusion cannot run this cached plan under the session's current settings: {compiled.UnsupportedReason}",
                "A setting that decides how values print as text (DateStyle, IntervalStyle, extra_float_digits, bytea_output) changed since the statement was planned; prepare it again, or set pg_fusion.enable = off before preparing it.");
        }
        if (query is null && !json.IsEmpty)
        {
            // The bounded plan cache dropped the handle (or the test fault pretends it did): the
            // JSON the plan came from compiles to the same plan.
            if (fault is DebugFault.Execute or DebugFault.ExecuteSleep)
            {
                query = DebugPlan.FromJson(fault, json);
            }
            else
            {
                query = CompileCached(json, out kernels).Query
                        ?? throw new PgFusionException("XX000", $"pg_fusion plan {handle} was dropped from the worker's cache and its query no longer compiles");
            }
        }
        if (query is null)
            throw new PgFusionException("55000", $"pg_fusion plan {handle} is not known to the worker", "The worker restarted since the query was planned; run the statement again.");
        uint workMemKb = Wire.ReadU32(payload, 4, MessageType.Execute);
        // bits 16..23 of flags: pg_fusion.worker_threads (0 from a backend that predates it: one thread)
        int threads = (int)((flags >> 16) & 0xFF);
        // The pipeline threads this thread starts take the policy first thing (PipelineThreads; .NET
        // threads do not inherit it); pool threads decoding this request's batches take it while
        // they do (PageBatchSource.DecodeJob).
        bool batch = (flags & BatchThreadsFlag) != 0;
        bool enteredBatch = batch && ThreadScheduling.EnterBatch();
        if (batch)
            Codegen.Execution.PipelineThreads.Starting.Value = EnterBatch;
        try
        {
            ExecuteQuery(query, kernels, workMemKb, threads, batch, token);
        }
        finally
        {
            if (batch)
                Codegen.Execution.PipelineThreads.Starting.Value = null;
            ThreadScheduling.LeaveBatch(enteredBatch);
        }
    }

    /// <summary>A pipeline thread of a SCHED_BATCH request: it ends with the pipeline, so it is not restored.</summary>
    private static readonly Action EnterBatch = () => ThreadScheduling.EnterBatch();

    private void ExecuteQuery(CompiledQuery query, KernelFigures kernels, uint workMemKb, int threads, bool batch, CancellationToken token)
    {
        var scans = new SessionScanProvider(channel, region, token, threads) { BatchScheduling = batch };
        var sink = new RingResultSink(channel, token);
        // The worker runs in the data directory (the postmaster's working directory): spill files go
        // to base/pgsql_tmp like PostgreSQL's own temporary files, and are deleted when this ends.
        using var spill = new Codegen.Operators.Spill.SpillSpace(Path.GetFullPath(Path.Combine("base", "pgsql_tmp")), workMemKb * 1024L);
        // kernels that compile on first use (a filter's general kernel, a fixed-scale kernel's general variant)
        var executing = new KernelUse();
        try
        {
            using var recording = KernelUse.Record(executing);
            query.Execute(scans, sink, spill, token);
        }
        finally
        {
            scans.Quiesce();
        }
        kernels = kernels.Plus(executing);
        byte[] parallel = Encoding.UTF8.GetBytes(string.Join("\n", scans.ParallelPipelines));
        var done = new ArrayBufferWriter<byte>(24 + parallel.Length + 24);
        Wire.U64(done, (ulong)sink.Rows);
        Wire.U64(done, (ulong)spill.BytesWritten);
        Wire.U32(done, (uint)spill.FilesCreated);
        Wire.U32(done, (uint)parallel.Length);
        Wire.Bytes(done, parallel);
        Wire.U32(done, (uint)Math.Min(kernels.Compiled, uint.MaxValue));
        Wire.U32(done, (uint)Math.Min(kernels.CacheHits, uint.MaxValue));
        Wire.F64(done, kernels.CompileMs);
        Wire.U32(done, kernels.PlanCached ? 1u : 0u);
        Wire.U32(done, 0); // reserved
        WriteSpillByOperator(done, spill);
        WriteMemoryByNode(done, spill.Memory);
        channel.Send(MessageType.Done, done.WrittenSpan, token);
        if (CollectAfterExecute)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Optimized, blocking: true);
    }

    /// <summary>
    /// PGFUSION_COLLECT_AFTER_EXECUTE=1 in the server's environment (off by default; an experiment
    /// waiting for a quiet-machine A/B, perf/perf23-2026-12-03.md): after DONE, collect gen2 if its
    /// or the large object heap's budget is nearly spent (less than 30 % left: what
    /// <see cref="GCCollectionMode.Optimized"/> asks the GC to decide). The worker's collections
    /// are blocking, and every one measured was a gen2 started by large-object allocations, so
    /// otherwise the next query's allocations start it and wait for it; here it would run while the
    /// backend finishes the statement and the client sends the next one.
    /// </summary>
    private static readonly bool CollectAfterExecute = Environment.GetEnvironmentVariable("PGFUSION_COLLECT_AFTER_EXECUTE") == "1";

    /// <summary>
    /// DONE's last section (docs/ipc.md 5.4, <see cref="DoneSpillSection"/>): one entry per plan
    /// node and kind of operator that spilled, ordered by node then kind; the node is its line in
    /// the plan EXPLAIN shows (1 = the first, 0 = not attributed). A backend that predates the
    /// section ignores the bytes; one that knows only version 1 ignores the section.
    /// </summary>
    private static void WriteSpillByOperator(ArrayBufferWriter<byte> done, Codegen.Operators.Spill.SpillSpace spill) =>
        DoneSpillSection.Write(done, [.. spill.ByNode().Select(e => new DoneSpillEntry((uint)e.Node, (uint)e.Operator, (uint)e.Files, (ulong)e.Bytes))]);

    /// <summary>
    /// DONE's memory section (docs/ipc.md 5.5, <see cref="DoneMemorySection"/>): the execution's
    /// peak of what its buffering operators held, and each plan node's, as their gauges reported it.
    /// A backend that predates the section ignores the bytes.
    /// </summary>
    private static void WriteMemoryByNode(ArrayBufferWriter<byte> done, Codegen.Operators.Spill.MemoryTracker memory) =>
        DoneMemorySection.Write(done, (ulong)memory.PeakBytes,
            [.. memory.PeaksByNode().Where(e => e.Value > 0).OrderBy(e => e.Key).Select(e => new DoneMemoryEntry((uint)e.Key, (ulong)e.Value))]);

    private void SendText(MessageType type, string text, CancellationToken token) =>
        channel.Send(type, Encoding.UTF8.GetBytes(text), token);

    private void SendError(Exception e, CancellationToken token)
    {
        string sqlState = e switch
        {
            PgFusionException p => p.SqlState,
            IpcException => "08P01",
            _ => "XX000",
        };
        string? detail = e is PgFusionException pe ? pe.Detail : $"managed exception {e.GetType().FullName} in the pg_fusion worker";
        if (e is not PgFusionException)
            WorkerLog.Info($"session {slot.Index}: request failed: {e}");
        try
        {
            channel.Send(MessageType.Error, Wire.Error(sqlState, e.Message, detail), token);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception inner)
        {
            WorkerLog.Info($"session {slot.Index}: could not report an error to the backend: {inner.Message}");
        }
    }
}
