using System.Text.Json;
using OfflineSafety.Meta.Online;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Pipeline.Tests.Cli;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Reports;

/// <summary>Violations paired by seed: the figures, the sign test, and where the experiments print them (table, report, --json).</summary>
public sealed class PairedComparisonTests
{
    // One run whose violation count is `violations` (one violating episode each).
    private static MethodRun Run(string method, int seed, int violations)
    {
        var episodes = Enumerable.Range(1, Math.Max(violations, 1))
            .Select(e => new EpisodeOutcome(e, 0f, 10, e <= violations, false, 0, Math.Min(e, violations), 0, 0, 0)).ToList();
        return new MethodRun(method, seed, new OnlineRunResult($"{method}-{seed}", OnlineAlgorithm.Recovery, episodes, 10L * episodes.Count, 0, 0));
    }

    [Fact]
    public void The_difference_is_first_minus_second_over_the_seeds_both_ran()
    {
        var runs = new List<MethodRun>
        {
            Run("mesa", 0, 10), Run("mesa", 1, 20), Run("mesa", 2, 30), Run("mesa", 3, 5),
            Run("sac", 0, 14), Run("sac", 1, 20), Run("sac", 2, 27), // no seed 3
        };

        var pair = PairedComparison.Of(runs, "mesa", "sac")!;

        Assert.Equal(3, pair.Difference.Count);
        Assert.Equal((-4 + 0 + 3) / 3.0, pair.Difference.Mean, 12);
        Assert.Equal((1, 1, 1), (pair.Fewer, pair.Tied, pair.More));
        Assert.Equal(-pair.Difference.Mean, PairedComparison.Of(runs, "sac", "mesa")!.Difference.Mean, 12);
    }

    [Theory]
    [InlineData(6, 0, 0, 2.0 / 64)]          // 6 of 6: the smallest p six seeds can give
    [InlineData(4, 0, 2, 2.0 * 22 / 64)]     // P(X <= 2 of 6) = (1 + 6 + 15) / 64
    [InlineData(3, 0, 3, 1.0)]
    [InlineData(0, 4, 0, 1.0)]               // all tied: no evidence either way
    [InlineData(9, 3, 1, 2.0 * 11 / 1024)]   // ties drop out: 9 of 10, (1 + 10) / 1024
    public void The_sign_test_is_exact_two_sided_and_ignores_ties(int fewer, int tied, int more, double expected)
    {
        var pair = new PairedComparison("a", "b", default, fewer, tied, more);
        Assert.Equal(expected, pair.SignTestP, 12);
    }

    [Theory]
    [InlineData(4, 2, "0.688")]
    [InlineData(18, 0, "7.6e-06")]
    public void The_p_value_keeps_its_digits_when_small(int fewer, int more, string expected) =>
        Assert.Equal(expected, new PairedComparison("a", "b", default, fewer, 0, more).SignTestPText);

    [Fact]
    public void Every_pair_sharing_two_seeds_is_compared_in_the_order_the_methods_ran()
    {
        var runs = new List<MethodRun>
        {
            Run("mesa", 0, 3), Run("multitask", 0, 4), Run("rrl", 0, 5),
            Run("mesa", 1, 3), Run("multitask", 1, 2),
        };

        var pairs = PairedComparison.AllPairs(runs);

        // rrl ran one seed: one seed has no spread, so it is paired with no one.
        Assert.Equal([("mesa", "multitask")], pairs.Select(p => (p.First, p.Second)));
    }

    [Fact]
    public async Task The_report_holds_the_paired_table()
    {
        using var dir = new TempDirectory();
        var runs = new List<MethodRun> { Run("mesa", 0, 2), Run("unconstrained", 0, 5), Run("mesa", 1, 1), Run("unconstrained", 1, 4) };
        var budget = ExperimentBudget.Smoke(OfflineSafety.Envs.EnvironmentRegistry.Default.Get("navigation1"));

        string readme = await ExperimentReport.WriteAsync(new LocalObjectStore(dir.Path), "test", "t", "offsafe t", budget, runs);

        string text = await File.ReadAllTextAsync(readme);
        Assert.Contains("| mesa | unconstrained | 2 | -3.0 ± 0.0 | 2 / 0 / 0 | 0.500 |", text);
    }

    // A run of `episodes` episodes whose violations are the episodes `violating` holds (1-based).
    private static MethodRun Run(string method, int seed, int episodes, params int[] violating)
    {
        var list = new List<EpisodeOutcome>();
        int cumulative = 0;
        for (int e = 1; e <= episodes; e++)
        {
            bool v = violating.Contains(e);
            if (v) cumulative++;
            list.Add(new EpisodeOutcome(e, 0f, 10, v, false, 0, cumulative, 0, 0, 0) { CumulativeSteps = 10L * e });
        }
        return new MethodRun(method, seed, new OnlineRunResult($"{method}-{seed}", OnlineAlgorithm.Recovery, list, 10L * episodes, 0, 0));
    }

