using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Training;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe online`'s view of an online job: one stderr progress bar per phase.</summary>
internal sealed class OnlineCommandProgress : IOnlineJobProgress
{
    public T Training<T>(string phase, Func<Action<TrainingProgress>?, T> work) => WithProgress(phase, report => work(report));

    public OnlineRunResult Episodes(OnlineAlgorithm algorithm, int episodes, Func<Action<EpisodeOutcome>?, OnlineRunResult> run)
    {
        OnlineRunResult result = null!;
        CliProgress.OnStderr(autoClear: false, CliProgress.ElapsedAndRemaining())
            .Start(ctx =>
            {
                var task = ctx.AddTask(algorithm.Name(), maxValue: episodes);
                result = run(e =>
                {
                    task.Value = e.Episode + 1;
                    task.Description = Markup.Escape($"{algorithm.Name()} ep {e.Episode + 1}: viol {e.CumulativeViolations} succ {e.CumulativeSuccesses} cost {e.CumulativeCost:0} ret {e.Return:0}");
                });
            });
        return result;
    }
}
