using System.Text;
using System.Text.RegularExpressions;
using OfflineSafety.Errors;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>An experiment report read back from a store: its folder, title, settings and runs.</summary>
/// <param name="Configuration">The command that made it without the flags that only choose which runs it made.</param>
public sealed record StoredReport(string Folder, string Kind, string Title, string Configuration, string Settings, IReadOnlyList<MethodRun> Runs)
{
    /// <summary>"mesa seeds 0-2, unconstrained seeds 0-2": what the report holds, for the combined report's sources.</summary>
    public string Holds => string.Join(", ", Runs.GroupBy(r => r.Method).Select(g => $"{g.Key} seeds {Seeds(g.Select(r => r.Seed))}"));

    private static string Seeds(IEnumerable<int> seeds)
    {
        var s = seeds.Order().ToList();
        return s.Count > 1 && s[^1] - s[0] == s.Count - 1 ? $"{s[0]}-{s[^1]}" : string.Join(' ', s);
    }
}

/// <summary>
/// Puts the seeds of several reports of one experiment configuration together (<c>experiment
/// combine</c>): seeds added later with <c>--first-seed</c>, methods run apart with <c>--methods</c>.
/// Reports made with any other setting different are refused, and a run two reports both hold must
/// be the same episodes in both, so a combined table never mixes configurations.
/// </summary>
public static partial class ExperimentCombination
{
    // Flags that choose which runs a command makes, not how each run goes; each takes one value.
    private static readonly string[] RunSelectors = ["--seeds", "--first-seed", "--methods"];

    private const string ReportFile = "README.md";
    private const string ConfigurationPrefix = "Configuration: `";
    private const string ReproducePrefix = "Reproduce: `";

    /// <summary>The command without its run selectors (and their values).</summary>
    public static string Configuration(string command)
    {
        var tokens = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var kept = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            if (RunSelectors.Contains(tokens[i])) { i++; continue; }
            kept.Add(tokens[i]);
        }
        return string.Join(' ', kept);
    }

    /// <summary>
    /// The report folder <c>runs/&lt;id&gt;/</c> a user's argument names: the README path the
    /// experiment printed, the folder, <c>runs/&lt;id&gt;</c> or the bare id.
    /// </summary>
    public static string FolderOf(string argument)
    {
        string s = argument.Replace('\\', '/').TrimEnd('/');
        if (s.EndsWith("/" + ReportFile, StringComparison.Ordinal)) s = s[..^(ReportFile.Length + 1)];
        int at = s.LastIndexOf("runs/", StringComparison.Ordinal);
        string id = at >= 0 && (at == 0 || s[at - 1] == '/') ? s[(at + 5)..] : s;
        if (!ReportId().IsMatch(id) || id.Contains("..", StringComparison.Ordinal))
            throw new BadInputException($"'{argument}' does not name a report (expected .../runs/<id>/README.md, runs/<id> or <id>)");
        return $"runs/{id}/";
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex ReportId();

    /// <summary>Reads the report in <paramref name="folder"/> of <paramref name="store"/>.</summary>
    public static async Task<StoredReport> ReadAsync(IObjectStore store, string folder, CancellationToken ct = default)
    {
        string name = folder.TrimEnd('/');
        byte[] readme = await store.TryReadAsync(folder + ReportFile, ct).ConfigureAwait(false)
            ?? throw new BadInputException($"{name}: no report there in {store.Location}");
        byte[]? runs = await store.TryReadAsync(folder + ReportRuns.RunsFile, ct).ConfigureAwait(false);
        byte[]? episodes = await store.TryReadAsync(folder + ReportRuns.EpisodesFile, ct).ConfigureAwait(false);
        if (runs is null || episodes is null)
            throw new BadInputException($"{name}: no {(runs is null ? ReportRuns.RunsFile : ReportRuns.EpisodesFile)} (a report written before `experiment combine` existed cannot be read back; rerun it)");
        var lines = Encoding.UTF8.GetString(readme).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        string title = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..]
            ?? throw new BadInputException($"{name}/{ReportFile}: no title line");
        string configuration = Quoted(lines, ConfigurationPrefix)
            ?? (Quoted(lines, ReproducePrefix) is { } command ? Configuration(command) : throw new BadInputException($"{name}/{ReportFile}: no 'Reproduce:' line"));
        int reproduce = lines.FindIndex(l => l.StartsWith(ReproducePrefix, StringComparison.Ordinal));
        // The settings line is the first paragraph after the command (and after the configuration, in a combined report).
        string settings = lines.Skip(reproduce + 1).FirstOrDefault(l => l.Length > 0 && !l.StartsWith(ConfigurationPrefix, StringComparison.Ordinal)) ?? "";
        string id = name["runs/".Length..];
        var stamp = StampSuffix().Match(id);
        return new StoredReport(name, stamp.Success ? id[..stamp.Index] : id, title, configuration, settings, ReportRuns.Read(name, runs, episodes));
    }

    [GeneratedRegex("-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")]
    private static partial Regex StampSuffix();

    private static string? Quoted(List<string> lines, string prefix) =>
        lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.EndsWith('`')) is { } line ? line[prefix.Length..^1] : null;

    /// <summary>The runs of every report, each run once, seed by seed in the order the methods first appear.</summary>
    public static IReadOnlyList<MethodRun> Combine(IReadOnlyList<StoredReport> reports)
    {
        if (reports.Count < 2) throw new BadInputException("experiment combine needs at least two reports");
        var first = reports[0];
        foreach (var other in reports.Skip(1))
            if (other.Configuration != first.Configuration)
                throw new BadInputException($"{other.Folder} was made with other settings than {first.Folder}: '{other.Configuration}' against '{first.Configuration}' (only --seeds, --first-seed and --methods may differ)");
        var held = new Dictionary<(string Method, int Seed), (MethodRun Run, string Folder)>();
        foreach (var report in reports)
            foreach (var run in report.Runs)
            {
                var key = (run.Method, run.Seed);
                if (!held.TryGetValue(key, out var earlier)) held[key] = (run, report.Folder);
                else if (!earlier.Run.Result.Episodes.SequenceEqual(run.Result.Episodes))
                    throw new BadInputException($"{earlier.Folder} and {report.Folder} both hold {run.Method} seed {run.Seed}, with different episodes: not runs of one configuration");
            }
        var methods = reports.SelectMany(r => r.Runs).Select(r => r.Method).Distinct().ToList();
        return held.Values.Select(v => v.Run).OrderBy(r => r.Seed).ThenBy(r => methods.IndexOf(r.Method)).ToList();
    }

    /// <summary>The combined report's settings paragraph: the configuration (so a combined report can be combined again) and the sources.</summary>
    public static string Describe(IReadOnlyList<StoredReport> reports) =>
        $"{ConfigurationPrefix}{reports[0].Configuration}`\n\n{reports[0].Settings}\n\nCombined from: " +
        string.Join("; ", reports.Select(r => $"`{r.Folder}` ({r.Holds})")) + ".";
}
