using System.CommandLine;
using System.Globalization;
using OfflineSafety.Meta.Safer;
using OfflineSafety.Pipeline.Cli.Output;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe fit-prior --dataset NAME[@REF] --model NAME`: fit a SAFER skill prior (or a PARROT /
/// Context-PARROT baseline) on a stored dataset and publish it to the model registry. Every
/// setting defaults to <see cref="SaferPriorSettings"/>; options override one at a time.
/// </summary>
public static class FitPriorCommand
{
    public static readonly string[] Algorithms = ["safer", "parrot", "context-parrot"];

    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "NAME[@REF]: the dataset, with safe (successful, violation-free) episodes and unsafe rows.", Required = true };
        var model = new Option<string>("--model") { Description = "Model name to publish as (next version).", Required = true };
        var algorithm = new Option<string>("--algorithm", "--variant-of") { Description = "safer | parrot | context-parrot.", DefaultValueFactory = _ => "safer" };
        algorithm.AcceptOnlyFromAmong(Algorithms);
        var contextSize = new Option<int?>("--context-size") { Description = "Dimensions of the safety context c (default 8; parrot has none)." };
        var window = new Option<int?>("--window") { Description = "States in the posterior's window (default 16)." };
        var lambda = new Option<float?>("--lambda") { Description = "Weight of the unsafe (contrastive) term (safer only)." };
        var steps = new Option<int?>("--steps") { Description = "Training steps." };
        var batch = new Option<int?>("--batch-size") { Description = "Examples per safe and per unsafe batch." };
        var lr = new Option<float?>("--lr") { Description = "Learning rate." };
        var optimizer = new Option<string?>("--optimizer") { Description = "sgd (SGD + momentum, the paper's) | adam." };
        optimizer.AcceptOnlyFromAmong("sgd", "adam");
        var encoder = new Option<string?>("--encoder") { Description = "attention | flatten: how the posterior reads the window." };
        encoder.AcceptOnlyFromAmong("attention", "flatten");
        var bound = new Option<float?>("--unsafe-bound") { Description = "Unsafe fraction eta is calibrated for (default 0.15)." };
        var allEpisodes = new Option<bool>("--all-episodes") { Description = "Count every violation-free episode as safe data, not only successful ones." };
        var seed = new Option<int?>("--seed") { Description = "Random seed." };
        var threads = new Option<int?>("--threads") { Description = "Threads for the matrix products (results do not depend on it)." };
        var cmd = new Command("fit-prior", "Fit a SAFER skill prior (or a PARROT baseline) on a dataset and publish it to the model registry.")
        {
            dataset, model, algorithm, contextSize, window, lambda, steps, batch, lr, optimizer, encoder, bound, allEpisodes, seed, threads,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var variant = p.GetValue(algorithm) switch { "parrot" => PriorVariant.Parrot, "context-parrot" => PriorVariant.ContextParrot, _ => PriorVariant.Safer };
            var d = SaferPriorSettings.For(variant);
            var settings = d with
            {
                ContextSize = p.GetValue(contextSize) ?? d.ContextSize,
                WindowLength = p.GetValue(window) ?? d.WindowLength,
                Lambda = p.GetValue(lambda) ?? d.Lambda,
                Steps = p.GetValue(steps) ?? d.Steps,
                BatchSize = p.GetValue(batch) ?? d.BatchSize,
                LearningRate = p.GetValue(lr) ?? d.LearningRate,
                Optimizer = p.GetValue(optimizer) switch { "adam" => PriorOptimizer.Adam, "sgd" => PriorOptimizer.SgdMomentum, _ => d.Optimizer },
                Encoder = p.GetValue(encoder) switch { "flatten" => ContextEncoderKind.Flatten, "attention" => ContextEncoderKind.Attention, _ => d.Encoder },
                UnsafeBound = p.GetValue(bound) ?? d.UnsafeBound,
                SuccessfulEpisodesOnly = !p.GetValue(allEpisodes),
                Seed = p.GetValue(seed) ?? d.Seed,
                Threads = p.GetValue(threads) ?? d.Threads,
            };
            settings.Validate();
            string title = $"{p.GetValue(algorithm)} {p.GetValue(model)}";
            var job = new PriorFitJob(OpenStore(p));
            var (loaded, data) = await job.PrepareAsync(p.GetValue(dataset)!, p.GetValue(model)!, settings, ct);
            PriorFitResult? result = null;
            await CliProgress.OnStderr(autoClear: false, CliProgress.ElapsedAndRemaining()).StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(1, settings.Steps));
                result = await job.FitAsync(loaded, data, p.GetValue(model)!, settings, progress =>
                {
                    task.Value = progress.Step;
                    string unsafeText = float.IsNaN(progress.UnsafeLogDensity) ? "" : $"  log p unsafe {F(progress.UnsafeLogDensity, "0.00")}";
                    task.Description = Markup.Escape($"{title}  loss {F(progress.Loss, "0.000")}  log p safe {F(progress.SafeLogDensity, "0.00")}{unsafeText}{(progress.UnsafeFrozen ? "  (unsafe term frozen)" : "")}");
                }, ct);
                task.Value = task.MaxValue;
            });
            var r = result!;
            var m = r.Card.Metrics;
            double Metric(string k) => m.TryGetValue(k, out var v) ? v : double.NaN;
            return Emit(p, new
            {
                model = r.Card.Reference, algorithm = r.Card.Algorithm, dataset = r.Card.Lineage.Dataset.ToString(),
                safeExamples = r.Data.Safe.Count, unsafeExamples = r.Data.Unsafe.Count, episodes = r.Data.Episodes,
                eta = r.Card.Prior!.SafetyBound, unsafeBound = r.Card.Prior.UnsafeBound,
                safeLogDensity = Metric("safe_log_density"), unsafeLogDensity = Metric("unsafe_log_density"), seconds = r.Seconds,
            }, console => console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Card.Reference}: {r.Card.Algorithm} on {r.Card.Lineage.Dataset} ({r.Data.Safe.Count} safe, {r.Data.Unsafe.Count} unsafe examples), " +
                $"eta {F(r.Card.Prior!.SafetyBound, "0.000")} for {F(r.Card.Prior.UnsafeBound * 100, "0")}% unsafe, " +
                $"mean log p safe {F(Metric("safe_log_density"), "0.00")} / unsafe {F(Metric("unsafe_log_density"), "0.00")}, {F(r.Seconds, "0.0")} s")));
        });
        return cmd;
    }
}
