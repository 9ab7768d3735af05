using System.CommandLine;
using System.Globalization;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Storage;
using Spectre.Console;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe generate`: simulate a MESA dataset suite (training variants + held-out test variant)
/// with the environment's offline collection policy.
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var env = new Option<string>("--env") { Description = "Environment id (see `offsafe envs list`).", Required = true };
        var variants = new Option<int?>("--variants") { Description = "Training variants N (default: the paper's suite size)." };
        var transitions = new Option<int?>("--transitions") { Description = "Transitions per training variant T (default: the paper's)." };
        var testVariant = new Option<string>("--test-variant")
        {
            Description = "Held-out variant: 'auto' (Cart-pole L=1.000, navigation b1=2.000,b2=2.000; see envs list) or an id such as b1=0.9,b2=1.2.",
            DefaultValueFactory = _ => "auto",
        };
        var testTransitions = new Option<int?>("--test-transitions") { Description = "Transitions in the test variant T2 (default: the paper's)." };
        var seed = new Option<ulong>("--seed") { Description = "Suite seed: variants and data are a pure function of it.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset name to write the suite to.", Required = true };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Replace the dataset's rows with this suite in one new version (earlier versions keep theirs); default: add to them.",
        };

        var command = new Command("generate", "Generate an offline dataset suite from a built-in simulator.");
        foreach (var option in new Option[] { env, variants, transitions, testVariant, testTransitions, seed, dataset, overwrite })
            command.Options.Add(option);

        CommandAction.Set(command, async (parseResult, ct) =>
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
            // Resolving the plan and the store first turns a bad --test-variant or --store into an error
            // before any simulation runs.
            new SuiteGenerator().Plan(request);
            var store = new DatasetStore(StoreLocation.Open(parseResult.GetValue(CommonOptions.Store)!));

            var suite = Run(request, ct);
            var commit = await SuiteDataset.WriteAsync(store, datasetName, suite,
                parseResult.GetValue(overwrite) ? WriteMode.Overwrite : WriteMode.Append, ct);
            var summaries = suite.All.Select(v => (v.Variant, v.Summary)).ToList();
            if (json) PrintJson(request, definition, datasetName, commit.Version.Version, summaries);
            else
            {
                PrintTable(definition, summaries);
                Console.WriteLine($"wrote {datasetName}@{commit.Version.Version} ({commit.RowsAdded} rows, {commit.FilesAdded} files"
                    + (commit.FilesRemoved > 0 ? $"; replaced {commit.RowsRemoved} rows in {commit.FilesRemoved} files)" : ")"));
            }
            return 0;
        });
        return command;
    }

    private static GeneratedSuite Run(SuiteRequest request, CancellationToken ct)
    {
        var generator = new SuiteGenerator();
        GeneratedSuite? suite = null;
        CliProgress.OnStderr(autoClear: true).Start(context =>
        {
            var task = context.AddTask($"{request.EnvironmentId}: generating", maxValue: 1);
            suite = generator.Generate(request, p =>
            {
                task.MaxValue = p.RowsTotal;
                task.Value = p.RowsDone;
                task.Description = $"{request.EnvironmentId}: variant {Math.Min(p.VariantsDone + 1, p.VariantsTotal)}/{p.VariantsTotal} {Markup.Escape(p.CurrentVariant)}";
            }, ct);
            task.Description = $"{request.EnvironmentId}: generated";
            task.StopTask();
            context.Refresh();
        });
        return suite!;
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
        CliOutput.Stdout().Write(table);
    }

    private static void PrintJson(SuiteRequest request, EnvironmentDefinition definition, string datasetName, long version,
        IReadOnlyList<(SuiteVariant Variant, RecordingSummary Summary)> summaries)
    {
        var report = new
        {
            env = definition.Id,
            dataset = datasetName,
            version,
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
        CliOutput.WriteJson(report, CliOutput.SnakeCaseJson);
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string PerThousand(int count, int rows) =>
        rows == 0 ? "-" : (1000.0 * count / rows).ToString("F1", CultureInfo.InvariantCulture);
}
