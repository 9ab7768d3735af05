using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Training;

namespace OfflineSafety.Meta.Jobs;

/// <summary>Runs every phase without reporting.</summary>
public sealed class SilentOnlineJobProgress : IOnlineJobProgress
{
    public static readonly SilentOnlineJobProgress Instance = new();

    public T Training<T>(string phase, Func<Action<TrainingProgress>?, T> work) => work(null);

    public OnlineRunResult Episodes(OnlineAlgorithm algorithm, int episodes, Func<Action<EpisodeOutcome>?, OnlineRunResult> run) => run(null);
}
