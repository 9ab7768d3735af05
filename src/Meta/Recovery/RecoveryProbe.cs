using OfflineSafety.Envs;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Recovery;

/// <summary>How many near-violation states a recovery policy kept from violating, beside a random held action.</summary>
/// <param name="States">Logged near-violation states probed.</param>
/// <param name="PolicyKept">States from which the recovery policy, acting closed-loop, had no violation within the horizon.</param>
/// <param name="RandomKept">The same for one uniformly drawn action held for the horizon (what a restart does).</param>
public sealed record RecoveryProbeResult(int States, int Horizon, int PolicyKept, int RandomKept)
{
    /// <summary>The recovery action at the probed states (its first step): mean |a| on the box scaled to [-1, 1].</summary>
    public double MeanAbsAction { get; init; }

    /// <summary>The share of those action components within 5% of the box's edge (a bang-bang action).</summary>
    public double SaturatedFraction { get; init; }
}

/// <summary>
/// Asks directly whether a recovery policy saves falls, without the switch or a task policy: the
/// simulator is restored to logged near-violation states (<see cref="ISafetyEnvironment.ResetTo"/>)
/// and the recovery policy acts alone for a horizon. Online counts mix what the policy saves with
/// when the switch hands it control and how the interventions shift the task policy's learning;
/// this separates the first.
/// </summary>
public static class RecoveryProbe
{
    public static RecoveryProbeResult Run(ISafetyEnvironment env, TransitionBatch logged, IReadOnlyList<int> states, RecoveryPolicy policy,
        int horizon, Xoshiro256StarStar random, CancellationToken ct = default) =>
        Run(env, logged, states, new RecoveryActor(policy), horizon, random, ct);

    /// <summary>The same probe for any recovery actor (the margin recovery agent's deterministic action).</summary>
    public static RecoveryProbeResult Run(ISafetyEnvironment env, TransitionBatch logged, IReadOnlyList<int> states, IRecoveryActor actor,
        int horizon, Xoshiro256StarStar random, CancellationToken ct = default)
    {
        int od = logged.ObsDim, ad = logged.ActDim;
        var obs = new float[od];
        var action = new float[ad];
        var low = env.ActionSpace.Low;
        var high = env.ActionSpace.High;
        int policyKept = 0, randomKept = 0, saturated = 0;
        double absAction = 0;
        foreach (int row in states)
        {
            ct.ThrowIfCancellationRequested();
            actor.Act(logged.ObsRow(row), action);
            for (int d = 0; d < ad; d++)
            {
                double u = Math.Abs((2.0 * action[d] - low[d] - high[d]) / (high[d] - low[d]));
                absAction += u;
                if (u > 0.95) saturated++;
            }
            if (Survives(env, logged.ObsRow(row), obs, action, horizon, o => actor.Act(o, action))) policyKept++;
            for (int d = 0; d < ad; d++) action[d] = random.Uniform(low[d], high[d]);
            if (Survives(env, logged.ObsRow(row), obs, action, horizon, null)) randomKept++;
        }
        int components = Math.Max(1, states.Count * ad);
        return new RecoveryProbeResult(states.Count, horizon, policyKept, randomKept)
        {
            MeanAbsAction = absAction / components,
            SaturatedFraction = (double)saturated / components,
        };
    }

    private delegate void Act(ReadOnlySpan<float> obs);

    private static bool Survives(ISafetyEnvironment env, ReadOnlySpan<float> state, float[] obs, float[] action, int horizon, Act? act)
    {
        env.ResetTo(state).CopyTo(obs);
        for (int step = 0; step < horizon; step++)
        {
            act?.Invoke(obs);
            var result = env.Step(action);
            if (result.Unsafe) return false;
            if (result.Terminal || result.Truncated) return true;
            result.Observation.CopyTo(obs);
        }
        return true;
    }
}

/// <summary>
/// How a critic scores actions on the probe's near-violation states (means over states): at the
/// recovery policy's action, and over uniform actions (their mean and minimum); <paramref name="FlatFraction"/>
/// is the share of states where the uniform actions' scores span less than 0.05, i.e. where the
/// critic offers the recovery policy no action to prefer.
/// </summary>
public sealed record CriticActionProbeResult(int States, double AtPolicy, double UniformMean, double UniformMin, double FlatFraction);

/// <summary>Reads a critic's action surface on probe states (a diagnostic: no simulator, nothing trained).</summary>
public static class CriticActionProbe
{
    public static CriticActionProbeResult Run(SafetyCritic critic, TransitionBatch logged, IReadOnlyList<int> states, RecoveryPolicy policy,
        ReadOnlySpan<float> low, ReadOnlySpan<float> high, int samples, Xoshiro256StarStar random)
    {
        var actor = new RecoveryActor(policy);
        int od = logged.ObsDim, ad = logged.ActDim;
        var obs = new float[samples * od];
        var actions = new float[samples * ad];
        var risk = new float[samples];
        double atPolicy = 0, uniformMean = 0, uniformMin = 0;
        int flat = 0;
        foreach (int row in states)
        {
            var state = logged.ObsRow(row);
            actor.Act(state, actions.AsSpan(0, ad));
            critic.Score(state, actions.AsSpan(0, ad), 1, risk);
            atPolicy += risk[0];
            for (int k = 0; k < samples; k++)
            {
                state.CopyTo(obs.AsSpan(k * od, od));
                for (int d = 0; d < ad; d++) actions[k * ad + d] = random.Uniform(low[d], high[d]);
            }
            critic.Score(obs, actions, samples, risk);
            float min = risk.Min(), max = risk.Max();
            uniformMean += risk.Average();
            uniformMin += min;
            if (max - min < 0.05f) flat++;
        }
        int n = Math.Max(1, states.Count);
        return new CriticActionProbeResult(states.Count, atPolicy / n, uniformMean / n, uniformMin / n, (double)flat / n);
    }
}
