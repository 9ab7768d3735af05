using OfflineSafety.Envs.Collection;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Recovery;

/// <summary>
/// Near-violation states paired with an action that avoided the violation, read from recoverability
/// restarts (<see cref="RestartLabelCollection"/>, `--restart-labels`): each restart holds one
/// sampled action from a logged near-violation state, and a restart with no unsafe row is one that
/// saved it. Per restart state the saved restart with the highest return is kept, so behaviour
/// cloning regresses onto one action per state rather than the mean of several saved ones (the mean
/// of actions that each avoid a fall need not avoid it). The label needs no extra column: a restart is
/// a run of rows of source "restart" from step 0, and its restarts of one state are consecutive with
/// the same step-0 observation.
/// </summary>
public sealed class RecoveryDemonstrations
{
    private RecoveryDemonstrations(int obsDim, int actDim, float[] obs, float[] action, int states, int restarts, int saved)
    {
        ObsDim = obsDim;
        ActDim = actDim;
        Obs = obs;
        Action = action;
        RestartStates = states;
        Restarts = restarts;
        SavedRestarts = saved;
    }

    public int ObsDim { get; }
    public int ActDim { get; }

    /// <summary>Raw observations, one row per restart state with at least one saved restart.</summary>
    public float[] Obs { get; }

    /// <summary>Raw actions: the kept saved restart's (held) action, row for row with <see cref="Obs"/>.</summary>
    public float[] Action { get; }

    public int Count => Obs.Length / ObsDim;

    /// <summary>States restarted from (whether or not any restart saved them).</summary>
    public int RestartStates { get; }
    public int Restarts { get; }

    /// <summary>Restarts with no unsafe row.</summary>
    public int SavedRestarts { get; }

    public ReadOnlySpan<float> ObsRow(int i) => Obs.AsSpan(i * ObsDim, ObsDim);
    public ReadOnlySpan<float> ActionRow(int i) => Action.AsSpan(i * ActDim, ActDim);

    /// <summary>The saved restarts among the rows of <paramref name="batch"/> whose variant is in <paramref name="variants"/> (null: all).</summary>
    public static RecoveryDemonstrations FromRestarts(TransitionBatch batch, IReadOnlyCollection<string>? variants = null)
    {
        var set = variants is null ? null : new HashSet<string>(variants, StringComparer.Ordinal);
        int od = batch.ObsDim, ad = batch.ActDim;
        var obs = new List<float>();
        var action = new List<float>();
        int states = 0, restarts = 0, saved = 0;
        int groupStart = -1, best = -1;
        float bestReturn = float.NegativeInfinity;

        void Close()
        {
            if (groupStart < 0) return;
            states++;
            if (best >= 0)
            {
                obs.AddRange(batch.Obs.Slice(best * od, od));
                action.AddRange(batch.Action.Slice(best * ad, ad));
            }
            groupStart = best = -1;
            bestReturn = float.NegativeInfinity;
        }

        var source = batch.Source;
        var step = batch.Step;
        var episode = batch.EpisodeId;
        int n = batch.Count;
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && episode[end] == episode[start] && step[end] > 0) end++;
            bool restart = source[start] == RestartLabelCollection.Source && step[start] == 0
                && (set is null || set.Contains(batch.Variant[start]));
            if (!restart)
            {
                Close();
                start = end;
                continue;
            }
            if (groupStart >= 0 && !batch.Obs.Slice(groupStart * od, od).SequenceEqual(batch.Obs.Slice(start * od, od))) Close();
            if (groupStart < 0) groupStart = start;
            restarts++;
            bool isSaved = true;
            float total = 0f;
            for (int i = start; i < end; i++)
            {
                isSaved &= !batch.Unsafe[i];
                total += batch.Reward[i];
            }
            if (isSaved)
            {
                saved++;
                if (total > bestReturn) (best, bestReturn) = (start, total);
            }
            start = end;
        }
        Close();
        return new RecoveryDemonstrations(od, ad, [.. obs], [.. action], states, restarts, saved);
    }
}

/// <summary>
/// Behaviour cloning of the recovery policy towards <see cref="Demonstrations"/>: its update adds
/// <see cref="Beta"/> * mean ||tanh(mean(s)) - a_saved||^2 (actions on the [-1, 1] box) to the
/// Q_risk objective, so where the critic is flat in the action the saved actions decide.
/// </summary>
public sealed record RecoveryCloning
{
    public RecoveryCloning(float beta, RecoveryDemonstrations demonstrations)
    {
        CheckBeta(beta);
        if (demonstrations.Count == 0)
            throw new BadInputException($"--recovery-bc: no restart saved its state ({demonstrations.SavedRestarts} of {demonstrations.Restarts} restarts); it needs --restart-labels with restarts that avoid the violation");
        Beta = beta;
        Demonstrations = demonstrations;
    }

    /// <summary>beta must be positive and finite (user input: one-line error naming --recovery-bc).</summary>
    public static void CheckBeta(float beta)
    {
        if (!(beta > 0f) || float.IsInfinity(beta))
            throw new BadInputException($"--recovery-bc must be a positive number, got {beta.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    public float Beta { get; }
    public RecoveryDemonstrations Demonstrations { get; }
}
