using System.CommandLine;
using OfflineSafety.Envs;
using OfflineSafety.Pipeline.Experiments;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe demo`: the README's first command. On a fresh machine and the local store it runs the
/// whole pipeline on a small Navigation 1 suite (see <see cref="DemoPipeline"/>) and prints how
/// Recovery RL with the MESA-adapted critic compares with Unconstrained SAC.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A seconds-long smoke run of every phase (for tests)." };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("demo", "End to end: generate and ingest a Navigation suite, meta-train (MESA), adapt, run Recovery RL vs Unconstrained SAC.")
        {
            quick, seed,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var environment = EnvironmentRegistry.Default.Get("navigation1");
            var budget = p.GetValue(quick) ? ExperimentBudget.Smoke(environment) : Demo(environment);
            var objects = OpenStore(p);
            var pipeline = new DemoPipeline(objects, environment, budget, p.GetValue(seed));
            var result = await WithPhasesAsync("demo", progress => pipeline.RunAsync(progress, ct));
            string report = await ExperimentReport.WriteAsync(objects, "demo", "offsafe demo: Recovery RL (MESA-adapted critic) vs Unconstrained SAC, navigation1 held-out variant",
                $"offsafe demo{(p.GetValue(quick) ? " --quick" : "")}", budget, result.Runs,
                $"Offline suite {result.Dataset}; critic {result.BaseModel} adapted as {result.AdaptedModel}; online experience recorded as {result.OnlineDataset}.", ct);
            return Emit(p, new
            {
                results = result.Runs.Select(ResultJson),
                report,
                dataset = result.Dataset,
                model = result.AdaptedModel,
                onlineDataset = result.OnlineDataset,
            }, console =>
            {
                console.WriteLine($"suite: {result.Dataset}   critic: {result.BaseModel} -> {result.AdaptedModel}   online data: {result.OnlineDataset}");
                console.Write(SummaryTable(ExperimentReport.Summarize(result.Runs)));
                console.WriteLine($"report: {report}");
            });
        });
        return cmd;
    }

    // Sized to finish in a few minutes on 2 cores; every phase runs for real.
    private static ExperimentBudget Demo(EnvironmentDefinition environment) => ExperimentBudget.Quick(environment) with
    {
        Name = "demo",
        Episodes = 80,
        TrainingVariants = 6,
        TransitionsPerVariant = 2000,
        MetaIterations = 200,
        CriticArchitecture = Meta.Critics.CriticArchitecture.ThreeBy100,
    };

    private static Task<T> WithPhasesAsync<T>(string title, Func<Action<ExperimentProgress>, Task<T>> work) => PhaseDisplay.RunAsync(title, work);

}
