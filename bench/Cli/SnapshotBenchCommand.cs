using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Bench.Datasets;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench snapshot`: latest-snapshot load time of a many-commit dataset, with and without checkpoints.</summary>
public static class SnapshotBenchCommand
{
    public static Command Create()
    {
        var commits = new Option<int>("--commits") { Description = "Small commits to build.", DefaultValueFactory = _ => 2000 };
        var command = new Command("snapshot", "Load time of the latest snapshot of a dataset with many small commits (checkpoint vs JSON replay).");
        command.Options.Add(commits);
        BenchAction.Set(command, async (parseResult, ct) =>
        {
            int n = parseResult.GetValue(commits);
            if (n <= 0) throw new ArgumentException($"--commits must be positive, got {n}");
            var folder = Directory.CreateTempSubdirectory("offsafe-bench-snapshot-");
            try
            {
                Console.Error.WriteLine($"building two datasets of {n} commits in {folder.FullName} ...");
                var f = await SnapshotLoadBench.RunAsync(folder.FullName, n, ct: ct);
                if (parseResult.GetValue(BenchCommands.Json))
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        commits = f.Commits, live_files = f.LiveFiles, with_checkpoint_ms = f.WithCheckpointMs,
                        json_replay_ms = f.JsonReplayMs, build_s = f.BuildSeconds,
                    }));
                else
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{f.Commits} commits, {f.LiveFiles} live files: latest snapshot {f.WithCheckpointMs:F1} ms with checkpoints, {f.JsonReplayMs:F1} ms replaying every JSON commit"));
                return 0;
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        });
        return command;
    }
}
