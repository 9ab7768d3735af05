using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OfflineSafety.Bench.Meta;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench mesa`: time per MESA meta-iteration in the paper's configuration (issue 18 deliverable 3).</summary>
public static class MesaBenchCommand
{
    public static Command Create()
    {
        var env = new Option<string>("--env") { Description = "Environment whose suite and risk settings to use.", DefaultValueFactory = _ => "navigation1" };
        var iterations = new Option<int>("--iterations") { Description = "Meta-iterations per timed round.", DefaultValueFactory = _ => 300 };
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds, each training from scratch.", DefaultValueFactory = _ => 3 };
        var rows = new Option<int>("--rows") { Description = "Transitions per training variant (20 variants).", DefaultValueFactory = _ => 2000 };
        var threads = new Option<int>("--threads") { Description = "Threads MESA may use (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var kernel = new Option<GemmKernel>("--kernel") { Description = "GEMM micro-kernel (default: the widest the CPU runs).", DefaultValueFactory = _ => GemmKernel.Auto };
        var command = new Command("mesa", "Time per MESA meta-iteration (K = 5, second order, batch 256), wall and CPU.");
        foreach (var option in new Option[] { env, iterations, rounds, rows, threads, kernel }) command.Options.Add(option);
        BenchAction.Set(command, (parseResult, ct) =>
        {
            int n = parseResult.GetValue(iterations) is var i and > 0 ? i : throw new ArgumentException($"--iterations must be positive, got {parseResult.GetValue(iterations)}");
            int r = parseResult.GetValue(rounds) is var k and > 0 ? k : throw new ArgumentException($"--rounds must be positive, got {parseResult.GetValue(rounds)}");
            int perVariant = parseResult.GetValue(rows) is var m and > 0 ? m : throw new ArgumentException($"--rows must be positive, got {parseResult.GetValue(rows)}");
            int t = parseResult.GetValue(threads) is var c and > 0 ? c : throw new ArgumentException($"--threads must be positive, got {parseResult.GetValue(threads)}");
            var result = BenchCommands.WithProgress("bench mesa", progress => MesaIterationBench.Run(parseResult.GetValue(env)!, n, r, perVariant, new ComputeOptions { Threads = t, Kernel = parseResult.GetValue(kernel) }, progress, ct));
            string checksum = result.ParameterChecksum.ToString("x16", CultureInfo.InvariantCulture);
            if (parseResult.GetValue(BenchCommands.Json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["env"] = result.Environment, ["iterations"] = result.Iterations, ["rounds"] = result.Rounds, ["threads"] = t,
                    ["wall_ms_per_iteration"] = result.WallMs.ToJson(), ["cpu_ms_per_iteration"] = result.CpuMs.ToJson(),
                    ["ten_thousand_s"] = Math.Round(result.TenThousandSeconds, 2), ["final_loss"] = result.FinalLoss,
                    ["parameter_checksum"] = checksum, ["load_average"] = LoadAverage(),
                }.ToJsonString());
                return 0;
            }
            Console.WriteLine($"MESA {result.Environment}: {result.Iterations} meta-iterations x {result.Rounds} rounds, {t} thread(s), GEMM kernel {parseResult.GetValue(kernel)}");
            Console.WriteLine($"  wall ms/iteration, min / median / max (spread): {result.WallMs.Format()}");
            Console.WriteLine($"  CPU ms/iteration (all threads), min / median / max (spread): {result.CpuMs.Format()}");
            Console.WriteLine($"  10,000 meta-iterations at the median: {result.TenThousandSeconds:F1} s (at the fastest round: {result.WallMs.Min * 10:F1} s)");
            Console.WriteLine($"  final loss {result.FinalLoss:R}, parameter checksum {checksum}; load average {LoadAverage()}");
            return 0;
        });
        return command;
    }

    // The load average is printed beside the figures because the build machine is shared.
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
