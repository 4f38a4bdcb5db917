using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace PgFusion.Arrow.Tests.Support;

/// <summary>
/// The npm apache-arrow package, installed once (the version js/package.json pins) into .pgfusion/node/ of the repository (or the
/// test output folder outside one) and reused by later runs, and the js/read-arrow.mjs script
/// that reads a stream with it. A missing node or npm, or a registry that cannot be reached,
/// fails the test with the reason: these tests never skip.
/// </summary>
public static class ApacheArrowJs
{
    private static readonly Lazy<string> InstallDir = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Reads <paramref name="streamPath"/> with apache-arrow and returns what it saw.</summary>
    public static JsStream Read(string streamPath)
    {
        string dir = InstallDir.Value;
        var (code, stdout, stderr) = Run("node", [Path.Combine(dir, "read-arrow.mjs"), streamPath], dir, TimeSpan.FromMinutes(2));
        if (code != 0)
            throw new InvalidOperationException($"apache-arrow could not read {streamPath} (node exited with {code}):\n{stderr}");
        return JsonSerializer.Deserialize<JsStream>(stdout, JsonOptions)
            ?? throw new InvalidOperationException("read-arrow.mjs printed no JSON");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private static string Install()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "js");
        byte[] package = File.ReadAllBytes(Path.Combine(source, "package.json"));
        string key = Convert.ToHexStringLower(SHA256.HashData(package))[..12];
        string dir = Path.Combine(CacheRoot(), $"arrow-interop-{key}");
        string marker = Path.Combine(dir, ".installed");

        RequireTool("node", "--version");
        if (!File.Exists(marker))
        {
            RequireTool("npm", "--version");
            string staging = $"{dir}.staging-{Environment.ProcessId}";
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            Directory.CreateDirectory(staging);
            File.WriteAllBytes(Path.Combine(staging, "package.json"), package);
            var (code, stdout, stderr) = Run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], staging, TimeSpan.FromMinutes(5));
            if (code != 0)
            {
                var (_, registry, _) = Run("npm", ["config", "get", "registry"], staging, TimeSpan.FromSeconds(30));
                Directory.Delete(staging, true);
                throw new InvalidOperationException(
                    $"the Arrow interop tests need the npm package apache-arrow, and `npm install` failed (exit {code}) in {staging}. " +
                    $"Is the npm registry {registry.Trim()} reachable (proxy, npm_config_registry)?\n{stdout}\n{stderr}");
            }
            File.WriteAllText(Path.Combine(staging, ".installed"), DateTime.UtcNow.ToString("O"));
            try
            {
                Directory.Move(staging, dir);
            }
            catch (IOException) when (File.Exists(marker))
            {
                // Another test process installed it first.
                Directory.Delete(staging, true);
            }
        }
        File.Copy(Path.Combine(source, "read-arrow.mjs"), Path.Combine(dir, "read-arrow.mjs"), overwrite: true);
        return dir;
    }

    /// <summary>.pgfusion/node of the repository the tests were built from, else the output folder.</summary>
    private static string CacheRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "PgFusion.sln")))
                return Directory.CreateDirectory(Path.Combine(d.FullName, ".pgfusion", "node")).FullName;
        return Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "node")).FullName;
    }

    private static void RequireTool(string tool, string arg)
    {
        try
        {
            var (code, _, stderr) = Run(tool, [arg], AppContext.BaseDirectory, TimeSpan.FromSeconds(60));
            if (code != 0) throw new InvalidOperationException($"`{tool} {arg}` failed: {stderr}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the Arrow interop tests need `{tool}` (Node.js 18 or later with npm) on PATH: {e.Message}", e);
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string workDir, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', args)}` did not finish within {timeout}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

public sealed record JsStream(List<JsField> Fields, List<JsBatch> Batches, List<JsBufferRegions> BufferRegions);

/// <summary>One record batch message's buffers as apache-arrow's MessageReader reads them: [offset in the body, length].</summary>
public sealed record JsBufferRegions(long BodyLength, List<long[]> Buffers);

public sealed record JsField(string Name, bool Nullable, JsType Type, Dictionary<string, string> Metadata);

public sealed record JsType(int TypeId, string Name, string Text, int? BitWidth, bool? IsSigned, int? Precision, int? Scale, int? Unit, string? Timezone, int? ByteWidth);

public sealed record JsBatch(int Length, List<JsColumn> Columns);

public sealed record JsColumn(int NullCount, List<string?> Values);
