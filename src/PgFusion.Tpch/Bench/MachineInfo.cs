using System.Globalization;
using Npgsql;

namespace PgFusion.Tpch.Bench;

/// <summary>The machine and server a run was measured on, for the report's header.</summary>
public sealed record MachineInfo(
    string Cpu,
    int Cores,
    string Memory,
    string LoadAverage,
    string PostgresVersion,
    IReadOnlyList<(string Name, string Setting)> Settings)
{
    private static readonly string[] s_settings =
    [
        "shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather",
        "max_parallel_workers", "max_worker_processes", "jit", "jit_above_cost", "random_page_cost",
    ];

    public static MachineInfo Describe(NpgsqlConnection conn)
    {
        var settings = new List<(string, string)>();
        using (var cmd = new NpgsqlCommand(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(@names) OR name LIKE 'pg\\_fusion.%' ORDER BY name", conn))
        {
            cmd.Parameters.AddWithValue("names", s_settings);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
                settings.Add((reader.GetString(0), reader.GetString(1)));
        }
        using var version = new NpgsqlCommand("SELECT version()", conn);
        return new MachineInfo(
            ReadProc("/proc/cpuinfo", "model name") ?? "unknown CPU",
            Environment.ProcessorCount,
            MemTotal(),
            File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?",
            (string)version.ExecuteScalar()!,
            settings);
    }

    private static string? ReadProc(string path, string key)
    {
        if (!File.Exists(path))
            return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string MemTotal()
    {
        var kb = ReadProc("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        return kb is null ? "unknown" : $"{long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0:F1} GiB";
    }
}
