using System.Text;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Pipeline.Tests.Cli;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Reports;

/// <summary>`experiment combine`: reports read back exactly, seeds of one configuration put together, anything else refused in one line.</summary>
public sealed class ExperimentCombineTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static MethodRun Run(string method, int seed, float firstReturn = 1.25f)
    {
        var episodes = new List<EpisodeOutcome>
        {
            new(1, firstReturn, 12, true, false, 3, 1, 0, 1.5, 1.5) { CumulativeSteps = 12, LastRecoveryStreakStart = 9 },
            new(2, -0.1f / 3, 7, false, true, 0, 1, 1, 0.25, 1.75) { CumulativeSteps = 19 },
        };
        return new MethodRun(method, seed, new OnlineRunResult($"{method}-{seed}", method == "sac" ? OnlineAlgorithm.Unconstrained : OnlineAlgorithm.Recovery,
            episodes, 19, 3.5, 0));
    }

    private async Task<string> WriteAsync(string command, params MethodRun[] runs)
    {
        string readme = await ExperimentReport.WriteAsync(new LocalObjectStore(_dir.Path), "mesa-test", "a title", command, "Budget `x`.", runs);
        return ExperimentCombination.FolderOf(readme);
    }

    [Fact]
    public async Task A_report_reads_back_as_the_runs_it_was_written_from()
    {
        var written = new[] { Run("mesa", 0), Run("sac", 0) };
        string folder = await WriteAsync("offsafe experiment mesa --env e --seeds 1", written);

        var report = await ExperimentCombination.ReadAsync(new LocalObjectStore(_dir.Path), folder);

        Assert.Equal("a title", report.Title);
        Assert.Equal("mesa-test", report.Kind);
        Assert.Equal("offsafe experiment mesa --env e", report.Configuration);
        Assert.Equal("Budget `x`.", report.Settings);
        Assert.Equal(written.Length, report.Runs.Count);
        foreach (var (a, b) in written.Zip(report.Runs))
        {
            Assert.Equal((a.Method, a.Seed, a.Result.Algorithm, a.Result.Steps, a.Result.Seconds), (b.Method, b.Seed, b.Result.Algorithm, b.Result.Steps, b.Result.Seconds));
            Assert.Equal(a.Result.Episodes, b.Result.Episodes); // every field, returns and costs to the bit
        }
    }

    [Theory]
    [InlineData("offsafe experiment mesa --env e --seeds 3 --quick --first-seed 3 --methods mesa,rrl --episodes 4", "offsafe experiment mesa --env e --quick --episodes 4")]
    [InlineData("offsafe experiment recovery --env e --seeds 2", "offsafe experiment recovery --env e")]
    public void The_configuration_is_the_command_without_the_flags_that_choose_runs(string command, string expected) =>
        Assert.Equal(expected, ExperimentCombination.Configuration(command));

    [Theory]
    [InlineData("/tmp/s/runs/mesa-x-20261207-061702-97a5e3/README.md", "runs/mesa-x-20261207-061702-97a5e3/")]
    [InlineData("az://acct/c/runs/r1/README.md", "runs/r1/")]
    [InlineData("runs/r1/", "runs/r1/")]
    [InlineData("r1", "runs/r1/")]
    public void A_report_is_named_by_what_the_experiment_printed_or_its_id(string argument, string folder) =>
        Assert.Equal(folder, ExperimentCombination.FolderOf(argument));

    [Theory]
    [InlineData("../etc")]
    [InlineData("runs/a/b")]
    [InlineData("runs/..")]
    [InlineData("")]
    public void A_name_that_is_no_report_id_is_refused(string argument) =>
        Assert.Contains("does not name a report", Assert.Throws<BadInputException>(() => ExperimentCombination.FolderOf(argument)).Message);

    [Fact]
    public async Task Seeds_of_one_configuration_combine_and_a_run_both_hold_counts_once()
    {
        var store = new LocalObjectStore(_dir.Path);
        string a = await WriteAsync("offsafe experiment mesa --env e --seeds 2", Run("mesa", 0), Run("sac", 0), Run("mesa", 1), Run("sac", 1));
        string b = await WriteAsync("offsafe experiment mesa --env e --seeds 2 --first-seed 1", Run("mesa", 1), Run("sac", 1), Run("mesa", 2), Run("sac", 2));

        var runs = ExperimentCombination.Combine([await ExperimentCombination.ReadAsync(store, a), await ExperimentCombination.ReadAsync(store, b)]);

        Assert.Equal([("mesa", 0), ("sac", 0), ("mesa", 1), ("sac", 1), ("mesa", 2), ("sac", 2)], runs.Select(r => (r.Method, r.Seed)));
    }

    [Fact]
    public async Task Reports_of_other_settings_or_with_different_episodes_for_one_run_are_refused()
    {
        var store = new LocalObjectStore(_dir.Path);
        string a = await WriteAsync("offsafe experiment mesa --env e --seeds 1 --episodes 4", Run("mesa", 0));
        string b = await WriteAsync("offsafe experiment mesa --env e --seeds 1 --episodes 5", Run("mesa", 1));
        string c = await WriteAsync("offsafe experiment mesa --env e --seeds 1 --episodes 4", Run("mesa", 0, firstReturn: 2f));
        var ra = await ExperimentCombination.ReadAsync(store, a);
        var rb = await ExperimentCombination.ReadAsync(store, b);
        var rc = await ExperimentCombination.ReadAsync(store, c);

        var other = Assert.Throws<BadInputException>(() => ExperimentCombination.Combine([ra, rb]));
        Assert.Contains("--episodes 5' against '", other.Message);
        var clash = Assert.Throws<BadInputException>(() => ExperimentCombination.Combine([ra, rc]));
        Assert.Contains("both hold mesa seed 0, with different episodes", clash.Message);
    }

    [Theory]
    [InlineData("1.25", "abc", "line 2: field 'return': 'abc' is not a finite number")]
    [InlineData("1.25", "NaN", "line 2: field 'return': 'NaN' is not a finite number")]
    [InlineData("12,1,0,3,1,0,9,1.5,1.5\n", "12\n", "line 2: 5 fields, expected 13")] // a row cut short
    public async Task A_damaged_episodes_file_is_refused_naming_the_line_and_field(string find, string replace, string expected)
    {
        string folder = await WriteAsync("offsafe experiment mesa --env e --seeds 1", Run("mesa", 0));
        string path = Path.Combine(_dir.Path, folder, ReportRuns.EpisodesFile);
        string text = await File.ReadAllTextAsync(path);
        text = ReplaceFirst(text, find, replace);
        await File.WriteAllTextAsync(path, text);

        var error = await Assert.ThrowsAsync<BadInputException>(() => ExperimentCombination.ReadAsync(new LocalObjectStore(_dir.Path), folder));
        Assert.StartsWith($"{folder}{ReportRuns.EpisodesFile}: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' not in the file");
        return text[..at] + replace + text[(at + find.Length)..];
    }

    [Fact]
    public async Task A_report_without_its_runs_file_is_refused_saying_why()
    {
        string folder = await WriteAsync("offsafe experiment mesa --env e --seeds 1", Run("mesa", 0));
        File.Delete(Path.Combine(_dir.Path, folder, ReportRuns.RunsFile));

        var error = await Assert.ThrowsAsync<BadInputException>(() => ExperimentCombination.ReadAsync(new LocalObjectStore(_dir.Path), folder));
        Assert.Contains("no runs.json (a report written before `experiment combine` existed", error.Message);
    }

    [Fact]
    public async Task Combining_two_seed_ranges_prints_what_one_run_over_both_prints()
    {
        string[] args = ["experiment", "mesa", "--env", "navigation1", "--quick", "--episodes", "2", "--methods", "rrl,unconstrained", "--store", _dir.Path, "--json"];
        async Task<JsonElement> Json(params string[] more)
        {
            var run = await OffsafeProcess.RunAsync(null, [.. args, .. more], TimeSpan.FromMinutes(2));
            Assert.True(run.ExitCode == 0, run.Stderr);
            return JsonDocument.Parse(run.Stdout).RootElement;
        }
        var first = await Json("--seeds", "1");
        var second = await Json("--seeds", "1", "--first-seed", "1");
        var both = await Json("--seeds", "2");

        var combined = await OffsafeProcess.RunAsync(null, ["experiment", "combine", first.GetProperty("report").GetString()!,
            second.GetProperty("report").GetString()!, "--store", _dir.Path, "--json"], TimeSpan.FromMinutes(1));

        Assert.True(combined.ExitCode == 0, combined.Stderr);
        var json = JsonDocument.Parse(combined.Stdout).RootElement;
        Assert.Equal(both.GetProperty("results").GetRawText(), json.GetProperty("results").GetRawText());
        Assert.Equal(both.GetProperty("paired").GetRawText(), json.GetProperty("paired").GetRawText());
        Assert.Contains("Combined from:", await File.ReadAllTextAsync(json.GetProperty("report").GetString()!));
    }

    [Fact]
    public async Task A_bad_report_name_is_a_one_line_error() =>
        await OffsafeProcess.AssertRefusedInOneLineAsync(["experiment", "combine", "runs/../x", "runs/y", "--store", _dir.Path], "does not name a report");
}
