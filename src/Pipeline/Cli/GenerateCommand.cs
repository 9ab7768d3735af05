using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest.Transitions;
using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe generate`: simulate a MESA dataset suite (training variants + held-out test variant)
/// with the environment's offline collection policy.
/// </summary>
public static class GenerateCommand
{
    /// <summary>
    /// Builds the command. <paramref name="openDataset"/> is the seam to the dataset store: given
    /// (store root, dataset name) it returns the sink that writes the suite as one dataset version.
    /// Until the store is connected it is null, and the command generates, reports, and says on
    /// stderr that nothing was written.
    /// </summary>
    public static Command Create(Func<string, string, ISuiteSink>? openDataset = null)
    {
        var env = new Option<string>("--env") { Description = "Environment id (see `offsafe envs list`).", Required = true };
        var variants = new Option<int?>("--variants") { Description = "Training variants N (default: the paper's suite size)." };
        var transitions = new Option<int?>("--transitions") { Description = "Transitions per training variant T (default: the paper's)." };
        var testVariant = new Option<string>("--test-variant")
        {
            Description = "Held-out variant: 'auto' (the paper's choice) or an id such as L=1.000 or b1=0.9,b2=1.2.",
            DefaultValueFactory = _ => "auto",
        };
        var testTransitions = new Option<int?>("--test-transitions") { Description = "Transitions in the test variant T2 (default: the paper's)." };
        var seed = new Option<ulong>("--seed") { Description = "Suite seed: variants and data are a pure function of it.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset name to write the suite to.", Required = true };

        var command = new Command("generate", "Generate an offline dataset suite from a built-in simulator.");
        foreach (var option in new Option[] { env, variants, transitions, testVariant, testTransitions, seed, dataset })
            command.Options.Add(option);

        CommandAction.Set(command, (parseResult, ct) =>
        {
            var definition = EnvironmentRegistry.Default.Get(parseResult.GetValue(env)!);
            var request = new SuiteRequest(definition.Id,
                parseResult.GetValue(variants) ?? definition.Defaults.TrainingVariants,
                parseResult.GetValue(transitions) ?? definition.Defaults.TransitionsPerVariant,
                parseResult.GetValue(testVariant)!,
                parseResult.GetValue(testTransitions) ?? definition.Defaults.TestTransitions,
                parseResult.GetValue(seed));
            string datasetName = parseResult.GetValue(dataset)!;
            bool json = parseResult.GetValue(CommonOptions.Json);
            // Resolving the plan first turns a bad --test-variant into an error before any progress is drawn.
            new SuiteGenerator().Plan(request);
            ISuiteSink sink = openDataset?.Invoke(parseResult.GetValue(CommonOptions.Store)!, datasetName) ?? new CountingSuiteSink();
            bool persisted = openDataset is not null;

            var summaries = Run(request, sink, ct);
            if (!persisted)
                Console.Error.WriteLine($"offsafe: dataset '{datasetName}' was NOT written: the dataset store is not connected to `generate` yet");
            if (json) PrintJson(request, definition, datasetName, persisted, summaries);
            else PrintTable(definition, summaries);
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<(SuiteVariant Variant, RecordingSummary Summary)> Run(SuiteRequest request, ISuiteSink sink, CancellationToken ct)
    {
        var generator = new SuiteGenerator();
        var stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        IReadOnlyList<(SuiteVariant, RecordingSummary)> summaries = [];
        stderr.Progress().AutoClear(true).Start(context =>
        {
            var task = context.AddTask($"{request.EnvironmentId}: generating", maxValue: 1);
            summaries = generator.Generate(request, sink, p =>
            {
                task.MaxValue = p.RowsTotal;
                task.Value = p.RowsDone;
                task.Description = $"{request.EnvironmentId}: variant {Math.Min(p.VariantsDone + 1, p.VariantsTotal)}/{p.VariantsTotal} {Markup.Escape(p.CurrentVariant)}";
            }, ct);
            task.Description = $"{request.EnvironmentId}: generated";
            task.StopTask();
            context.Refresh();
        });
        return summaries;
    }

    private static void PrintTable(EnvironmentDefinition definition, IReadOnlyList<(SuiteVariant Variant, RecordingSummary Summary)> summaries)
    {
        var table = new Table().Title($"{Markup.Escape(definition.Id)} suite")
            .AddColumn("#").AddColumn("role").AddColumn(new TableColumn("variant").NoWrap())
            .AddColumn(new TableColumn("rows").RightAligned()).AddColumn(new TableColumn("episodes").RightAligned())
            .AddColumn(new TableColumn("violations").RightAligned()).AddColumn(new TableColumn("per 1K").RightAligned());
        foreach (var (variant, s) in summaries)
            table.AddRow(I(variant.Ordinal), variant.Role.ToString().ToLowerInvariant(), Markup.Escape(variant.Variant.Id),
                I(s.Rows), I(s.Episodes), I(s.Violations), PerThousand(s.Violations, s.Rows));
        var training = summaries.Where(v => v.Variant.Role == SuiteRole.Training).Select(v => v.Summary).ToList();
        if (training.Count > 0)
        {
            double meanViolations = training.Average(s => s.Violations);
            table.AddRow("", "[bold]mean[/]", "", I((int)Math.Round(training.Average(s => s.Rows))),
                I((int)Math.Round(training.Average(s => s.Episodes))), meanViolations.ToString("F0", CultureInfo.InvariantCulture),
                PerThousand(training.Sum(s => s.Violations), training.Sum(s => s.Rows)));
        }
        AnsiConsole.Write(table);
    }

    private static void PrintJson(SuiteRequest request, EnvironmentDefinition definition, string datasetName, bool persisted,
        IReadOnlyList<(SuiteVariant Variant, RecordingSummary Summary)> summaries)
    {
        var report = new
        {
            env = definition.Id,
            dataset = datasetName,
            persisted,
            seed = request.Seed,
            obs_dim = definition.ObservationSpace.Dim,
            act_dim = definition.ActionSpace.Dim,
            source = definition.Collection.CreatePolicy(0).Name,
            variants = summaries.Select(v => new
            {
                ordinal = v.Variant.Ordinal,
                role = v.Variant.Role.ToString().ToLowerInvariant(),
                variant = v.Variant.Variant.Id,
                rows = v.Summary.Rows,
                episodes = v.Summary.Episodes,
                violations = v.Summary.Violations,
                violating_episodes = v.Summary.ViolatingEpisodes,
                successes = v.Summary.Successes,
            }),
        };
        Console.WriteLine(JsonSerializer.Serialize(report, EnvsCommands.JsonOptions));
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string PerThousand(int count, int rows) =>
        rows == 0 ? "-" : (1000.0 * count / rows).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>Stands in for the dataset store until it is connected: rows are counted by the recorder and dropped here.</summary>
    private sealed class CountingSuiteSink : ISuiteSink, ITransitionSink
    {
        public ITransitionSink OpenVariant(EnvironmentDefinition environment, SuiteVariant variant) => this;
        public void Write(TransitionBatch batch) { }
        public void Complete() { }
    }
}
