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
    }
}
