using OfflineSafety.Envs.Collection;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// The choices of `--training-collection`: how a suite's training variants are collected.
/// "recipe" is the environment's own (docs/envs.md, "Offline collection"); "sac" is the MESA
/// thesis's locomotion training sets, the replay buffer of an SAC run of exactly the variant's rows
/// (<see cref="SacReplayCollection"/>), with the experiment budget's SAC (so a quick budget
/// collects with the quick SAC, named as such). Test variants always use the recipe.
/// </summary>
public static class TrainingCollections
{
    public const string Recipe = "recipe";
    public const string Sac = "sac";

    public static readonly string[] Names = [Recipe, Sac];

    /// <summary>The restart horizon when `--restart-horizon` is not given (0.25 s on the locomotion domains' 0.01 s step).</summary>
    public const int DefaultRestartHorizon = 25;

    /// <summary>
    /// The collection named <paramref name="name"/>; with <paramref name="restartLabels"/> &gt; 0 its
    /// rows are followed by that many recoverability restarts per near-violation state
    /// (<see cref="RestartLabelCollection"/>, `--restart-labels`); 0 leaves the rows as they are.
    /// </summary>
    public static IVariantCollection Create(string name, SacSettings sac, int restartLabels = 0, int restartHorizon = DefaultRestartHorizon)
    {
        if (restartLabels < 0) throw new BadInputException($"--restart-labels must be at least 0, got {restartLabels}");
        if (restartHorizon < 1) throw new BadInputException($"--restart-horizon must be at least 1, got {restartHorizon}");
        IVariantCollection collection = name switch
        {
            Recipe => RecipeCollection.Instance,
            Sac => new SacReplayCollection(sac),
            _ => throw new BadInputException($"--training-collection must be one of {string.Join(", ", Names)}, got '{name}'"),
        };
        return restartLabels == 0 ? collection : new RestartLabelCollection(collection, restartLabels, restartHorizon);
    }
}
