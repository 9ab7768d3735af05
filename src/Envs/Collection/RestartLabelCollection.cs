using OfflineSafety.Envs.Variants;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Collection;

/// <summary>
/// Adds "recoverability restarts" to another collection's rows: from logged states that precede
/// a violation within <see cref="Horizon"/> steps, the simulator is restored
/// (<see cref="ISafetyEnvironment.ResetTo"/>) and stepped again with <see cref="ActionsPerState"/>
/// sampled actions, each held until the first violation or for <see cref="Horizon"/> steps. The
/// logged rows show one action per state, so a critic fitted to them learns risk as a function of
/// the state (on Ant, the torso height) and is flat in the action exactly where a recovery policy
/// needs a gradient (docs/meta.md, Ant-Disabled diagnosis); the restarts put several actions and
/// their consequences at the same near-violation states. Each restart is its own episode (source
/// "restart"), appended after the inner collection's rows, which stay unchanged; its last row is
/// marked truncated where the horizon, not a violation or the environment, ended it. Which states
/// restart, and the actions, depend only on the inner rows and the policy seed.
/// </summary>
/// <param name="StateStride">Restart k = 1, 1 + stride, ... steps before each first violation (k = 1: the state the violating step left).</param>
public sealed class RestartLabelCollection(IVariantCollection inner, int actionsPerState, int horizon = 25, int stateStride = 4) : IVariantCollection
{
    public const string Source = "restart";

    public IVariantCollection Inner { get; } = inner;
    public int ActionsPerState { get; } = actionsPerState > 0 ? actionsPerState : throw new ArgumentOutOfRangeException(nameof(actionsPerState));
    public int Horizon { get; } = horizon > 0 ? horizon : throw new ArgumentOutOfRangeException(nameof(horizon));
    public int StateStride { get; } = stateStride > 0 ? stateStride : throw new ArgumentOutOfRangeException(nameof(stateStride));

    public string Name => $"{Inner.Name}+restart{ActionsPerState}h{Horizon}";

    /// <summary>Writes the inner collection's rows, then the restarts' (so more than <paramref name="transitions"/> rows in all).</summary>
    public RecordingSummary Collect(EnvironmentDefinition environment, DynamicsVariant variant, ulong environmentSeed, ulong policySeed,
        ITransitionSink sink, int transitions, long firstEpisodeId, Action<int>? progress, CancellationToken ct)
    {
        var logged = new TransitionCollector(environment.ObservationSpace.Dim, environment.ActionSpace.Dim, transitions);
        var summary = Inner.Collect(environment, variant, environmentSeed, policySeed, new Tee(logged, sink), transitions, firstEpisodeId, progress, ct);
        var env = environment.CreateForCollection(variant, environmentSeed);
        var random = new Xoshiro256StarStar(Xoshiro256StarStar.DeriveSeed(policySeed, SeedStream, 0));
        var restarts = Restart(env, logged.Batch, random, summary.NextEpisodeId, ct);
        if (restarts.Count > 0) sink.Write(restarts);
        int violations = 0, violating = 0;
        for (int i = 0; i < restarts.Count; i++)
            if (restarts.Unsafe[i]) { violations++; violating++; } // a restart ends at its first violation
        return summary with
        {
            Rows = summary.Rows + restarts.Count,
            Episodes = summary.Episodes + Episodes(restarts),
            Violations = summary.Violations + violations,
            ViolatingEpisodes = summary.ViolatingEpisodes + violating,
            NextEpisodeId = summary.NextEpisodeId + Episodes(restarts),
        };
    }

    // "rest" in ASCII: the restarts' action draws are their own stream of the policy seed.
    private const ulong SeedStream = 0x72657374;

    /// <summary>The restart rows for <paramref name="logged"/>, episode ids from <paramref name="firstEpisodeId"/>.</summary>
    public TransitionBatch Restart(ISafetyEnvironment env, TransitionBatch logged, Xoshiro256StarStar random, long firstEpisodeId, CancellationToken ct = default)
    {
        int od = logged.ObsDim, ad = logged.ActDim;
        var states = RestartStates(logged);
        var rows = new TransitionBatch(od, ad, Math.Max(1, states.Count * ActionsPerState * 4));
        var action = new float[ad];
        var obs = new float[od];
        var low = env.ActionSpace.Low;
        var high = env.ActionSpace.High;
        long episode = firstEpisodeId;
        string variant = env.Variant.Id;
        foreach (int row in states)
        {
            ct.ThrowIfCancellationRequested();
            for (int j = 0; j < ActionsPerState; j++)
            {
                for (int d = 0; d < ad; d++) action[d] = random.Uniform(low[d], high[d]);
                env.ResetTo(logged.ObsRow(row)).CopyTo(obs);
                for (int step = 0; step < Horizon; step++)
                {
                    var result = env.Step(action);
                    bool end = result.Unsafe || result.Terminal || result.Truncated || step == Horizon - 1;
                    rows.Add(episode, step, variant, Source, obs, action, result.Observation, result.Reward, result.Cost, result.Unsafe,
                        result.Terminal, result.Truncated || (end && !result.Terminal));
                    if (end) break;
                    result.Observation.CopyTo(obs);
                }
                episode++;
            }
        }
        return rows;
    }

    /// <summary>
    /// Row indices whose state lies k = 1, 1 + stride, ... (at most <see cref="Horizon"/>) steps
    /// before a first violation of its episode, with no violation in between, in row order.
    /// </summary>
    public List<int> RestartStates(TransitionBatch logged)
    {
        var picked = new SortedSet<int>();
        var episode = logged.EpisodeId;
        var step = logged.Step;
        var unsafeRow = logged.Unsafe;
        for (int f = 0; f < logged.Count; f++)
        {
            bool first = unsafeRow[f] && (f == 0 || episode[f - 1] != episode[f] || !unsafeRow[f - 1]);
            if (!first) continue;
            for (int k = 1; k <= Horizon; k += StateStride)
            {
                int start = f - k + 1;
                if (start < 0 || episode[start] != episode[f] || step[f] - step[start] != k - 1) break;
                bool clean = true;
                for (int i = start; i < f; i++) if (unsafeRow[i]) { clean = false; break; }
                if (!clean) break;
                picked.Add(start);
            }
        }
        return [.. picked];
    }

    private static int Episodes(TransitionBatch rows)
    {
        int n = 0;
        for (int i = 0; i < rows.Count; i++) if (rows.Step[i] == 0) n++;
        return n;
    }

    private sealed class Tee(ITransitionSink a, ITransitionSink b) : ITransitionSink
    {
        public void Write(TransitionBatch batch)
        {
            a.Write(batch);
            b.Write(batch);
        }
    }
}
