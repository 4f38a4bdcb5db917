using System.Text.Json;
using PgFusion.Codegen;
using PgFusion.Codegen.Execution;
using PgFusion.Ipc;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Worker;

/// <summary>
/// The stub plan pg_fusion.debug_fault = execute / execute_sleep compiles to: it exercises the
/// whole execution path (EXECUTE, SCAN_OPEN, page serving, credit, cancel) without the engine,
/// then fails with a managed exception, which must become an ERROR in the backend.
/// Output columns come straight from the query's target list.
/// </summary>
internal sealed class DebugPlan : CompiledQuery
{
    private readonly DebugFault fault;
    private readonly uint firstRelId;
    private readonly string firstRelName;

    private DebugPlan(DebugFault fault, IReadOnlyList<OutputColumn> output, uint firstRelId, string firstRelName)
    {
        this.fault = fault;
        Output = output;
        this.firstRelId = firstRelId;
        this.firstRelName = firstRelName;
    }

    public override IReadOnlyList<OutputColumn> Output { get; }

    public override string Explain => $"Debug plan (pg_fusion.debug_fault = {FaultName(fault)})";

    public static DebugPlan FromJson(DebugFault fault, ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var root = doc.RootElement;
        var output = new List<OutputColumn>();
        foreach (var te in root.GetProperty("query").GetProperty("targetList").EnumerateArray())
        {
            if (te.GetProperty("resjunk").GetBoolean())
                continue;
            var expr = te.GetProperty("expr");
            string name = te.GetProperty("resname").ValueKind == JsonValueKind.String ? te.GetProperty("resname").GetString()! : "?column?";
            output.Add(new OutputColumn(name, ExprType(expr)));
        }
        uint relId = 0;
        string relName = "";
        foreach (var rel in root.GetProperty("relations").EnumerateArray())
        {
            if (rel.GetProperty("relkind").GetString() is "r" or "m")
            {
                relId = rel.GetProperty("relid").GetUInt32();
                relName = rel.GetProperty("name").GetString()!;
                break;
            }
        }
        return new DebugPlan(fault, output, relId, relName);
    }

    private static PgType ExprType(JsonElement expr)
    {
        string node = expr.GetProperty("node").GetString()!;
        (string type, string? mod) = node switch
        {
            "VAR" => ("vartype", "vartypmod"),
            "CONST" => ("consttype", "consttypmod"),
            "FUNCEXPR" => ("funcresulttype", null),
            "OPEXPR" => ("opresulttype", null),
            "AGGREF" => ("aggtype", null),
            "RELABELTYPE" => ("resulttype", "resulttypmod"),
            "COERCEVIAIO" => ("resulttype", null),
            _ => throw new PgFusionException("0A000", $"debug plan cannot type a {node} output column"),
        };
        int typmod = mod is not null && expr.TryGetProperty(mod, out var m) ? m.GetInt32() : -1;
        return new PgType(expr.GetProperty(type).GetUInt32(), typmod);
    }

    public override void Execute(IScanProvider scans, IResultSink sink, CancellationToken cancellation)
    {
        long pages = 0;
        if (scans is SessionScanProvider provider && firstRelId != 0)
            pages = provider.Open(firstRelId, [], null).DrainPages();
        if (fault == DebugFault.ExecuteSleep)
        {
            cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            cancellation.ThrowIfCancellationRequested();
        }
        throw new InvalidOperationException($"pg_fusion.debug_fault = {FaultName(fault)}: managed exception after reading {pages} pages of \"{firstRelName}\"");
    }

    public static string FaultName(DebugFault fault) => fault switch
    {
        DebugFault.Compile => "compile",
        DebugFault.Execute => "execute",
        DebugFault.CompileSleep => "compile_sleep",
        DebugFault.ExecuteSleep => "execute_sleep",
        _ => "none",
    };
}
