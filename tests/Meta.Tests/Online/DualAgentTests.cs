using OfflineSafety.Envs;
using OfflineSafety.Envs.Controllers;
using OfflineSafety.Envs.Transfer;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

public class DualAgentTests
{
    [Theory]
    [InlineData(0.05, 0.9, 200)]
    [InlineData(0.1, 0.99, 50)]
    [InlineData(0.0, 0.5, 7)]
    public void Gamma_is_the_buffer_average_of_the_per_step_bound(double delta, double gbar, int horizon)
    {
        // Eq. 5: (1/T) sum_{k<T} (1 - delta)(1 - gbar^(T-k)) / (1 - gbar), summed directly.
        double sum = 0;
        for (int k = 0; k < horizon; k++) sum += (1 - delta) * (1 - Math.Pow(gbar, horizon - k)) / (1 - gbar);
        Assert.Equal(sum / horizon, SafetyBudget.Gamma(delta, gbar, horizon), 9);
    }

    [Fact]
    public void Gamma_has_the_papers_limits()
    {
        Assert.Equal(0.95, SafetyBudget.Gamma(0.05, 0.9, 1), 12);
        Assert.Equal(0.95 / (1 - 0.9), SafetyBudget.Gamma(0.05, 0.9, 1_000_000), tolerance: 1e-3);
        Assert.Equal(9.0725, SafetyBudget.Gamma(0.05, 0.9, 200), tolerance: 1e-6);
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetyBudget.Gamma(0.05, 1.0, 10));
    }

    [Fact]
    public void A_bootstrapped_Q_I_is_held_to_the_infinite_horizon_bound()
    {
        Assert.Equal(0.95 / (1 - 0.98), SafetyBudget.BootstrappedGamma(0.05, 0.98), 9);
        Assert.Equal(SafetyBudget.Gamma(0.05, 0.9, 1_000_000), SafetyBudget.BootstrappedGamma(0.05, 0.9), tolerance: 1e-3);
        // A policy that costs on a fixed share p of its steps has a bootstrapped Q_I of (1 - p) / (1 - gbar)
        // everywhere. The cart-pole PD law's p = 0.17 meets eq. 9's Gamma at T = 200 (it admits p up to
        // about 0.28) but not the bootstrapped budget, which admits p up to delta.
        double pd = (1 - 0.17) / (1 - 0.98);
        Assert.True(pd > SafetyBudget.Gamma(0.05, 0.98, 200));
        Assert.True(pd < SafetyBudget.BootstrappedGamma(0.05, 0.98));
        Assert.True((1 - 0.04) / (1 - 0.98) > SafetyBudget.BootstrappedGamma(0.05, 0.98));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetyBudget.BootstrappedGamma(1.0, 0.9));
    }

    [Fact]
    public void The_constraint_window_samples_only_the_most_recent_rows_across_the_ring()
    {
        var buffer = new ReplayBuffer(8, 1, 1);
        for (int i = 0; i < 11; i++) buffer.Add([i], [0f], 0f, 0f, false, false, [i]);   // rows 3..10 remain, 8..10 wrapped to slots 0..2
        var rows = new int[256];
        buffer.SampleRecentRows(rows, 4, new Xoshiro256StarStar(1));
        var seen = rows.Select(r => buffer.ObsRow(r)[0]).Distinct().Order().ToArray();
        Assert.Equal([7f, 8f, 9f, 10f], seen);
        buffer.SampleRecentRows(rows, 100, new Xoshiro256StarStar(2));
        Assert.Equal(8, rows.Select(r => buffer.ObsRow(r)[0]).Distinct().Count());
    }

    [Fact]
    public void The_indicator_target_counts_safe_steps_and_absorbs_at_episode_ends()
    {
        Assert.Equal(1f + 0.9f * 5f, SafetyBudget.IndicatorTarget(isUnsafe: false, terminal: false, 5f, 0.9f), 5);
        Assert.Equal(0.9f * 5f, SafetyBudget.IndicatorTarget(isUnsafe: true, terminal: false, 5f, 0.9f), 5);
        Assert.Equal(0f, SafetyBudget.IndicatorTarget(isUnsafe: true, terminal: true, 5f, 0.9f));
        Assert.Equal(10f, SafetyBudget.IndicatorTarget(isUnsafe: false, terminal: true, 5f, 0.9f), 4);
    }

    [Fact]
    public void The_default_is_the_measured_best_setting_and_Paper_is_the_papers_algorithm()
    {
        // docs/transfer.md: this setting reached the target on 10 of 10 seeds with fewer samples than SAC-L and PPO-L.
        var best = new DualAgentSettings();
        Assert.Equal((0.1f, SafeCriticInput.BaselineDeviation, 5_000, 10, 0.2f), (best.TrustRegion, best.CriticInput, best.DualWarmup, best.CriticSteps, best.CriticCutTolerance));
        var paper = DualAgentSettings.Paper;
        Assert.Equal((0f, SafeCriticInput.Action, 0, 1, 0f), (paper.TrustRegion, paper.CriticInput, paper.DualWarmup, paper.CriticSteps, paper.CriticCutTolerance));
        // Everything else is shared: the paper's delta, gbar, eta_lambda, whole-buffer dual step and 50/50 acting.
        Assert.Equal(best, paper with { TrustRegion = 0.1f, CriticInput = SafeCriticInput.BaselineDeviation, DualWarmup = 5_000, CriticSteps = 10, CriticCutTolerance = 0.2f });
        Assert.Equal((0.05f, 1e-3f, 0, 0.5f), (paper.Delta, paper.MultiplierLearningRate, paper.ConstraintWindow, paper.BaselineShare));
    }

    [Fact]
    public void The_dual_step_ascends_on_the_shortfall_and_is_clipped_at_zero()
    {
        var lambda = new ProjectedMultiplier(0.001f);
        Assert.Equal(0f, lambda.Value);
        lambda.Ascend(9f - 7f);                 // Qbar = 7 below Gamma = 9: lambda rises by eta * 2
        Assert.Equal(0.002f, lambda.Value, 6);
        lambda.Ascend(9f - 10f);                // Qbar above Gamma: it falls ...
        Assert.Equal(0.001f, lambda.Value, 6);
        lambda.Ascend(9f - 100f);               // ... but never below zero
        Assert.Equal(0f, lambda.Value);
        Assert.Equal(0f, new ProjectedMultiplier(0.1f, -3f).Value);
    }

    [Fact]
    public void The_safe_agent_raises_lambda_only_when_its_steps_cost()
    {
        Assert.True(LambdaAfter(isUnsafe: true) > 0f);
        Assert.Equal(0f, LambdaAfter(isUnsafe: false));
    }

    [Fact]
    public void A_fixed_baseline_run_never_steps_the_baselines_optimiser()
    {
        var env = CartPole(3);
        var n = Normalization.Identity(4, 1);
        var actor = new DeterministicActor(4, 1, [8], new Xoshiro256StarStar(4));
        var frozen = new FrozenActorBaseline(actor, n, "frozen");
        var before = actor.Network.Parameters.Select(p => p.Data.ToArray()).ToArray();
        var runner = new OnlineRunner(env, new OnlineStart(null, null, null) { Baseline = frozen }, Options(OnlineAlgorithm.DualAgent, 4));
        var result = runner.Run();

        var method = Assert.IsType<DualAgentMethod>(runner.Method);
        Assert.Same(frozen, method.Baseline);
        Assert.False(frozen.Learnable);
        Assert.Equal(0, frozen.Updates);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], actor.Network.Parameters[i].Data.ToArray());
        Assert.True(result.Steps > 16);
        Assert.True(float.IsFinite(method.Safe.LastMeanQ), "the safe agent learned");
        // And the only optimiser entry point refuses: a fixed baseline has none.
        Assert.Throws<InvalidOperationException>(() => frozen.Learn(new SacBatch(1, 4, 1), new Xoshiro256StarStar(1)));
    }

    [Fact]
    public void A_trust_region_run_acts_within_rho_of_the_pd_law()
    {
        const float rho = 0.1f;
        var box = new SquashedActionBox([-1f], [1f]);
        var pd = new ControllerBaseline(new CartPolePdController(), box);
        var options = Options(OnlineAlgorithm.DualAgent, 4) with { DualAgent = DualAgentSettings.Paper with { TrustRegion = rho, MultiplierLearningRate = 0.1f } };
        var runner = new OnlineRunner(CartPole(6), new OnlineStart(null, null, null) { Baseline = pd }, options);
        var result = runner.Run();
        var method = Assert.IsType<DualAgentMethod>(runner.Method);
        Assert.True(method.Safe.Residual);
        Assert.True(result.Steps > 16);
        Assert.True(float.IsFinite(method.Safe.LastMeanQ), "the safe agent learned");
        float[] a = new float[1], u = new float[1];
        var random = new Xoshiro256StarStar(2);
        foreach (float x in new[] { -0.3f, 0f, 0.25f })
            foreach (float theta in new[] { -0.1f, 0f, 0.05f })
            {
                float[] obs = [x, 0.2f, theta, -0.1f];
                method.Exploit(runner.TaskPolicy, obs, a, random);
                pd.Act(obs, u);
                Assert.InRange(a[0] - u[0], -rho - 1e-5f, rho + 1e-5f);   // the box is [-1, 1]: squashed and raw units agree
            }
    }

    [Fact]
    public void A_td3_baseline_learns_alongside_and_the_controller_baseline_acts_in_squashed_units()
    {
        var runner = new OnlineRunner(CartPole(5), new OnlineStart(null, null, null), Options(OnlineAlgorithm.DualAgent, 3));
        runner.Run();
        var td3 = Assert.IsType<Td3Baseline>(((DualAgentMethod)runner.Method).Baseline);
        Assert.True(td3.Updates > 0);

        var controller = new ControllerBaseline(new CartPolePdController(), new SquashedActionBox([-2f], [2f]));
        var u = new float[1];
        controller.Act([0f, 0.1f, 0f, 0f], u);   // a = 4 * 0.1 = 0.4 of a [-2, 2] box is u = 0.2
        Assert.Equal(0.2f, u[0], 5);
    }

    [Fact]
    public void A_saved_baseline_reads_back_and_bad_files_are_user_errors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"baseline-{Guid.NewGuid():N}.safetensors");
        try
        {
            var actor = new DeterministicActor(4, 1, [8, 8], new Xoshiro256StarStar(9));
            var n = Normalization.Identity(4, 1) with { ObsMean = [1f, 2f, 3f, 4f], ObsStd = [2f, 2f, 2f, 2f] };
            BaselineFile.Save(path, actor, n);
            var loaded = BaselineFile.Load(path, 4, 1);
            Assert.Equal(n.ObsMean, loaded.Observations.ObsMean);
            float[] a = new float[1], b = new float[1];
            new FrozenActorBaseline(actor, n, "x").Act([0.5f, -0.2f, 0.1f, 0f], a);
            loaded.Act([0.5f, -0.2f, 0.1f, 0f], b);
            Assert.Equal(a[0], b[0]);
            Assert.Throws<BadInputException>(() => BaselineFile.Load(path, 2, 2));
            Assert.Throws<BadInputException>(() => BaselineFile.Load(path + ".missing", 4, 1));
            File.WriteAllText(path, "not a safetensors file");
            Assert.Throws<BadInputException>(() => BaselineFile.Load(path, 4, 1));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Every_run_reports_its_lifetime_regret_as_the_sum_of_episode_costs()
    {
        var result = new OnlineRunner(CartPole(7), new OnlineStart(null, null, null), Options(OnlineAlgorithm.Unconstrained, 3)).Run();
        Assert.Equal(result.Episodes.Sum(e => e.Cost), result.LifetimeRegret);
        Assert.True(result.LifetimeRegret > 0, "the tight hazard zone costs while SAC is untrained");
        Assert.Equal(result.Steps, result.Episodes[^1].CumulativeSteps);
    }

    [Theory]
    [InlineData(0f, 1f, 0.2f, 0.2f)]
    [InlineData(0f, -1f, 0.2f, -0.2f)]
    [InlineData(0.95f, 1f, 0.2f, 1f)]      // clipped to the action box, still within rho
    [InlineData(-1f, -0.5f, 0.2f, -1f)]
    [InlineData(0.3f, 0.5f, 0.2f, 0.4f)]
    public void The_trust_region_action_is_the_baseline_plus_a_bounded_residual(float baseline, float residual, float rho, float expected) =>
        Assert.Equal(expected, SafeCorrection.TrustRegionAction(baseline, residual, rho), 5);

    [Fact]
    public void A_trust_region_keeps_the_safe_agent_within_rho_of_the_baseline_however_hard_lambda_pulls()
    {
        const float rho = 0.2f;
        var sac = new SacSettings { Hidden = [8], BatchSize = 8 };
        var safe = new SafeCorrection(2, 1, sac, DualAgentSettings.Paper with { MultiplierLearningRate = 1f, GammaSafe = 0.5f, TrustRegion = rho }, new Xoshiro256StarStar(3));
        Assert.True(safe.Residual);
        var buffer = new ReplayBuffer(8, 2, 1);
        for (int i = 0; i < 8; i++) buffer.Add([i, 0f], [i % 2 == 0 ? 1f : -1f], 0f, i % 2 == 0 ? 1f : 0f, i % 2 == 0, terminal: true, [i, 0f]);
        var batch = new SacBatch(8, 2, 1);
        for (int i = 0; i < 8; i++) { batch.Rows[i] = i; batch.Obs[2 * i] = batch.NextObs[2 * i] = i / 8f; batch.Action[i] = i % 2 == 0 ? 1f : -1f; }
        float[] baseline = [0.9f, -0.9f, 0.5f, -0.5f, 0f, 0.1f, -1f, 1f];
        for (int k = 0; k < 300; k++) safe.Update(batch, buffer, baseline, baseline);
        Assert.True(safe.Lambda > 1f, $"the constraint pulls hard (lambda {safe.Lambda})");
        Assert.True(safe.LastDistance <= rho * rho + 1e-6f, $"D {safe.LastDistance} within rho^2");
        var u = new float[1];
        foreach (float s in new[] { -3f, 0f, 0.5f, 2f })
            foreach (float b in baseline)
            {
                safe.Act([s, 0f], [b], u);
                Assert.InRange(u[0], -1f, 1f);
                Assert.InRange(u[0] - b, -rho - 1e-6f, rho + 1e-6f);
            }
    }

    [Fact]
    public void The_baseline_noise_applies_to_the_baselines_steps_only()
    {
        var pd = new ControllerBaseline(new CartPolePdController(), new SquashedActionBox([-1f], [1f]));
        float[] obs = [0.1f, 0.05f, -0.2f, 0.3f], a = new float[1], expected = new float[1];
        var random = new Xoshiro256StarStar(4);
        // Baseline's steps only, no noise there, loud noise on the safe agent's: the action is exactly the PD law's.
        var baselineOnly = Method(DualAgentSettings.Paper with { BaselineShare = 1f, BaselineNoise = 0f, ExplorationNoise = 0.5f }, pd);
        pd.Act(obs, expected);
        for (int k = 0; k < 20; k++) { baselineOnly.Propose(null!, obs, a, random); Assert.Equal(expected[0], a[0]); }
        // Safe agent's steps only, loud noise on the baseline's: the action is exactly the safe agent's.
        var safeOnly = Method(DualAgentSettings.Paper with { BaselineShare = 0f, BaselineNoise = 0.5f, ExplorationNoise = 0f }, pd);
        safeOnly.Exploit(null!, obs, expected, random);
        for (int k = 0; k < 20; k++) { safeOnly.Propose(null!, obs, a, random); Assert.Equal(expected[0], a[0]); }
        // And the noise on the baseline's steps is its own sigma.
        var noisy = Method(DualAgentSettings.Paper with { BaselineShare = 1f, BaselineNoise = 0.3f, ExplorationNoise = 0f }, pd);
        pd.Act(obs, expected);
        double sum = 0;
        for (int k = 0; k < 2000; k++) { noisy.Propose(null!, obs, a, random); sum += (a[0] - expected[0]) * (a[0] - expected[0]); }
        Assert.InRange(Math.Sqrt(sum / 2000), 0.27, 0.33);
    }

    [Fact]
    public void With_the_deviation_input_Q_I_reads_only_how_far_the_action_is_from_the_baseline()
    {
        // With a trust region pi_S = pi_B + rho tanh f(s), so shifting the logged and the baseline's actions by the same
        // constant shifts every action Q_I reads and leaves every deviation a - pi_B as it was: the deviation critic, and
        // with it Qbar, lambda and D, must not move; the paper's critic, reading a itself, does.
        float[] Run(SafeCriticInput input, float shift)
        {
            var sac = new SacSettings { Hidden = [8], BatchSize = 8 };
            var safe = new SafeCorrection(2, 1, sac, DualAgentSettings.Paper with { MultiplierLearningRate = 0.5f, GammaSafe = 0.5f, TrustRegion = 0.1f, CriticInput = input },
                new Xoshiro256StarStar(3));
            Assert.True(safe.ReadsBaselineEverywhere);
            var buffer = new ReplayBuffer(8, 2, 1);
            var batch = new SacBatch(8, 2, 1);
            float[] baseline = new float[8], next = new float[8];
            for (int i = 0; i < 8; i++)
            {
                float action = (i % 3 - 1) * 0.2f + shift;
                buffer.Add([i / 8f, 0f], [action], 0f, i % 2, i % 2 == 1, terminal: false, [(i + 1) / 8f, 0f]);
                batch.Rows[i] = i;
                batch.Obs[2 * i] = i / 8f;
                batch.NextObs[2 * i] = (i + 1) / 8f;
                batch.Action[i] = action;
                baseline[i] = 0.3f * (i / 8f) - 0.1f + shift;
                next[i] = 0.3f * ((i + 1) / 8f) - 0.1f + shift;
            }
            for (int k = 0; k < 50; k++) safe.Update(batch, buffer, baseline, next);
            return [safe.LastMeanQ, safe.Lambda, safe.LastDistance];
        }
        var plain = Run(SafeCriticInput.BaselineDeviation, 0f);
        var shifted = Run(SafeCriticInput.BaselineDeviation, 0.3f);
        for (int i = 0; i < 3; i++) Assert.Equal(plain[i], shifted[i], 3);
        Assert.True(plain[1] > 0, "the constraint bit: the comparison is not of two idle runs");
        Assert.NotEqual(Run(SafeCriticInput.Action, 0f)[0], Run(SafeCriticInput.Action, 0.3f)[0]);
    }

    [Fact]
    public void A_deviation_critic_runs_with_a_constraint_window_and_no_trust_region()
    {
        var pd = new ControllerBaseline(new CartPolePdController(), new SquashedActionBox([-1f], [1f]));
        var settings = DualAgentSettings.Paper with { CriticInput = SafeCriticInput.BaselineDeviation, ConstraintWindow = 64, BaselineNoise = 0.3f };
        var runner = new OnlineRunner(CartPole(8), new OnlineStart(null, null, null) { Baseline = pd }, Options(OnlineAlgorithm.DualAgent, 3) with { DualAgent = settings });
        var result = runner.Run();
        var method = Assert.IsType<DualAgentMethod>(runner.Method);
        Assert.False(method.Safe.Residual);
        Assert.True(method.Safe.ReadsBaselineEverywhere);
        Assert.True(result.Steps > 16);
        Assert.True(float.IsFinite(method.Safe.LastMeanQ), "the safe agent learned");
        // The correction is what the safe agent adds to the PD law.
        float[] obs = [0.25f, 0f, 0f, 0f], a = new float[1], u = new float[1], correction = new float[1];
        method.Exploit(runner.TaskPolicy, obs, a, new Xoshiro256StarStar(1));
        pd.Act(obs, u);
        method.Correction(obs, correction);
        Assert.Equal(a[0] - u[0], correction[0], 6);
    }

    [Fact]
    public void An_n_step_Q_I_target_follows_the_episode_and_stops_at_its_end()
    {
        const float g = 0.5f;
        var buffer = new ReplayBuffer(16, 1, 1);
        // Episode A: states 0 -> 1 -> 2 -> 3 -> 4, the step into 2 unsafe; then episode B starts at 10 (a reset) and ends
        // terminal after one violation.
        float[] unsafeA = [0f, 1f, 0f, 0f];
        for (int t = 0; t < 4; t++) buffer.Add([t], [0f], 0f, unsafeA[t], unsafeA[t] > 0, false, [t + 1]);
        buffer.Add([10f], [0f], 0f, 0f, false, false, [11f]);
        buffer.Add([11f], [0f], 0f, 1f, true, terminal: true, [12f]);
        Assert.Equal(1, buffer.Successor(0));
        Assert.Equal(-1, buffer.Successor(5));   // the newest row

        var lookahead = new MultiStepLookahead(3, g, 4, 1);
        var batch = new SacBatch(4, 1, 1);
        batch.Rows[0] = 0;   // 3 steps: I = 1, 0, then bootstrap at row 2's s' = 3
        batch.Rows[1] = 2;   // rows 2, 3, then row 4 does not continue (reset to 10): bootstrap at row 3's s' = 4
        batch.Rows[2] = 4;   // row 4 safe, row 5 a terminal violation: the future after it is 0
        batch.Rows[3] = 5;   // the newest row, terminal: one step
        lookahead.Fill(batch, buffer, Normalization.Identity(1, 1));

        Assert.Equal(2, lookahead.EndRow(0));
        Assert.Equal(3f, lookahead.NextObs[0]);
        Assert.Equal(1f + g * 0f + g * g * (1f + g * 7f), lookahead.Target(0, buffer, 7f), 5);
        Assert.Equal(3, lookahead.EndRow(1));
        Assert.Equal(4f, lookahead.NextObs[1]);
        Assert.Equal(1f + g * (1f + g * 7f), lookahead.Target(1, buffer, 7f), 5);
        Assert.Equal(5, lookahead.EndRow(2));
        Assert.Equal(1f + g * 0f, lookahead.Target(2, buffer, 7f), 5);
        Assert.Equal(5, lookahead.EndRow(3));
        Assert.Equal(SafetyBudget.IndicatorTarget(true, true, 7f, g), lookahead.Target(3, buffer, 7f));
        // n = 1 is the paper's one-step target.
        var one = new MultiStepLookahead(1, g, 4, 1);
        one.Fill(batch, buffer, Normalization.Identity(1, 1));
        for (int i = 0; i < 4; i++)
        {
            int row = batch.Rows[i];
            Assert.Equal(row, one.EndRow(i));
            Assert.Equal(SafetyBudget.IndicatorTarget(buffer.Unsafe(row) > 0, buffer.Terminal(row) > 0, 7f, g), one.Target(i, buffer, 7f));
        }
    }

    [Fact]
    public void A_cut_n_step_Q_I_target_stops_before_the_first_logged_action_that_departs_from_pi_S()
    {
        const float g = 0.5f, q = 7f;
        var buffer = new ReplayBuffer(16, 1, 1);
        // One episode, states 0 -> 1 -> ... -> 5; the step from 1 is unsafe; logged actions 0, 0.1, 0.5, 0, 0.
        float[] unsafeFlags = [0f, 1f, 0f, 0f, 0f], logged = [0f, 0.1f, 0.5f, 0f, 0f];
        for (int t = 0; t < 5; t++) buffer.Add([t], [logged[t]], 0f, unsafeFlags[t], unsafeFlags[t] > 0, false, [t + 1]);
        var box = new SquashedActionBox([-1f], [1f]);   // squashed = environment units
        var lookahead = new MultiStepLookahead(4, g, 3, 1, 1, cutTolerance: 0.2f);
        Assert.True(lookahead.Cuts);
        Assert.Equal(3, lookahead.Span);
        var batch = new SacBatch(3, 1, 1);
        batch.Rows[0] = 0;   // follows rows 1, 2, 3
        batch.Rows[1] = 2;   // follows rows 3, 4 (row 4 is the newest)
        batch.Rows[2] = 1;   // follows rows 2, 3, 4
        lookahead.Fill(batch, buffer, Normalization.Identity(1, 1));
        Assert.Equal([1f, 2f, 3f, 3f, 4f, 0f, 2f, 3f, 4f], lookahead.ChainObs);   // s_{t+k} per slot; unfollowed slots 0
        Assert.Equal([3, 2, 3], new[] { lookahead.ChainLength(0), lookahead.ChainLength(1), lookahead.ChainLength(2) });

        // pi_S' at the followed states, slot by slot.
        float[] policy =
        [
            0f, 0f, 0f,       // row 1 logged 0.1: within 0.2, kept; row 2 logged 0.5: departs, cut there
            0f, 0f, 0f,       // rows 3, 4 logged 0: kept (row 2's own 0.5 is a_t, which Q_I(s_t, a_t) is conditioned on)
            0.4f, 0f, 0.5f,   // row 2: 0.5 vs 0.4 kept; row 3 kept; row 4: 0 vs 0.5 departs
        ];
        lookahead.Cut(batch, buffer, Normalization.Identity(1, 1), policy, box);

        // Batch row 0: m = 1, I_0 + g (I_1 + g Q') = 1 + 0.5 (0 + 0.5 * 7) = 2.75, bootstrapping at row 1's s' = 2.
        Assert.Equal(1, lookahead.EndRow(0));
        Assert.Equal(2f, lookahead.NextObs[0]);
        Assert.Equal(2.75f, lookahead.Target(0, buffer, q), 5);
        // Batch row 1: m = 2, I_2 + g I_3 + g^2 (I_4 + g Q') = 1 + 0.5 + 0.25 (1 + 3.5) = 2.625, at row 4's s' = 5.
        Assert.Equal(4, lookahead.EndRow(1));
        Assert.Equal(5f, lookahead.NextObs[1]);
        Assert.Equal(2.625f, lookahead.Target(1, buffer, q), 5);
        // Batch row 2: m = 2, I_1 + g I_2 + g^2 (I_3 + g Q') = 0 + 0.5 + 0.25 (1 + 3.5) = 1.625, at row 3's s' = 4.
        Assert.Equal(3, lookahead.EndRow(2));
        Assert.Equal(4f, lookahead.NextObs[2]);
        Assert.Equal(1.625f, lookahead.Target(2, buffer, q), 5);

        // Uncut, batch row 0 would run to row 3: 1 + 0 + 0.25 + 0.125 (1 + 3.5) = 1.8125.
        var uncut = new MultiStepLookahead(4, g, 3, 1, 1);
        Assert.False(uncut.Cuts);
        uncut.Fill(batch, buffer, Normalization.Identity(1, 1));
        Assert.Equal(3, uncut.EndRow(0));
        Assert.Equal(1.8125f, uncut.Target(0, buffer, q), 5);
        // "More than the tolerance" departs; equal to it does not.
        Assert.True(MultiStepLookahead.Within([0.25f], [0f], 0.25f));
        Assert.False(MultiStepLookahead.Within([0f, 0.3f], [0f, 0f], 0.25f));
    }

    [Fact]
    public void A_run_with_cut_n_step_targets_learns_without_allocating_per_update()
    {
        var pd = new ControllerBaseline(new CartPolePdController(), new SquashedActionBox([-1f], [1f]));
        var settings = DualAgentSettings.Paper with { CriticSteps = 5, CriticCutTolerance = 0.2f, TrustRegion = 0.1f, CriticInput = SafeCriticInput.BaselineDeviation };
        var runner = new OnlineRunner(CartPole(10), new OnlineStart(null, null, null) { Baseline = pd }, Options(OnlineAlgorithm.DualAgent, 3) with { DualAgent = settings });
        var result = runner.Run();
        var method = Assert.IsType<DualAgentMethod>(runner.Method);
        Assert.True(result.Steps > 16);
        Assert.True(float.IsFinite(method.Safe.LastMeanQ), "the safe agent learned");

        // Further updates on the run's buffer: the cut's pi_S' evaluation and the traces reuse their storage.
        var batch = new SacBatch(16, 4, 1);
        var random = new Xoshiro256StarStar(3);
        for (int i = 0; i < 5; i++)
        {
            runner.TaskBuffer.SampleRows(batch.Rows, random);
            method.UpdateTaskPolicy(runner.TaskPolicy, batch, runner.TaskBuffer, random);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            runner.TaskBuffer.SampleRows(batch.Rows, random);
            method.UpdateTaskPolicy(runner.TaskPolicy, batch, runner.TaskBuffer, random);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_run_with_n_step_targets_and_a_faster_target_rate_learns()
    {
        var pd = new ControllerBaseline(new CartPolePdController(), new SquashedActionBox([-1f], [1f]));
        var settings = DualAgentSettings.Paper with { CriticSteps = 5, CriticTargetRate = 0.05f, TrustRegion = 0.1f };
        var runner = new OnlineRunner(CartPole(10), new OnlineStart(null, null, null) { Baseline = pd }, Options(OnlineAlgorithm.DualAgent, 3) with { DualAgent = settings });
        var result = runner.Run();
        var method = Assert.IsType<DualAgentMethod>(runner.Method);
        Assert.Equal(0.05f, method.Safe.TargetRate);
        Assert.True(result.Steps > 16);
        Assert.True(float.IsFinite(method.Safe.LastMeanQ), "the safe agent learned");
    }

    [Fact]
    public void On_the_hazard_cart_pole_the_safe_correction_pushes_outwards_not_towards_the_centre()
    {
        // The fact behind the dual agent's first, wrong correction (docs/transfer.md): a balancing controller moves the
        // cart back by first tilting the pole towards the centre, i.e. by pushing the cart further out. A stronger
        // position gain (kx 0.15) costs less than the PD law's 0.05; a push towards the centre (kx -0.05, or a
        // constant 0.1 inwards) drives the cart into the hazard.
        double pd = CostPerStep(new CartPolePdController(), 0f), stronger = CostPerStep(new CartPolePdController(Kx: 0.15f), 0f);
        double weaker = CostPerStep(new CartPolePdController(Kx: -0.05f), 0f), inwards = CostPerStep(new CartPolePdController(), -0.1f);
        Assert.True(stronger < pd && pd < weaker && weaker < inwards, $"cost per step: kx 0.15 {stronger:0.000}, PD {pd:0.000}, kx -0.05 {weaker:0.000}, inwards {inwards:0.000}");
        Assert.True(stronger < 0.1 && inwards > 0.8, $"kx 0.15 {stronger:0.000}, inwards {inwards:0.000}");
    }

    private static double CostPerStep(CartPolePdController controller, float towardsOutside)
    {
        var env = CartPole(99);
        double cost = 0;
        long steps = 0;
        float[] obs = new float[4], a = new float[1];
        for (int e = 0; e < 20; e++)
        {
            (e == 0 ? env.Reset(12345) : env.Reset()).CopyTo(obs);
            while (true)
            {
                controller.Act(obs, a);
                a[0] = Math.Clamp(a[0] + towardsOutside * Math.Sign(obs[0]), -1f, 1f);
                var r = env.Step(a);
                cost += r.Cost;
                steps++;
                if (r.Terminal || r.Truncated) break;
                r.Observation.CopyTo(obs);
            }
        }
        return cost / steps;
    }

    private static DualAgentMethod Method(DualAgentSettings settings, FixedBaseline baseline) =>
        Assert.IsType<DualAgentMethod>(new OnlineRunner(CartPole(9), new OnlineStart(null, null, null) { Baseline = baseline },
            Options(OnlineAlgorithm.DualAgent, 1) with { DualAgent = settings }).Method);

    private static float LambdaAfter(bool isUnsafe)
    {
        var sac = new SacSettings { Hidden = [8], BatchSize = 8 };
        var safe = new SafeCorrection(2, 1, sac, DualAgentSettings.Paper with { MultiplierLearningRate = 0.01f, GammaSafe = 0.5f }, new Xoshiro256StarStar(3));
        var buffer = new ReplayBuffer(8, 2, 1);
        // Terminal rows: Q_I's target is 0 after a violation and the all-safe 1 / (1 - gbar) otherwise.
        for (int i = 0; i < 8; i++) buffer.Add([i, 0f], [0f], 0f, isUnsafe ? 1f : 0f, isUnsafe, terminal: true, [i, 0f]);
        var batch = new SacBatch(8, 2, 1);
        for (int i = 0; i < 8; i++) { batch.Rows[i] = i; batch.Obs[2 * i] = batch.NextObs[2 * i] = i / 8f; }
        var baseline = new float[8];
        for (int k = 0; k < 300; k++) safe.Update(batch, buffer, baseline, baseline);
        return safe.Lambda;
    }

    internal static ISafetyEnvironment CartPole(ulong seed) => StakesPairs.Get("cartpole-hazard").CreateHighStakes(seed);

    internal static OnlineRunOptions Options(OnlineAlgorithm algorithm, int episodes) =>
        new(algorithm, episodes, 5, $"test-{algorithm.Name()}") { Sac = new SacSettings { Hidden = [16, 16], BatchSize = 16 } };
}
