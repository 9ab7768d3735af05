using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Bench.Anchors;

/// <summary>One run of anchors/torch_workloads.py at one thread count.</summary>
/// <remarks><see cref="Figures"/> are mean wall times per call, <see cref="CpuFigures"/> the process's CPU time per call, same keys and units.</remarks>
public sealed record TorchRun(int Threads, string TorchVersion, IReadOnlyDictionary<string, double> Figures,
    IReadOnlyDictionary<string, double> CpuFigures, double? SgemmPeakGflops, IReadOnlyDictionary<string, double> SgemmGflops);

/// <summary>
/// Runs the project's PyTorch reference script (bench/scripts/torch_workloads.py, embedded in this
/// assembly) with the system Python, so our figures and PyTorch's come from the same machine in the
/// same minute.
/// </summary>
public sealed class TorchAnchor
{
    public const string InstallHint = "apt-get install -y python3-torch libopenblas0-pthread";
    private const string ScriptResource = "OfflineSafety.Bench.scripts.torch_workloads.py";

    private readonly string _python;

    public TorchAnchor(string python = "/usr/bin/python3") => _python = python;

    /// <summary>Null when PyTorch can be imported; otherwise why not, with the install command.</summary>
    public string? Unavailable()
    {
        if (!File.Exists(_python))
            return $"{_python} not found; install PyTorch with: {InstallHint}";
        var (exit, _, error) = Execute(["-c", "import torch"], TimeSpan.FromMinutes(1), CancellationToken.None);
        return exit == 0 ? null : $"PyTorch is not importable by {_python} ({FirstLine(error)}); install it with: {InstallHint}";
    }

    public TorchRun Run(int threads, double scale, bool workloads, bool peak, IReadOnlyList<string> sgemmShapes, CancellationToken ct, bool inferOnly = false)
    {
        string script = Path.Combine(Path.GetTempPath(), $"offsafe-torch-workloads-{Environment.ProcessId}.py");
        using (var resource = typeof(TorchAnchor).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"embedded resource {ScriptResource} is missing from the bench assembly"))
        using (var file = File.Create(script))
            resource.CopyTo(file);
        try
        {
            var args = new List<string> { script, "--threads", threads.ToString(CultureInfo.InvariantCulture),
                "--scale", scale.ToString("R", CultureInfo.InvariantCulture) };
            if (!workloads) args.Add("--skip-workloads");
            if (inferOnly) args.Add("--infer-only");
            if (peak) args.Add("--peak");
            if (sgemmShapes.Count > 0) { args.Add("--sgemm"); args.AddRange(sgemmShapes); }
            var (exit, output, error) = Execute(args, TimeSpan.FromMinutes(30), ct, threads);
            if (exit != 0)
                throw new InvalidOperationException($"{script} exited with {exit}: {FirstLine(error)}");
            return Parse(threads, output);
        }
        finally
        {
            File.Delete(script);
        }
    }

    internal static TorchRun Parse(int threads, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var figures = new Dictionary<string, double>();
        foreach (var property in root.EnumerateObject())
            if (property.Name.EndsWith("_ms", StringComparison.Ordinal) || property.Name.EndsWith("_us", StringComparison.Ordinal))
                figures[property.Name] = property.Value.GetDouble();
        var cpu = new Dictionary<string, double>();
        if (root.TryGetProperty("cpu", out var cpuFigures))
            foreach (var property in cpuFigures.EnumerateObject()) cpu[property.Name] = property.Value.GetDouble();
        var sgemm = new Dictionary<string, double>();
        if (root.TryGetProperty("sgemm_gflops", out var shapes))
            foreach (var property in shapes.EnumerateObject()) sgemm[property.Name] = property.Value.GetDouble();
        return new TorchRun(threads,
            root.TryGetProperty("torch_version", out var version) ? version.GetString() ?? "" : "",
            figures,
            cpu,
            root.TryGetProperty("sgemm_peak_gflops", out var peak) ? peak.GetDouble() : null,
            sgemm);
    }

    /// <summary>The OpenBLAS kernels the anchor runs, for reports (a 2x difference in GEMM speed on some machines).</summary>
    public static string OpenBlasCore =>
        ChosenCore is { } core ? $"{core} (set by the bench{EnvironmentCore switch { { Length: > 0 } other when other != core => $"; the environment's {other} overridden", _ => "" }})"
        : EnvironmentCore is { Length: > 0 } set ? $"{set} (OPENBLAS_CORETYPE from the environment)" : "OpenBLAS's own choice";

    private static string? EnvironmentCore => Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE");

    // Wherever our engine runs its AVX-512 tile, the anchor gets OpenBLAS's AVX-512 kernels too, even
    // over the environment's setting: a machine-wide OPENBLAS_CORETYPE=Haswell (as on the Zen 5 build
    // machine) would otherwise halve the anchor's GEMM speed and flatter every ratio.
    private static string? ChosenCore => OfflineSafety.Nn.Kernels.Gemm.NativeKernel == GemmKernel.Avx512 ? "SkylakeX" : null;

    private (int Exit, string Output, string Error) Execute(IEnumerable<string> args, TimeSpan limit, CancellationToken ct, int? threads = null)
    {
        var start = new ProcessStartInfo(_python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        if (threads is int t)
        {
            // torch.set_num_threads sizes PyTorch's OpenMP pool; OpenBLAS keeps its own pool, so both
            // are pinned to the same count or a "1 thread" run would still use every core in GEMMs.
            start.Environment["OMP_NUM_THREADS"] = t.ToString(CultureInfo.InvariantCulture);
            start.Environment["OPENBLAS_NUM_THREADS"] = t.ToString(CultureInfo.InvariantCulture);
        }
        // Debian's OpenBLAS 0.3.21 does not know recent cores and falls back to older kernels: on an
        // Intel Xeon (family 6 model 207) its generic "Prescott" ones, torch.mm at 17.8 GFLOP/s on one
        // thread against 79.6 with SkylakeX kernels (2026-12-06); on AMD Zen 5 (family 1Ah) its AVX2
        // "Haswell" ones, about 100 against 182-192 GFLOP/s (2026-12-07; OPENBLAS_VERBOSE=2 prints the core).
        if (ChosenCore is { } core) start.Environment["OPENBLAS_CORETYPE"] = core;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {_python}");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        try
        {
            process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{_python} {string.Join(' ', args)} ran longer than {limit}");
        }
        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string FirstLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "no message" : lines[^1];
    }
}
