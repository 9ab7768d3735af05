using System.Text.Json;
using OfflineSafety.Envs.Transfer;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Pipeline.Cli;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Pipeline.Tests.Cli;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Tests.Online;

/// <summary>The dual-agent and transfer wiring through `offsafe`, and both experiments on the smallest budgets.</summary>
public sealed class DualAgentTransferCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-dual-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    [Fact]
    public async Task Online_dual_agent_with_the_controller_baseline_reports_lifetime_regret()
    {
        using var json = await RunJsonAsync("online", "--env", "cartpole-length", "--algo", "dual-agent", "--baseline", "controller",
            "--episodes", "2", "--hidden", "16,16", "--batch-size", "16", "--offline-transitions", "200", "--no-record", "--eval-episodes", "1");
        var root = json.RootElement;
        Assert.True(root.GetProperty("lifetimeRegret").GetDouble() >= 0);
        var result = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.Equal("dual-agent", result.GetProperty("method").GetString());
        Assert.True(result.TryGetProperty("lifetimeRegret", out _));
        Assert.True(root.GetProperty("evaluation").TryGetProperty("meanCost", out _));
    }

    [Fact]
    public async Task Online_ppo_lagrangian_runs_from_scratch_and_reports_its_lambda()
    {
        using var json = await RunJsonAsync("online", "--env", "cartpole-length", "--algo", "ppo-lagrangian",
            "--episodes", "3", "--offline-transitions", "200", "--no-record", "--eval-episodes", "1");
        var result = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("ppo-lagrangian", result.GetProperty("method").GetString());
        Assert.True(result.TryGetProperty("lifetimeRegret", out _));
    }

    [Fact]
    public async Task A_td3_baseline_saved_by_one_run_is_the_fixed_baseline_of_the_next()
    {
        Directory.CreateDirectory(_root);
        string file = Path.Combine(_root, "baseline.safetensors");
        string[] common = ["online", "--env", "cartpole-length", "--algo", "dual-agent", "--episodes", "2", "--hidden", "16,16", "--batch-size", "16",
            "--offline-transitions", "200", "--no-record"];
        using (await RunJsonAsync([.. common, "--save-baseline", file])) { }
        Assert.True(File.Exists(file));
        using var json = await RunJsonAsync([.. common, "--baseline", file]);
        Assert.Equal("dual-agent", json.RootElement.GetProperty("results")[0].GetProperty("method").GetString());
    }

    [Theory]
    [InlineData("--baseline applies to --algo dual-agent only", "online", "--env", "cartpole-length", "--algo", "lr", "--episodes", "1", "--baseline", "td3")]
    [InlineData("no file", "online", "--env", "cartpole-length", "--algo", "dual-agent", "--episodes", "1", "--baseline", "missing.safetensors", "--offline-transitions", "100")]
    [InlineData("--save-baseline stores a TD3 baseline", "online", "--env", "cartpole-length", "--algo", "dual-agent", "--episodes", "1", "--baseline", "controller", "--save-baseline", "x.safetensors", "--offline-transitions", "100")]
    [InlineData("--steps must be", "experiment", "dual-agent", "--steps", "0")]
    [InlineData("--ppo-steps must be", "experiment", "dual-agent", "--ppo-steps", "0")]
    [InlineData("--evaluation-episodes must be in [1, 1000], got 0", "experiment", "dual-agent", "--evaluation-episodes", "0")]
    [InlineData("--passes-in-a-row must be at least 1, got 0", "experiment", "dual-agent", "--passes-in-a-row", "0")]
    [InlineData("--lambda-lr must be non-negative", "experiment", "dual-agent", "--lambda-lr", "-1")]
    [InlineData("--trust-region must be in [0, 2]", "experiment", "dual-agent", "--trust-region", "-0.1")]
    [InlineData("--exploration-noise must be in [0, 1]", "experiment", "dual-agent", "--exploration-noise", "2")]
    [InlineData("--baseline-noise must be in [0, 1]", "experiment", "dual-agent", "--baseline-noise", "-0.2")]
    [InlineData("--critic-input must be action or baseline-deviation, got 'deviation'", "experiment", "dual-agent", "--critic-input", "deviation")]
    [InlineData("--safe-critic-tau must be in (0, 1]", "experiment", "dual-agent", "--safe-critic-tau", "0")]
    [InlineData("--safe-critic-steps must be in [1, 200]", "experiment", "dual-agent", "--safe-critic-steps", "0")]
    [InlineData("--safe-critic-cut needs --safe-critic-steps of at least 2", "experiment", "dual-agent", "--safe-critic-steps", "1", "--safe-critic-cut", "0.2")]
    [InlineData("--safe-critic-cut must be in [0, 2], got -0.1", "experiment", "dual-agent", "--safe-critic-steps", "5", "--safe-critic-cut", "-0.1")]
    [InlineData("--first-seed must be at least 0, got -1", "experiment", "dual-agent", "--first-seed", "-1")]
    [InlineData("--methods takes dual-agent, csac or ppo-lagrangian, got 'lr'", "experiment", "dual-agent", "--methods", "dual-agent,lr")]
    [InlineData("--trust-region applies to --algo dual-agent only, not lr", "online", "--env", "cartpole-length", "--algo", "lr", "--episodes", "1", "--trust-region", "0.1")]
    [InlineData("--safe-critic-steps must be in [1, 200], got 0", "online", "--env", "cartpole-length", "--algo", "dual-agent", "--episodes", "1", "--safe-critic-steps", "0")]
    [InlineData("--pretrain-steps must be", "experiment", "transfer", "--pretrain-steps", "-5")]
    [InlineData("--cost-limit must be a positive number", "experiment", "transfer", "--cost-limit", "0")]
    [InlineData("--deploy-deterministic-steps must be", "experiment", "transfer", "--steps", "100", "--deploy-deterministic-steps", "101")]
    public async Task Bad_flags_are_one_line_user_errors(string message, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.Equal(1, code);
        Assert.Equal("", stdout.Trim());
        Assert.Contains(message, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void The_documented_flags_give_the_papers_setting_back_and_no_flags_the_default()
    {
        var options = new DualAgentOptions();
        var command = new System.CommandLine.RootCommand();
        foreach (var option in options.All) command.Options.Add(option);
        Assert.Equal(new DualAgentSettings(), options.Read(command.Parse([])));
        Assert.Null(options.FirstGiven(command.Parse([])));
        var paper = command.Parse(["--trust-region", "0", "--critic-input", "action", "--dual-warmup", "0", "--safe-critic-steps", "1", "--safe-critic-cut", "0"]);
        Assert.Equal(DualAgentSettings.Paper, options.Read(paper));
        Assert.Equal("--dual-warmup", options.FirstGiven(paper));
        Assert.Equal(" --dual-warmup 0 --trust-region 0 --critic-input action --safe-critic-steps 1 --safe-critic-cut 0", options.Given(paper));
    }

    [Fact]
    public async Task An_unknown_variant_pair_is_refused()
    {
        var (code, _, stderr) = await RunAsync("experiment", "transfer", "--pair", "bogus");
        Assert.NotEqual(0, code);
        Assert.Contains("bogus", stderr);
    }

    [Fact]
    public void The_transfer_experiment_pretrains_transfers_and_counts_deployment_cost_only()
    {
        var pair = StakesPairs.Get("cartpole-hazard");
        var budget = ExperimentBudget.Smoke(Envs.EnvironmentRegistry.Default.Get("cartpole-length"));
        var outcome = new TransferExperiment(pair, budget, pretrainSteps: 60, deploySteps: 80, evaluationEpisodes: 1).Run(1);
        Assert.Equal([TransferExperiment.Transfer, TransferExperiment.Scratch, TransferExperiment.Unconstrained], outcome.Runs.Select(r => r.Method));
        Assert.All(outcome.Runs, r => Assert.InRange(r.Result.Steps, 80, 80 + 200));
        Assert.All(outcome.Runs, r => Assert.Equal(r.Result.Episodes.Sum(e => e.Cost), r.Result.LifetimeRegret));
        Assert.Single(outcome.ZeroShots);
    }

    [Fact]
    public async Task The_dual_agent_experiment_defaults_to_the_strict_target_and_records_a_cut_n_step_target()
    {
        using var json = await RunJsonAsync("experiment", "dual-agent", "--seeds", "1", "--quick", "--steps", "120", "--ppo-steps", "120", "--evaluate-every", "1",
            "--safe-critic-steps", "4", "--safe-critic-cut", "0.2");
        var extra = json.RootElement.GetProperty("extra");
        Assert.Equal(10, extra.GetProperty("evaluationEpisodes").GetInt32());
        Assert.Equal(2, extra.GetProperty("passesInARow").GetInt32());
        string readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(json.RootElement.GetProperty("report").GetString())!, "README.md"));
        Assert.Contains("--evaluation-episodes 10 --passes-in-a-row 2", readme);
        Assert.Contains("--safe-critic-steps 4 --safe-critic-cut 0.2", readme);
        Assert.Contains("4-step Q_I targets cut at the first logged action more than 0.2 from pi_S'", readme);
    }

    [Fact]
    public async Task A_later_block_of_seeds_of_one_method_is_the_same_runs_as_in_the_full_experiment()
    {
        string[] common = ["experiment", "dual-agent", "--quick", "--steps", "150", "--ppo-steps", "150", "--evaluate-every", "1", "--evaluation-episodes", "1"];
        using var full = await RunJsonAsync([.. common, "--seeds", "2"]);
        using var part = await RunJsonAsync([.. common, "--seeds", "1", "--first-seed", "1", "--methods", "csac"]);
        var one = Assert.Single(part.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("sac-lagrangian (scratch)", one.GetProperty("method").GetString());
        Assert.Equal(1, one.GetProperty("seed").GetInt32());
        var same = full.RootElement.GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("method").GetString() == "sac-lagrangian (scratch)" && r.GetProperty("seed").GetInt32() == 1);
        Assert.Equal(same.GetProperty("lifetimeRegret").GetDouble(), one.GetProperty("lifetimeRegret").GetDouble());
        Assert.Equal(same.GetProperty("return").GetDouble(), one.GetProperty("return").GetDouble());
        // Without the dual agent there is no ratio; the reproduce line keeps the subset and the first seed.
        Assert.Empty(part.RootElement.GetProperty("extra").GetProperty("ratios").EnumerateArray());
        string readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(part.RootElement.GetProperty("report").GetString())!, "README.md"));
        Assert.Contains("--seeds 1 --first-seed 1 --methods csac", readme);
    }

    [Fact]
    public async Task The_dual_agent_experiment_writes_its_table_curves_and_ratio()
    {
        using var json = await RunJsonAsync("experiment", "dual-agent", "--seeds", "1", "--quick", "--steps", "300", "--ppo-steps", "600", "--evaluate-every", "1",
            "--evaluation-episodes", "2", "--passes-in-a-row", "2");
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("results").GetArrayLength());
        var extra = root.GetProperty("extra");
        Assert.True(extra.GetProperty("baselineReturn").GetDouble() > 100, "the PD law balances the pole");
        Assert.Equal(3, extra.GetProperty("samples").GetArrayLength());
        var ratios = extra.GetProperty("ratios").EnumerateArray().ToList();
        Assert.Equal(["sac-lagrangian (scratch)", "ppo-lagrangian (scratch)"], ratios.Select(r => r.GetProperty("method").GetString()));
        // --ppo-steps gives the on-policy comparator its own budget.
        Assert.InRange(ratios[1].GetProperty("budget").GetInt64(), 600, 800);   // runs end at an episode end
        string folder = Path.GetDirectoryName(root.GetProperty("report").GetString())!;
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(folder, "evaluation-return.svg")));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(folder, "lifetime-regret.svg")));
        Assert.Contains("lifetime regret", File.ReadAllText(Path.Combine(folder, "README.md")));
        var multipliers = File.ReadAllLines(Path.Combine(folder, "multipliers.csv"));
        Assert.Equal("method,seed,episode,steps,cost,multiplier", multipliers[0]);
        Assert.Contains(multipliers, l => l.StartsWith("ppo-lagrangian (scratch),0,", StringComparison.Ordinal));
        Assert.Contains(multipliers, l => l.StartsWith("sac-lagrangian (scratch),0,", StringComparison.Ordinal));
        Assert.Contains(",outward_correction", File.ReadAllText(Path.Combine(folder, "dual-agent-trace.csv")));
        // The target rule is in the report's notes, the recorded command and the JSON.
        string readme = File.ReadAllText(Path.Combine(folder, "README.md"));
        Assert.Contains("2 deterministic evaluation episodes", readme);
        Assert.Contains("first of 2 consecutive evaluations", readme);
        Assert.Contains("--evaluation-episodes 2 --passes-in-a-row 2", readme);
        Assert.Equal(2, extra.GetProperty("evaluationEpisodes").GetInt32());
        Assert.Equal(2, extra.GetProperty("passesInARow").GetInt32());
        // A miss counts as its budget: the comparator's makes the ratio a lower bound, the dual agent's an upper one, both neither.
        bool dualMissed = extra.GetProperty("samples").EnumerateArray().Any(s => s.GetProperty("method").GetString() == "dual-agent (PD baseline)" && s.GetProperty("steps").ValueKind == JsonValueKind.Null);
        foreach (var r in ratios)
        {
            bool comparatorMissed = r.GetProperty("reached").GetInt32() < 1;
            Assert.Equal(comparatorMissed && !dualMissed, r.GetProperty("isLowerBound").GetBoolean());
            Assert.Equal(dualMissed && !comparatorMissed, r.GetProperty("isUpperBound").GetBoolean());
        }
    }

    [Fact]
    public async Task The_transfer_experiment_records_a_discounted_limit_and_its_default()
    {
        using var json = await RunJsonAsync("experiment", "transfer", "--pair", "navigation-hazard", "--seeds", "1", "--quick", "--steps", "80", "--pretrain-steps", "60", "--limit-scale", "discounted",
            "--deploy-deterministic-steps", "40", "--keep-pretrain-buffer");
        var extra = json.RootElement.GetProperty("extra");
        Assert.Equal("Discounted", extra.GetProperty("limitScale").GetString());
        Assert.Equal(0.1, extra.GetProperty("costLimit").GetDouble(), 3);
        Assert.Equal(40, extra.GetProperty("deployDeterministicSteps").GetInt64());
        Assert.True(extra.GetProperty("keepPretrainBuffer").GetBoolean());
    }

    private async Task<JsonDocument> RunJsonAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"offsafe {string.Join(' ', args)} exited {code}: {stderr}");
        return JsonDocument.Parse(stdout);
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var r = await OffsafeProcess.RunAsync(null, [.. args, "--store", _root], TimeSpan.FromSeconds(180));
        return (r.ExitCode, r.Stdout, r.Stderr);
    }
}
