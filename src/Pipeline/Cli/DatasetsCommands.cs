using System.CommandLine;
using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Storage;
using Spectre.Console;
using OfflineSafety.Pipeline.Cli.Output;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe datasets ...`: inspect and maintain versioned transition datasets.</summary>
public static class DatasetsCommands
{
    public static Command Create()
    {
        var datasets = new Command("datasets", "List, inspect, time-travel, tag, export, delete from and vacuum transition datasets.");
        datasets.Subcommands.Add(List());
        datasets.Subcommands.Add(Show());
        datasets.Subcommands.Add(History());
        datasets.Subcommands.Add(Diff());
        datasets.Subcommands.Add(Tag());
        datasets.Subcommands.Add(Export());
        datasets.Subcommands.Add(Delete());
        datasets.Subcommands.Add(Vacuum());
        datasets.Subcommands.Add(DatasetsCheckCommand.Create());
        return datasets;
    }

    private static Command List()
    {
        var cmd = new Command("list", "Datasets in the store with their latest version.");
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var store = Open(p);
            var rows = new List<object>();
            var table = NewTable("name", "version");
            foreach (var name in await store.ListAsync(ct))
            {
                long version = await store.Log(name).LatestVersionAsync(ct);
                rows.Add(new { name, version });
                table.AddRow(Markup.Escape(name), Invariant(version));
            }
            return Emit(p, new { store = store.Objects.Location, datasets = rows }, console => console.Write(table));
        });
        return cmd;
    }

    private static Command Show()
    {
        var reference = ReferenceArgument("NAME[@REF]: a dataset, optionally at a version, tag or ISO timestamp.");
        var cmd = new Command("show", "Rows, episodes and unsafe counts per variant and per source.") { reference };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var s = await new DatasetInspection(Open(p)).ShowAsync(DatasetReference.Parse(p.GetValue(reference)!), ct);
            var m = s.Metadata;
            var table = NewTable("group", "key", "rows", "episodes", "unsafe", "unsafe fraction");
            void Add(string group, GroupSummary g) => table.AddRow(group, Markup.Escape(g.Key), Invariant(g.Rows), Invariant(g.Episodes),
                Invariant(g.Unsafe), g.UnsafeFraction.ToString("0.0000", CultureInfo.InvariantCulture));
            Add("total", s.Total);
            foreach (var g in s.ByVariant) Add("variant", g);
            foreach (var g in s.BySource) Add("source", g);
            table.Caption($"{Markup.Escape(s.Version.ToString())} ({s.Version.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z) env {Markup.Escape(m.EnvId)}, obs {m.ObsDim}, action {m.ActionDim}, {s.Files} files, {s.SizeBytes} bytes");
            var json = new
            {
                name = s.Version.Name,
                version = s.Version.Version,
                timestamp = s.Version.Timestamp,
                tableId = s.Version.TableId,
                envId = m.EnvId,
                obsDim = m.ObsDim,
                actionDim = m.ActionDim,
                obsLow = m.ObsLow,
                obsHigh = m.ObsHigh,
                actionLow = m.ActionLow,
                actionHigh = m.ActionHigh,
                labelConventionVersion = m.LabelConventionVersion,
                variantParams = m.VariantParams,
                files = s.Files,
                sizeBytes = s.SizeBytes,
                total = Group(s.Total),
                variants = s.ByVariant.Select(Group),
                sources = s.BySource.Select(Group),
            };
            return Emit(p, json, console => console.Write(table));
        });
        return cmd;
    }

    private static Command History()
    {
        var name = new Argument<string>("NAME") { Description = "Dataset name." };
        var cmd = new Command("history", "Every version with its operation, metrics and tags.") { name };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var entries = await new DatasetInspection(Open(p)).HistoryAsync(DatasetReference.Parse(p.GetValue(name)!).Name, ct);
            var table = NewTable("version", "timestamp", "operation", "+files", "-files", "metrics", "tags");
            foreach (var e in entries)
                table.AddRow(Invariant(e.Version), e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), Markup.Escape(e.Operation), Invariant(e.FilesAdded),
                    Invariant(e.FilesRemoved), Markup.Escape(string.Join(' ', e.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))),
                    Markup.Escape(string.Join(',', e.Tags)));
            var json = new
            {
                name = p.GetValue(name),
                versions = entries.Select(e => new
                {
                    version = e.Version,
                    timestamp = e.Timestamp,
                    operation = e.Operation,
                    parameters = e.Parameters,
                    metrics = e.Metrics,
                    filesAdded = e.FilesAdded,
                    filesRemoved = e.FilesRemoved,
                    tags = e.Tags,
                }),
            };
            return Emit(p, json, console => console.Write(table));
        });
        return cmd;
    }

    private static Command Diff()
    {
        var from = ReferenceArgument("NAME@A: the older version.");
        var to = ReferenceArgument("NAME@B: the newer version.");
        var cmd = new Command("diff", "Files and rows added and removed between two versions, and the change in unsafe rows.") { from, to };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var d = await new DatasetInspection(Open(p)).DiffAsync(DatasetReference.Parse(p.GetValue(from)!), DatasetReference.Parse(p.GetValue(to)!), ct);
            var table = NewTable("", "added", "removed", "net");
            table.AddRow("files", Invariant(d.FilesAdded.Count), Invariant(d.FilesRemoved.Count), Invariant(d.FilesAdded.Count - d.FilesRemoved.Count));
            table.AddRow("rows", Invariant(d.RowsAdded), Invariant(d.RowsRemoved), Invariant(d.RowsAdded - d.RowsRemoved));
            table.AddRow("unsafe rows", Invariant(d.UnsafeAdded), Invariant(d.UnsafeRemoved), Invariant(d.UnsafeChange));
            table.Caption($"{Markup.Escape(d.From.ToString())} -> {Markup.Escape(d.To.ToString())}");
            var json = new
            {
                from = new { name = d.From.Name, version = d.From.Version },
                to = new { name = d.To.Name, version = d.To.Version },
                filesAdded = d.FilesAdded,
                filesRemoved = d.FilesRemoved,
                rowsAdded = d.RowsAdded,
                rowsRemoved = d.RowsRemoved,
                unsafeAdded = d.UnsafeAdded,
                unsafeRemoved = d.UnsafeRemoved,
                unsafeChange = d.UnsafeChange,
            };
            return Emit(p, json, console => console.Write(table));
        });
        return cmd;
    }

    private static Command Tag()
    {
        var reference = ReferenceArgument("NAME@VERSION: the version to tag.");
        var tag = new Argument<string>("TAG") { Description = "Tag name (letters, digits, '.', '_', '-'; not all digits)." };
        var cmd = new Command("tag", "Name a version; tags are immutable and usable as NAME@TAG.") { reference, tag };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var store = Open(p);
            var r = DatasetReference.Parse(p.GetValue(reference)!);
            if (r.Ref is null) throw new BadInputException($"'{r}': name the version to tag as NAME@VERSION");
            var version = await store.ResolveAsync(r, ct);
            var t = await new DatasetTags(store).TagAsync(r.Name, version.Version, p.GetValue(tag)!, ct);
            return EmitLine(p, new { name = r.Name, tag = t.Name, version = t.Version }, $"{r.Name}@{t.Name} -> version {t.Version}");
        });
        return cmd;
    }

    private static Command Export()
    {
        var reference = ReferenceArgument("NAME[@REF]: the version to export.");
        var output = new Option<string>("--out") { Description = "Output file: .parquet, .csv or .jsonl.", Required = true };
        var cmd = new Command("export", "Write one version's rows to a file, in deterministic order.") { reference, output };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            // Progress on stderr: stdout stays one table or one JSON object.
            ExportResult? e = null;
            await CliProgress.OnStderr(autoClear: true).StartAsync(async progress =>
            {
                var task = progress.AddTask("reading data files", autoStart: false);
                e = await new DatasetMaintenance(Open(p)).ExportAsync(DatasetReference.Parse(p.GetValue(reference)!), p.GetValue(output)!,
                    started: s => { task.MaxValue = Math.Max(1, s.Files.Sum(f => f.Size)); task.StartTask(); },
                    bytesRead: new Progress<long>(b => task.Value = b), ct: ct);
                task.Value = task.MaxValue;
            });
            return EmitLine(p, new { name = e!.Version.Name, version = e.Version.Version, path = e.Path, format = e.Format.ToString().ToLowerInvariant(), rows = e.Rows },
                $"{e.Version}: {e.Rows} rows -> {e.Path}");
        });
        return cmd;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("NAME") { Description = "Dataset name." };
        var where = new Option<string>("--where") { Description = "Rows to delete: source=S, variant=V or episode_id=N.", Required = true };
        var cmd = new Command("delete", "Delete matching rows as a new version (older versions keep them).") { name, where };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var r = await Open(p).DeleteAsync(DatasetReference.Parse(p.GetValue(name)!).Name, RowFilter.Parse(p.GetValue(where)!), ct);
            long deleted = r.RowsRemoved - r.RowsAdded;
            return EmitLine(p, new
            {
                name = r.Version.Name,
                version = r.Version.Version,
                rowsDeleted = deleted,
                filesRemoved = r.FilesRemoved,
                filesAdded = r.FilesAdded,
            }, $"{r.Version}: deleted {deleted} rows ({r.FilesRemoved} files removed, {r.FilesAdded} rewritten)");
        });
        return cmd;
    }

    private static Command Vacuum()
    {
        var name = new Argument<string>("NAME") { Description = "Dataset name." };
        var hours = new Option<double>("--retain-hours")
        {
            Description = "Keep unreferenced files younger than this many hours (default 168).",
            DefaultValueFactory = _ => DatasetMaintenance.DefaultRetention.TotalHours,
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be deleted without deleting." };
        var cmd = new Command("vacuum", "Delete data files no longer referenced, older than the retention.") { name, hours, dryRun };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var v = await new DatasetMaintenance(Open(p)).VacuumAsync(DatasetReference.Parse(p.GetValue(name)!).Name, TimeSpan.FromHours(p.GetValue(hours)), p.GetValue(dryRun), ct);
            return EmitLine(p, new { name = p.GetValue(name), deleted = v.Deleted, bytesDeleted = v.BytesDeleted, filesKept = v.FilesKept, dryRun = v.DryRun, foreign = v.Foreign },
                $"{(v.DryRun ? "would delete" : "deleted")} {v.Deleted.Count} files ({v.BytesDeleted} bytes), kept {v.FilesKept}"
                + (v.Foreign.Count > 0 ? $"; left {v.Foreign.Count} files the table did not write: {string.Join(", ", v.Foreign.Take(5))}" : ""));
        });
        return cmd;
    }

    private static DatasetStore Open(ParseResult p) => new(StoreLocation.Open(p.GetValue(CommonOptions.Store)!));

    private static Argument<string> ReferenceArgument(string description) => new("REF") { Description = description };

    private static object Group(GroupSummary g) =>
        new { key = g.Key, rows = g.Rows, episodes = g.Episodes, @unsafe = g.Unsafe, unsafeFraction = g.UnsafeFraction };

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
