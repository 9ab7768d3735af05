using System.CommandLine;
using OfflineSafety.Pipeline.Experiments;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>The output contract of `experiment mesa` and `experiment recovery`: table + report folder, or --json.</summary>
internal static class ExperimentOnlineOutput
{
    public static int Emit(ParseResult p, string title, string command, ExperimentBudget budget, IReadOnlyList<MethodRun> runs, string kind, string? notes = null)
    {
        string folder = RunFolder(p.GetValue(CommonOptions.Store)!, kind);
        string report = ExperimentReport.Write(folder, title, command, budget, runs, notes);
        return CliOutput.Emit(p, new { results = runs.Select(ResultJson), report }, console =>
        {
            console.Write(SummaryTable(ExperimentReport.Summarize(runs)));
            console.WriteLine($"report: {report}");
        });
    }
}
