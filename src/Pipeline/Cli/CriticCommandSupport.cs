using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;
using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// What the critic commands (meta-train, adapt, eval-critic, models, experiment) share: opening the
/// store, reading one snapshot of a dataset, progress bars with the live loss on stderr, and the
/// --json / table output contract.
/// </summary>
internal static class CriticCommandSupport
{
    public static readonly JsonSerializerOptions JsonOut = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IObjectStore OpenStore(ParseResult p) => StoreLocation.Open(p.GetValue(CommonOptions.Store)!);

    /// <summary>Reads one snapshot (so the rows and the recorded version agree), optionally one variant.</summary>
    public static Task<LoadedDataset> LoadAsync(IObjectStore objects, string reference, string? variant, CancellationToken ct) =>
        DatasetLoading.LoadAsync(objects, reference, variant, ct);

    /// <summary>Runs <paramref name="work"/> under a stderr progress bar that shows the running loss.</summary>
    public static T WithProgress<T>(string title, Func<Action<TrainingProgress>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title));
                result = work(progress =>
                {
                    // Redrawing on every step would cost more than a small training step.
                    if (progress.Step % 25 != 0 && progress.Step != progress.TotalSteps) return;
                    task.MaxValue = progress.TotalSteps;
                    task.Value = progress.Step;
                    task.Description = Markup.Escape($"{title}  loss {progress.Loss.ToString("0.00000", CultureInfo.InvariantCulture)}");
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    public static IAnsiConsole Stdout()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        // Redirected output has no terminal width; Spectre would assume 80 columns and wrap table cells.
        if (Console.IsOutputRedirected) console.Profile.Width = 240;
        return console;
    }

    /// <summary>One JSON object with --json, else the human rendering.</summary>
    public static int Emit(ParseResult p, object json, Action<IAnsiConsole> human)
    {
        if (p.GetValue(CommonOptions.Json)) Console.Out.WriteLine(JsonSerializer.Serialize(json, JsonOut));
        else human(Stdout());
        return 0;
    }

    public static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var c in columns) table.AddColumn(c);
        return table;
    }

    public static string F(double value, string format = "0.0000") =>
        double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    public static object CardJson(ModelCard card) => new
    {
        model = card.Reference,
        name = card.Name,
        version = card.Version,
        kind = card.Kind,
        algorithm = card.Algorithm,
        created = card.CreatedUtc,
        obsDim = card.ObsDim,
        actDim = card.ActDim,
        hidden = card.Architecture.Hidden,
        heads = card.Architecture.Heads,
        gammaRisk = card.GammaRisk,
        epsRisk = card.EpsRisk,
        seed = card.Seed,
        dataset = card.Lineage.Dataset.ToString(),
        tableId = card.Lineage.Dataset.TableId,
        variants = card.Lineage.Dataset.Variants,
        baseModel = card.Lineage.BaseModel,
        codeVersion = card.Lineage.CodeVersion,
        metrics = card.Metrics,
        trainingConfig = card.TrainingConfig,
        normalization = card.Normalization,
        recoveryHidden = card.RecoveryHidden,
    };
}
