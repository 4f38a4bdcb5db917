using System.Globalization;
using System.Text;

namespace PgFusion.Fuzz.Running;

/// <summary>Counts of a campaign: queries by verdict, and how many pg_fusion offloaded, overall and per construct.</summary>
public sealed class FuzzStats
{
    private readonly SortedDictionary<string, (int Queries, int Offloaded)> _constructs = new(StringComparer.Ordinal);

    public int Cases { get; set; }

    public int Queries { get; private set; }

    public int Offloaded { get; private set; }

    public int SingleTableQueries { get; private set; }

    public int SingleTableOffloaded { get; private set; }

    public int Equal { get; private set; }

    public int Equivalent { get; private set; }

    public int Skipped { get; private set; }

    public int Mismatches { get; private set; }

    /// <summary>One-sided data exceptions, when tolerated (see <see cref="VerdictKind.ErrorGap"/>).</summary>
    public int ErrorGaps { get; private set; }

    public List<string> GapExamples { get; } = [];

    /// <summary>One-sided data exceptions PostgreSQL reproduces under another plan (see <see cref="VerdictKind.PlanDependent"/>).</summary>
    public int PlanDependent { get; private set; }

    public List<string> PlanDependentExamples { get; } = [];

    public void AddPlanDependentExample(string example)
    {
        if (PlanDependentExamples.Count < 10) PlanDependentExamples.Add(example);
    }

    private readonly Dictionary<string, int> _fallbackReasons = new(StringComparer.Ordinal);

    private readonly Dictionary<string, int> _oracleErrors = new(StringComparer.Ordinal);

    /// <summary>Errors the oracle raised (both sides agreeing), by SQLSTATE and message: syntax or type errors here are generator bugs.</summary>
    public void AddOracleError(string sqlState, string message)
    {
        var key = sqlState + " " + (message.Length > 70 ? message[..70] : message);
        _oracleErrors[key] = _oracleErrors.GetValueOrDefault(key) + 1;
    }

    /// <summary>Why single-table queries fell back, tallied (the worker's Unsupported reason).</summary>
    public void AddFallbackReason(string reason)
    {
        const string prefix = "pg_fusion cannot run this query: ";
        if (reason.StartsWith(prefix, StringComparison.Ordinal)) reason = reason[prefix.Length..];
        _fallbackReasons[reason] = _fallbackReasons.GetValueOrDefault(reason) + 1;
    }

    public void AddGapExample(string example)
    {
        if (GapExamples.Count < 10) GapExamples.Add(example);
    }

    /// <summary>Queries both sides rejected with the same SQLSTATE (part of <see cref="Equal"/>/<see cref="Equivalent"/>).</summary>
    public int Errors { get; private set; }

    public List<string> Notes { get; } = [];

    public double OffloadShare => Queries == 0 ? 0 : (double)Offloaded / Queries;

    public double SingleTableOffloadShare => SingleTableQueries == 0 ? 0 : (double)SingleTableOffloaded / SingleTableQueries;

    public void Record(IReadOnlySet<string> constructs, bool singleTable, bool offloaded, Verdict verdict, bool bothErrored)
    {
        Queries++;
        if (offloaded) Offloaded++;
        if (singleTable)
        {
            SingleTableQueries++;
            if (offloaded) SingleTableOffloaded++;
        }
        if (bothErrored) Errors++;
        switch (verdict.Kind)
        {
            case VerdictKind.Equal: Equal++; break;
            case VerdictKind.Equivalent:
                Equivalent++;
                break;
            case VerdictKind.Skipped: Skipped++; break;
            case VerdictKind.ErrorGap: ErrorGaps++; break;
            case VerdictKind.PlanDependent: PlanDependent++; break;
            case VerdictKind.Mismatch: Mismatches++; break;
        }
        foreach (var c in constructs)
        {
            var (q, o) = _constructs.GetValueOrDefault(c);
            _constructs[c] = (q + 1, o + (offloaded ? 1 : 0));
        }
    }

    public string ProgressLine() => string.Create(CultureInfo.InvariantCulture,
        $"cases {Cases}, queries {Queries}, offloaded {OffloadShare:P1} (single-table {SingleTableOffloadShare:P1}), equal {Equal}, equivalent {Equivalent}, errors {Errors}, skipped {Skipped}, plan-dependent errors {PlanDependent}, error gaps {ErrorGaps}, mismatches {Mismatches}");

    public string Summary()
    {
        var sb = new StringBuilder();
        sb.AppendLine(ProgressLine());
        sb.AppendLine("offloaded per construct (queries containing it):");
        foreach (var (name, (q, o)) in _constructs)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-28} {o,6}/{q,-6} {(q == 0 ? 0 : (double)o / q),7:P1}"));
        if (_fallbackReasons.Count > 0)
        {
            sb.AppendLine("why single-table queries fell back (most frequent first):");
            foreach (var (reason, n) in _fallbackReasons.OrderByDescending(kv => kv.Value).Take(25))
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {n,5}  {reason}"));
        }
        if (_oracleErrors.Count > 0)
        {
            sb.AppendLine("errors PostgreSQL raised (both sides), most frequent first:");
            foreach (var (error, n) in _oracleErrors.OrderByDescending(kv => kv.Value).Take(12))
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {n,5}  {error}"));
        }
        if (GapExamples.Count > 0)
        {
            sb.AppendLine("one-sided data exceptions (tolerated error gaps, first ones):");
            foreach (var g in GapExamples) sb.AppendLine("  " + g.Replace("\n", "\n  ", StringComparison.Ordinal));
        }
        if (PlanDependentExamples.Count > 0)
        {
            sb.AppendLine("one-sided data exceptions PostgreSQL reproduces under another plan (first ones):");
            foreach (var g in PlanDependentExamples) sb.AppendLine("  " + g.Replace("\n", "\n  ", StringComparison.Ordinal));
        }
        if (Notes.Count > 0)
        {
            sb.AppendLine("same SQLSTATE, different message (first ones):");
            foreach (var n in Notes.Take(10)) sb.AppendLine("  " + n.Replace("\n", "\n  ", StringComparison.Ordinal));
        }
        return sb.ToString();
    }
}