    [Fact]
    public void The_last_fifth_counts_only_the_last_fifth_of_each_runs_episodes()
    {
        // Over the whole run mesa violates more than sac in both seeds; in episodes 41-50 fewer.
        var runs = new List<MethodRun>
        {
            Run("mesa", 0, 50, 1, 2, 3, 4, 45), Run("sac", 0, 50, 1, 41, 42),
            Run("mesa", 1, 50, 1, 2, 3, 40), Run("sac", 1, 50, 50),
        };

        var late = PairedComparison.LastFifth(runs)!;

        Assert.Equal((41, 50), (late.FirstEpisode, late.LastEpisode));
        var pair = Assert.Single(late.Pairs);
        Assert.Equal(((1 - 2) + (0 - 1)) / 2.0, pair.Difference.Mean, 12); // episode 40 is not in the last fifth
        Assert.Equal((2, 0, 0), (pair.Fewer, pair.Tied, pair.More));
        Assert.Equal((0, 0, 2), (PairedComparison.Of(runs, "mesa", "sac")!.Fewer, 0, PairedComparison.Of(runs, "mesa", "sac")!.More));
    }

    [Fact]
    public void There_is_no_last_fifth_for_short_runs_or_runs_of_different_lengths()
    {
        Assert.Null(PairedComparison.LastFifth([Run("mesa", 0, 49, 1), Run("sac", 0, 49), Run("mesa", 1, 49), Run("sac", 1, 49)]));
        // A step budget ends runs at different episodes: "the last fifth" would not be the same episodes.
        Assert.Null(PairedComparison.LastFifth([Run("mesa", 0, 60, 1), Run("sac", 0, 55), Run("mesa", 1, 60), Run("sac", 1, 60)]));
    }

    [Fact]
    public async Task Experiment_combine_prints_the_last_fifth_table_and_writes_it_in_json_and_the_report()
    {
        using var dir = new TempDirectory();
        var store = new LocalObjectStore(dir.Path);
        async Task<string> Report(int seed, params MethodRun[] runs) => await ExperimentReport.WriteAsync(store, "mesa-test", "t",
            $"offsafe experiment mesa --env e --seeds 1 --first-seed {seed}", "Budget `x`.", runs);
        string a = await Report(0, Run("mesa", 0, 50, 1, 2, 45), Run("sac", 0, 50, 41, 42));
        string b = await Report(1, Run("mesa", 1, 50, 1, 2), Run("sac", 1, 50, 50));

        var table = await OffsafeProcess.RunAsync(null, ["experiment", "combine", a, b, "--store", dir.Path], TimeSpan.FromMinutes(1));
        var json = await OffsafeProcess.RunAsync(null, ["experiment", "combine", a, b, "--store", dir.Path, "--json"], TimeSpan.FromMinutes(1));

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("violations in the last fifth of the episodes, 41-50 (first - second)", table.Stdout);
        var late = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("pairedLastFifth");
        Assert.Equal((41, 50), (late.GetProperty("firstEpisode").GetInt32(), late.GetProperty("lastEpisode").GetInt32()));
        var pair = Assert.Single(late.GetProperty("paired").EnumerateArray());
        Assert.Equal(-1.0, pair.GetProperty("meanDifference").GetDouble(), 12);
        string readme = await File.ReadAllTextAsync(JsonDocument.Parse(json.Stdout).RootElement.GetProperty("report").GetString()!);
        Assert.Contains("Violations in the last fifth of the episodes, 41-50, paired by seed", readme);
        Assert.Contains("| mesa | sac | 2 | -1.0 ± 0.0 | 2 / 0 / 0 | 0.500 |", readme);
        // By fifths (1-10 / ... / 41-50), both seeds together: mesa's violations at 1, 2, 1, 2 and 45.
        Assert.Contains("By fifths of the episodes (1-10 / 11-20 / 21-30 / 31-40 / 41-50)", readme);
        Assert.Contains("| mesa | 2 | 4 / 0 / 0 / 0 / 1 | 10 / 10 / 10 / 10 / 10 | 0.0% / 0.0% / 0.0% / 0.0% / 0.0% |", readme);
        Assert.Contains("| sac | 2 | 0 / 0 / 0 / 0 / 3 |", readme);
    }

    [Fact]
    public async Task Experiment_mesa_prints_the_pairs_and_writes_them_in_json()
    {
        using var dir = new TempDirectory();
        string[] args = ["experiment", "mesa", "--env", "navigation1", "--quick", "--seeds", "2", "--episodes", "1", "--methods", "rrl,unconstrained", "--store", dir.Path];

        var table = await OffsafeProcess.RunAsync(null, args, TimeSpan.FromMinutes(2));
        var json = await OffsafeProcess.RunAsync(null, [.. args, "--json"], TimeSpan.FromMinutes(2));

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("violations paired by seed", table.Stdout);
        Assert.Equal(0, json.ExitCode);
        var pair = Assert.Single(JsonDocument.Parse(json.Stdout).RootElement.GetProperty("paired").EnumerateArray());
        Assert.Equal("rrl", pair.GetProperty("first").GetString());
        Assert.Equal("unconstrained", pair.GetProperty("second").GetString());
        Assert.Equal(2, pair.GetProperty("seeds").GetInt32());
        int fewer = pair.GetProperty("fewer").GetInt32(), tied = pair.GetProperty("tied").GetInt32(), more = pair.GetProperty("more").GetInt32();
        Assert.Equal(2, fewer + tied + more);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(json.Stdout).RootElement.GetProperty("pairedLastFifth").ValueKind); // one episode has no last fifth
    }
}
