using System.CommandLine;
using System.Text.Json;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;
using Spectre.Console;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe ingest FILES... --dataset NAME`: validates transition logs (CSV, JSONL, Parquet) and
/// commits all of them as one new dataset version (docs/ingest.md).
/// </summary>
public static class IngestCommand
{
    /// <summary>Inputs smaller than this finish before a progress bar would be readable.</summary>
    private const long ProgressThresholdBytes = 8L << 20;

    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Log files (CSV, JSONL or Parquet); all land in one version.", Arity = ArgumentArity.OneOrMore };
        var dataset = new Option<string>("--dataset") { Description = "Dataset to append to.", Required = true };
        var create = new Option<bool>("--create") { Description = "Create the dataset if it does not exist (needs --env)." };
        var env = new Option<string?>("--env") { Description = "Environment id recorded when creating the dataset (a built-in one; see --allow-unknown-env)." };
        var allowUnknownEnv = new Option<bool>("--allow-unknown-env") { Description = "With --create: accept an --env id that is not built in (logs of your own robot)." };
        var variant = new Option<string?>("--variant") { Description = "Variant for rows without a variant column (default 'default')." };
        var source = new Option<string?>("--source") { Description = "Source for rows without a source column (default: the file name)." };
        var format = new Option<string>("--format") { Description = "auto, csv, jsonl, parquet or hdf5.", DefaultValueFactory = _ => "auto" };
        var map = new Option<string?>("--map") { Description = "Column names: presets (d4rl, dsrl, minari) and field=column pairs, comma-separated." };
        var quarantine = new Option<bool>("--quarantine") { Description = "Commit the valid rows and set rejected rows aside in the dataset's _rejects/ folder." };
        var allowDuplicate = new Option<bool>("--allow-duplicate") { Description = "Ingest files whose content (SHA-256) the dataset already holds instead of skipping them." };

        var cmd = new Command("ingest", "Validate transition logs and commit them as one new dataset version.");
        cmd.Arguments.Add(files);
        foreach (var o in new Option[] { dataset, create, env, allowUnknownEnv, variant, source, format, map, quarantine, allowDuplicate }) cmd.Options.Add(o);

        CommandAction.Set(cmd, async (p, ct) =>
        {
            bool creating = p.GetValue(create);
            string? envId = p.GetValue(env);
            if (creating && string.IsNullOrWhiteSpace(envId)) throw new BadInputException("--create needs --env ENV_ID");
            if (creating && !p.GetValue(allowUnknownEnv)) CheckKnownEnv(envId!);
            var paths = p.GetValue(files)!;
            foreach (var path in paths)
                if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file");

            var request = new IngestRequest(paths, p.GetValue(dataset)!, FieldMap.Parse(p.GetValue(map)), LogFormats.Parse(p.GetValue(format)!),
                p.GetValue(variant), p.GetValue(source), p.GetValue(quarantine), creating ? envId : null, p.GetValue(allowDuplicate));
            var ingest = new DatasetIngest(new DatasetStore(StoreLocation.Open(p.GetValue(CommonOptions.Store)!)));
            bool json = p.GetValue(CommonOptions.Json);

            IngestOutcome outcome;
            try
            {
                outcome = await WithProgressAsync(LogIngest.TotalBytes(paths), progress => ingest.RunAsync(request, progress, ct)).ConfigureAwait(false);
            }
            catch (LogRejectedException rejected)
            {
                // Several errors are worth a line each; the last line is the one-line verdict.
                foreach (var e in rejected.Errors) Console.Error.WriteLine(e);
                Console.Error.WriteLine($"offsafe: ingest rejected: {rejected.ErrorCount} error{(rejected.ErrorCount == 1 ? "" : "s")}"
                    + $"{(rejected.ErrorCount > rejected.Errors.Count ? $" ({rejected.Errors.Count} shown)" : "")}; no version created (--quarantine keeps the valid rows)");
                return CommandAction.Failure;
            }
            Print(outcome, json);
            return 0;
        });
        return cmd;
    }

    /// <summary>A typo in --env would be recorded for good; ids that are not built in need --allow-unknown-env.</summary>
    private static void CheckKnownEnv(string envId)
    {
        var known = EnvironmentRegistry.Default.All.Select(d => d.Id).ToList();
        if (!known.Contains(envId, StringComparer.Ordinal))
            throw new BadInputException($"unknown environment {Excerpts.Of(envId)} (known: {string.Join(", ", known)}); "
                + "for logs of another environment add --allow-unknown-env");
    }

    private static async Task<IngestOutcome> WithProgressAsync(long totalBytes, Func<IProgress<long>?, Task<IngestOutcome>> run)
    {
        if (totalBytes < ProgressThresholdBytes || Console.IsErrorRedirected) return await run(null).ConfigureAwait(false);
        return await CliProgress.OnStderr(autoClear: true,
                [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn()])
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("reading logs", maxValue: totalBytes);
                var outcome = await run(new BytesProgress(task)).ConfigureAwait(false);
                task.Value = totalBytes;
                return outcome;
            }).ConfigureAwait(false);
    }

    private static void Print(IngestOutcome o, bool json)
    {
        if (json)
        {
            var w = new Dictionary<string, object?>
            {
                ["dataset"] = o.Version.Name,
                ["version"] = o.Version.Version,
                ["rows"] = o.Rows,
                ["episodes"] = o.Episodes,
                ["unsafe"] = o.Unsafe,
                ["rejected"] = o.Rejected,
                ["rejects"] = o.RejectsKey,
                ["notes"] = o.Notes,
                ["skipped"] = o.Skipped,
                ["committed"] = o.Committed,
            };
            CliOutput.WriteJson(w);
            return;
        }
        var table = new Table().AddColumn("dataset").AddColumn("version").AddColumn("rows").AddColumn("episodes").AddColumn("unsafe").AddColumn("rejected");
        table.AddRow(Markup.Escape(o.Version.Name), $"{o.Version.Version}", $"{o.Rows}", $"{o.Episodes}", $"{o.Unsafe}", $"{o.Rejected}");
        var stdout = CliOutput.Stdout();
        stdout.Write(table);
        if (o.RejectsKey is not null) stdout.WriteLine($"rejected rows: {o.RejectsKey}");
        foreach (var note in o.Notes) stdout.WriteLine($"note: {note}");
    }

    private sealed class BytesProgress(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = value;
    }
}
