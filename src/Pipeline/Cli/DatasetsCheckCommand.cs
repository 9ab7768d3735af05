using System.CommandLine;
using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Pipeline.Cli.Output;
using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe datasets check NAME[@REF] [--repair] [--retention T]`: the dataset fsck. Findings go to
/// stdout (a table, or one JSON object with --json); the verdict is one line on stderr and the exit
/// code: 0 when nothing remains to fix, 1 otherwise.
/// </summary>
public static class DatasetsCheckCommand
{
    public static Command Create()
    {
        var reference = new Argument<string>("REF") { Description = "NAME[@REF]: the dataset, optionally the version whose data files to verify (default latest)." };
        var repair = new Option<bool>("--repair") { Description = "Write missing checkpoints and delete staging leftovers older than --retention; orphans are left to `datasets vacuum`." };
        var retention = new Option<string?>("--retention")
        {
            Description = "Age above which a staged write is a leftover: e.g. 30m, 1h, 2d or hh:mm:ss (default 1h).",
        };
        var cmd = new Command("check", "Verify a version's data files against the log; find missing checkpoints, orphans and staging leftovers.")
        {
            reference, repair, retention,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var keep = p.GetValue(retention) is { } text ? ParseDuration(text) : DatasetCheck.DefaultStagingRetention;
            var store = new DatasetStore(CriticCommandSupport.OpenStore(p));
            var r = await new DatasetCheck(store).CheckAsync(DatasetReference.Parse(p.GetValue(reference)!), p.GetValue(repair), keep, ct);

            var table = CliOutput.NewTable("object", "problem", "repairable", "repaired");
            foreach (var f in r.Findings)
                table.AddRow(Markup.Escape(f.Object), Markup.Escape(f.Problem), YesNo(f.Repairable), YesNo(f.Repaired));
            var json = new
            {
                name = r.Version.Name,
                version = r.Version.Version,
                latestVersion = r.LatestVersion,
                filesChecked = r.FilesChecked,
                rowsChecked = r.RowsChecked,
                clean = r.Clean,
                findings = r.Findings.Select(f => new { @object = f.Object, problem = f.Problem, repairable = f.Repairable, repaired = f.Repaired }),
            };
            CliOutput.Emit(p, json, console =>
            {
                if (r.Findings.Count > 0) console.Write(table);
            });
            Console.Error.WriteLine($"offsafe: {Summary(r, p.GetValue(repair))}");
            return r.Clean ? 0 : CommandAction.Failure;
        });
        return cmd;
    }

    private static string Summary(DatasetCheckResult r, bool repair)
    {
        string checkedWhat = $"{r.Version}: {r.FilesChecked} data files, {r.RowsChecked} rows verified";
        int repaired = r.Findings.Count(f => f.Repaired);
        var remaining = r.Remaining;
        if (remaining.Count == 0)
            return repaired == 0 ? $"{checkedWhat}; clean" : $"{checkedWhat}; {repaired} problems repaired, none remain";
        int repairable = remaining.Count(f => f.Repairable);
        bool orphans = remaining.Any(f => f.Problem.StartsWith("orphan", StringComparison.Ordinal));
        return $"{checkedWhat}; {remaining.Count} {(remaining.Count == 1 ? "problem remains" : "problems remain")}"
            + (repaired > 0 ? $" ({repaired} repaired)" : "")
            + (repairable > 0 && !repair ? $"; {repairable} repairable with --repair" : "")
            + (orphans ? "; orphans are left to `offsafe datasets vacuum`" : "");
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>"30m", "1h", "2d", "45s", or a TimeSpan such as "01:30:00".</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        string t = text.Trim();
        if (t.Length > 1 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n >= 0 && double.IsFinite(n))
        {
            switch (char.ToLowerInvariant(t[^1]))
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }
        if (TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero) return span;
        throw new BadInputException($"--retention '{text}': expected a duration such as 30m, 1h, 2d or hh:mm:ss");
    }
}
