using System.CommandLine;
using OfflineSafety.Pipeline.Experiments;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>The output contract of `experiment mesa` and `experiment recovery`: table + report (runs/&lt;id&gt;/ in the store), or --json.</summary>
internal static class ExperimentOnlineOutput
{
    public static Task<int> EmitAsync(ParseResult p, string title, string command, ExperimentBudget budget, IReadOnlyList<MethodRun> runs, string kind,
        string? notes = null, CancellationToken ct = default, IReadOnlyDictionary<string, string>? figures = null, object? extra = null,
        Action<IAnsiConsole>? table = null) =>
        EmitAsync(p, title, command, ExperimentReport.Describe(budget), runs, kind, notes, ct, figures, extra, table);

    public static async Task<int> EmitAsync(ParseResult p, string title, string command, string settings, IReadOnlyList<MethodRun> runs, string kind,
        string? notes = null, CancellationToken ct = default, IReadOnlyDictionary<string, string>? figures = null, object? extra = null,
        Action<IAnsiConsole>? table = null)
    {
        string report = await ExperimentReport.WriteAsync(OpenStore(p), kind, title, command, settings, runs, notes, ct, figures);
        var pairs = PairedComparison.AllPairs(runs);
        var late = PairedComparison.LastFifth(runs);
        var lateJson = late is null ? null : new { firstEpisode = late.FirstEpisode, lastEpisode = late.LastEpisode, paired = late.Pairs.Select(PairedJson) };
        object json = extra is null
            ? new { results = runs.Select(ResultJson), paired = pairs.Select(PairedJson), pairedLastFifth = lateJson, report }
            : new { results = runs.Select(ResultJson), paired = pairs.Select(PairedJson), pairedLastFifth = lateJson, report, extra };
        return CliOutput.Emit(p, json, console =>
        {
            console.Write(SummaryTable(ExperimentReport.Summarize(runs)));
            if (pairs.Count > 0) console.Write(PairedTable(pairs));
            if (late is not null) console.Write(PairedTable(late.Pairs, ExperimentReport.LateTitle(late).ToLowerInvariant() + " (first - second)"));
            table?.Invoke(console);
            console.WriteLine($"report: {report}");
        });
    }
}
