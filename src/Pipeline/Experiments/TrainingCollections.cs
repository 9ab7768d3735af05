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

    public static IVariantCollection Create(string name, SacSettings sac) => name switch
    {
        Recipe => RecipeCollection.Instance,
        Sac => new SacReplayCollection(sac),
        _ => throw new BadInputException($"--training-collection must be one of {string.Join(", ", Names)}, got '{name}'"),
    };
}
