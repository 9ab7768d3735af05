using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Bench.Envs;
using OfflineSafety.Envs;
using Spectre.Console;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench envs`: single-thread environment step throughput.</summary>
public static class EnvsBenchCommand
{
    // As `offsafe envs --json` prints: snake_case, infinities as "Infinity", variant text unescaped.
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var steps = new Option<long>("--steps") { Description = "Timed steps per environment.", DefaultValueFactory = _ => 2_000_000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for variants, noise and actions.", DefaultValueFactory = _ => 1 };
        var envs = new Option<string[]>("--env") { Description = "Only these environment ids (default: every built-in one).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("envs", "Steps per second of each built-in environment on one thread.");
        command.Options.Add(steps);
        command.Options.Add(seed);
        command.Options.Add(envs);
        BenchAction.Set(command, (parseResult, ct) =>
        {
            long n = parseResult.GetValue(steps);
            if (n <= 0) throw new ArgumentException($"--steps must be positive, got {n}");
            var registry = parseResult.GetValue(envs) is { Length: > 0 } chosen
                ? new EnvironmentRegistry(chosen.Select(EnvironmentRegistry.Default.Get))
                : EnvironmentRegistry.Default;
            var results = EnvStepBenchmark.Run(registry, n, parseResult.GetValue(seed), ct);
            if (parseResult.GetValue(BenchCommands.Json))
            {
                var rows = results.Select(r => new
                {
                    env = r.EnvironmentId, variant = r.Variant, steps = r.Steps, episodes = r.Episodes,
                    seconds = r.Seconds, steps_per_second = r.StepsPerSecond, allocated_bytes = r.AllocatedBytes,
                });
                Console.WriteLine(JsonSerializer.Serialize(new { bench = "envs", threads = 1, results = rows }, JsonOptions));
                return 0;
            }
            var table = new Table().Title("environment step throughput (1 thread)")
                .AddColumn(new TableColumn("env").NoWrap()).AddColumn(new TableColumn("variant").NoWrap()).AddColumn(new TableColumn("steps").RightAligned())
                .AddColumn(new TableColumn("steps/s").RightAligned().NoWrap()).AddColumn(new TableColumn("ns/step").RightAligned().NoWrap())
                .AddColumn(new TableColumn("alloc B").RightAligned());
            foreach (var r in results)
                table.AddRow(r.EnvironmentId, Markup.Escape(r.Variant), r.Steps.ToString("N0", CultureInfo.InvariantCulture),
                    r.StepsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                    (1e9 / r.StepsPerSecond).ToString("F1", CultureInfo.InvariantCulture),
                    r.AllocatedBytes.ToString(CultureInfo.InvariantCulture));
            BenchConsoles.Over(Console.Out, Console.IsOutputRedirected).Write(table);
            return 0;
        });
        return command;
    }
}
