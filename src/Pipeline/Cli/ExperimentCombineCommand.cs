using System.CommandLine;
using OfflineSafety.Pipeline.Experiments;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe experiment combine REPORT...`: one table (and report) over the seeds of several runs of one configuration.</summary>
public static class ExperimentCombineCommand
{
    public static Command Create()
    {
        var reports = new Argument<string[]>("REPORT")
        {
            Description = "Reports in the store, as an experiment printed them (.../runs/<id>/README.md), runs/<id> or <id>; at least two.",
            Arity = ArgumentArity.OneOrMore,
        };
        var cmd = new Command("combine",
            "Combine the runs of several experiment reports made with the same settings (seeds added with --first-seed, methods run apart with --methods) into one report: the table, violations paired by seed, curves.")
        {
            reports,
        };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var store = OpenStore(p);
            var folders = p.GetValue(reports)!.Select(ExperimentCombination.FolderOf).Distinct().ToList();
            var read = new List<StoredReport>(folders.Count);
            foreach (string folder in folders) read.Add(await ExperimentCombination.ReadAsync(store, folder, ct));
            var runs = ExperimentCombination.Combine(read);
            string command = "offsafe experiment combine " + string.Join(' ', folders.Select(f => f.TrimEnd('/')));
            return await ExperimentOnlineOutput.EmitAsync(p, read[0].Title, command, ExperimentCombination.Describe(read), runs,
                read[0].Kind.StartsWith("combined-", StringComparison.Ordinal) ? read[0].Kind : $"combined-{read[0].Kind}", ct: ct);
        });
        return cmd;
    }
}
