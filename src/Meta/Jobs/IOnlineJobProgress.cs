using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Training;

namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// How a front end watches an online job's long phases: it wraps each one (a progress bar on the
/// CLI, a job status on HTTP) and hands the work a callback to report through.
/// </summary>
public interface IOnlineJobProgress
{
    /// <summary>A start-up training phase ("critic pretraining", "recovery policy"), reporting its steps.</summary>
    T Training<T>(string phase, Func<Action<TrainingProgress>?, T> work);

    /// <summary>The online episodes, reporting each finished one.</summary>
    OnlineRunResult Episodes(OnlineAlgorithm algorithm, int episodes, Func<Action<EpisodeOutcome>?, OnlineRunResult> run);
}
