using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Envs.Collection;

/// <summary>What a recording produced.</summary>
/// <param name="Rows">Transitions written.</param>
/// <param name="Episodes">Rollouts started (the last one may have been cut by the row budget).</param>
/// <param name="Violations">Rows with unsafe = true.</param>
/// <param name="ViolatingEpisodes">Rollouts with at least one violation.</param>
/// <param name="Successes">Rows whose step reported task success.</param>
/// <param name="NextEpisodeId">The first unused episode id.</param>
public sealed record RecordingSummary(int Rows, int Episodes, int Violations, int ViolatingEpisodes, int Successes, long NextEpisodeId);

/// <summary>
/// Runs a policy's rollouts in one environment and turns them into transition rows for a sink.
/// A rollout ends when the environment says so (terminal or horizon) or after
/// <c>maxRolloutSteps</c>; a rollout cut by the recorder (its step limit or the row budget) gets
/// truncated = true on its last row, since a time limit, not the task, ended it.
/// </summary>
public sealed class TransitionRecorder
{
    private readonly ISafetyEnvironment _environment;
    private readonly ITransitionSink _sink;
    private readonly int _chunkRows;
    private readonly float[] _observation;
    private readonly float[] _action;

    public TransitionRecorder(ISafetyEnvironment environment, ITransitionSink sink, int chunkRows = 8192)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkRows);
        _environment = environment;
        _sink = sink;
        _chunkRows = chunkRows;
        _observation = new float[environment.ObservationSpace.Dim];
        _action = new float[environment.ActionSpace.Dim];
    }

    /// <summary>
    /// Records exactly <paramref name="transitions"/> rows. Episode ids count up from
    /// <paramref name="firstEpisodeId"/>; <paramref name="progress"/> gets the rows written so far
    /// after each chunk.
    /// </summary>
    public RecordingSummary Record(IRolloutPolicy policy, int transitions, int maxRolloutSteps, long firstEpisodeId,
        Action<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(transitions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRolloutSteps);
        string variant = _environment.Variant.Id;
        string source = policy.Name;
        int obsDim = _observation.Length, actDim = _action.Length;
        var chunk = new TransitionBatch(obsDim, actDim, Math.Min(_chunkRows, Math.Max(transitions, 1)));
        int rows = 0, episodes = 0, violations = 0, violatingEpisodes = 0, successes = 0;
        long episodeId = firstEpisodeId;

        while (rows < transitions)
        {
            ct.ThrowIfCancellationRequested();
            policy.BeginRollout(_environment).CopyTo(_observation);
            episodes++;
            bool violated = false;
            for (int step = 0; step < maxRolloutSteps && rows < transitions; step++)
            {
                policy.Act(_observation, _action);
                // Rows carry the action that acted, so a policy that overshoots the box is logged as clipped.
                _environment.ActionSpace.Clip(_action, _action);
                var result = _environment.Step(_action);
                bool cut = !result.Terminal && !result.Truncated && (step == maxRolloutSteps - 1 || rows == transitions - 1);
                chunk.Add(episodeId, step, variant, source, _observation, _action, result.Observation,
                    result.Reward, result.Cost, result.Unsafe, result.Terminal, result.Truncated || cut);
                rows++;
                if (result.Unsafe) { violations++; violated = true; }
                if (result.Info.Success) successes++;
                result.Observation.CopyTo(_observation);
                if (chunk.Count == _chunkRows)
                {
                    _sink.Write(chunk);
                    progress?.Invoke(rows);
                    chunk = new TransitionBatch(obsDim, actDim, Math.Min(_chunkRows, Math.Max(transitions - rows, 1)));
                }
                if (result.Terminal || result.Truncated) break;
            }
            if (violated) violatingEpisodes++;
            episodeId++;
        }
        if (chunk.Count > 0)
        {
            _sink.Write(chunk);
            progress?.Invoke(rows);
        }
        return new RecordingSummary(rows, episodes, violations, violatingEpisodes, successes, episodeId);
    }
}
