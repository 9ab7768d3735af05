using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// The MESA thesis's locomotion training sets (section 7.3 and appendix: "we train SAC on each of the
/// training environments and log the replay buffer from an intermediate checkpoint"; "collected by an
/// early-stopped SAC run, where the episode does not end on constraint violation"): unconstrained
/// SAC learns from scratch in the variant, set up for collection (a violation does not end the
/// episode), and every transition it executes is a row, so the T rows are exactly its replay buffer
/// when it stops after T environment steps. Early SAC acts near-randomly and later ones run and
/// fall, so the rows hold falls preceded by actions that did and did not lead to them.
/// Deterministic given the policy seed (and the thread count, as all training here).
/// </summary>
public sealed class SacReplayCollection(SacSettings sac) : IVariantCollection
{
    public const string CollectionName = "sac-replay";

    public SacSettings Sac { get; } = sac;

    public string Name => CollectionName;

    public RecordingSummary Collect(EnvironmentDefinition environment, DynamicsVariant variant, ulong environmentSeed, ulong policySeed,
        ITransitionSink sink, int transitions, long firstEpisodeId, Action<int>? progress, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(transitions);
        var env = environment.CreateForCollection(variant, environmentSeed);
        var buffer = new BufferSink(sink, firstEpisodeId, transitions, progress);
        if (transitions == 0) return buffer.Summary;
        // The runner's own seed drives SAC's initialisation, sampling and its first reset. The step
        // budget ends the run (episodes only bound it; the buffers are sized by the step budget).
        int seed = (int)(policySeed & 0x7FFF_FFFF);
        var options = new OnlineRunOptions(OnlineAlgorithm.Unconstrained, transitions, seed, CollectionName)
        {
            Sac = Sac,
            StepBudget = transitions,
        };
        new OnlineRunner(env, new OnlineStart(null, null, null), options).Run(buffer, e => buffer.EndEpisode(e), ct);
        buffer.Finish();
        return buffer.Summary;
    }

    /// <summary>
    /// Rewrites the run's log as suite rows: episode ids from the variant's range, and exactly the
    /// budget (the run finishes its last episode; what lies past the budget is dropped and the row
    /// at the cut marked truncated, as the recorder does).
    /// </summary>
    private sealed class BufferSink(ITransitionSink inner, long firstEpisodeId, int budget, Action<int>? progress) : ITransitionSink
    {
        private int _rows, _episodes, _violations, _violatingEpisodes, _successes;
        private long _lastEpisode = -1;
        private bool _episodeViolated;

        public RecordingSummary Summary =>
            new(_rows, _episodes, _violations, _violatingEpisodes + (_episodeViolated ? 1 : 0), _successes, firstEpisodeId + _episodes);

        public void Write(TransitionBatch batch)
        {
            int take = Math.Min(batch.Count, budget - _rows);
            if (take <= 0) return;
            var rows = new TransitionBatch(batch.ObsDim, batch.ActDim, take);
            for (int i = 0; i < take; i++)
            {
                long episode = batch.EpisodeId[i];
                if (episode != _lastEpisode)
                {
                    if (_episodeViolated) _violatingEpisodes++;
                    _episodeViolated = false;
                    _lastEpisode = episode;
                    _episodes++;
                }
                bool isUnsafe = batch.Unsafe[i], terminal = batch.Terminal[i];
                bool cut = _rows + i == budget - 1 && !terminal && !batch.Truncated[i];
                rows.Add(firstEpisodeId + episode, batch.Step[i], batch.Variant[i], batch.Source[i], batch.ObsRow(i), batch.ActionRow(i),
                    batch.NextObsRow(i), batch.Reward[i], batch.Cost[i], isUnsafe, terminal, batch.Truncated[i] || cut);
                if (isUnsafe) { _violations++; _episodeViolated = true; }
            }
            _rows += take;
            inner.Write(rows);
            progress?.Invoke(_rows);
        }

        public void EndEpisode(EpisodeOutcome outcome)
        {
            if (outcome.Success && outcome.CumulativeSteps - outcome.Steps < budget) _successes++;
        }

        public void Finish()
        {
            if (_rows < budget)
                throw new InvalidOperationException($"the SAC run logged {_rows} rows, fewer than the {budget} asked for");
        }
    }
}
