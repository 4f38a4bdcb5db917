using System.Diagnostics;

namespace PgFusion.Tpch.Loading;

/// <summary>
/// The load's progress bar on stderr: one line redrawn in place with the phase, a bar, rows copied so
/// far against the expected total, and the elapsed time. Silent when no writer is given (tests).
/// </summary>
internal sealed class LoadProgress : IDisposable
{
    private const int BarWidth = 30;
    private readonly TextWriter? _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer? _timer;
    private readonly Lock _gate = new();
    private long _rows;
    private long _expectedRows = 1;
    private string _phase = "starting";
    private int _stepsDone;
    private int _steps;

    public LoadProgress(TextWriter? output)
    {
        _output = output;
        if (output is not null)
            _timer = new Timer(_ => Draw(), null, 250, 250);
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public void StartCopy(long expectedRows)
    {
        lock (_gate)
        {
            _phase = "copy";
            _expectedRows = Math.Max(1, expectedRows);
        }
    }

    public void AddRows(long rows) => Interlocked.Add(ref _rows, rows);

    public void StartSteps(string phase, int steps)
    {
        lock (_gate)
        {
            _phase = phase;
            _steps = steps;
            _stepsDone = 0;
        }
        Draw();
    }

    public void StepDone() => Interlocked.Increment(ref _stepsDone);

    /// <summary>Ends the current phase's line with its duration.</summary>
    public void Finish(string message)
    {
        lock (_gate)
        {
            if (_output is null)
                return;
            _phase = "";
            _output.Write($"\r\u001b[2K[tpch] {message}\n");
            _output.Flush();
        }
    }

    private void Draw()
    {
        lock (_gate)
        {
            if (_output is null || _phase.Length == 0)
                return;
            double fraction;
            string detail;
            if (_phase == "copy")
            {
                var rows = Interlocked.Read(ref _rows);
                fraction = Math.Min(1.0, (double)rows / _expectedRows);
                detail = $"{rows:N0} / ~{_expectedRows:N0} rows";
            }
            else
            {
                fraction = _steps == 0 ? 0 : (double)_stepsDone / _steps;
                detail = $"{_stepsDone} / {_steps}";
            }
            var filled = (int)(fraction * BarWidth);
            var bar = new string('#', filled) + new string('.', BarWidth - filled);
            _output.Write($"\r\u001b[2K[tpch] {_phase,-15} [{bar}] {fraction,4:P0}  {detail}  {_clock.Elapsed.TotalSeconds:F1}s");
            _output.Flush();
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
    }
}
