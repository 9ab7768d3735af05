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
    public static async Task<int> EmitAsync(ParseResult p, string title, string command, ExperimentBudget budget, IReadOnlyList<MethodRun> runs, string kind,
        string? notes = null, CancellationToken ct = default)
    {
        string report = await ExperimentReport.WriteAsync(OpenStore(p), kind, title, command, budget, runs, notes, ct);
        return CliOutput.Emit(p, new { results = runs.Select(ResultJson), report }, console =>
        {
            console.Write(SummaryTable(ExperimentReport.Summarize(runs)));
            console.WriteLine($"report: {report}");
        });
    }
}
