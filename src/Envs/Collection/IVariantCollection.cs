using OfflineSafety.Envs.Variants;

namespace OfflineSafety.Envs.Collection;

/// <summary>
/// How one suite variant's offline rows come about. The default follows the environment's
/// <see cref="CollectionRecipe"/> (a behaviour policy recorded rollout by rollout); the MESA thesis's
/// locomotion training sets are instead the replay buffers of SAC runs, which Envs cannot make
/// because it knows no learner, so a learner-backed collection plugs in here
/// (<c>OfflineSafety.Meta.Online.SacReplayCollection</c>).
/// </summary>
public interface IVariantCollection
{
    /// <summary>A short name for reports and dataset names ("recipe", "sac-replay").</summary>
    string Name { get; }

    /// <summary>
    /// Writes exactly <paramref name="transitions"/> rows of <paramref name="variant"/> to
    /// <paramref name="sink"/>, episode ids counting up from <paramref name="firstEpisodeId"/>; the
    /// environment and the behaviour get their own seeds, so the rows depend on nothing else.
    /// </summary>
    RecordingSummary Collect(EnvironmentDefinition environment, DynamicsVariant variant, ulong environmentSeed, ulong policySeed,
        ITransitionSink sink, int transitions, long firstEpisodeId, Action<int>? progress, CancellationToken ct);
}

/// <summary>The environment's own recipe: its behaviour policy's rollouts, as <see cref="TransitionRecorder"/> records them.</summary>
public sealed class RecipeCollection : IVariantCollection
{
    public static readonly RecipeCollection Instance = new();

    public string Name => "recipe";

    public RecordingSummary Collect(EnvironmentDefinition environment, DynamicsVariant variant, ulong environmentSeed, ulong policySeed,
        ITransitionSink sink, int transitions, long firstEpisodeId, Action<int>? progress, CancellationToken ct)
    {
        var env = environment.CreateForCollection(variant, environmentSeed);
        var policy = environment.Collection.CreatePolicy(policySeed);
        return new TransitionRecorder(env, sink).Record(policy, transitions, environment.Collection.RolloutSteps, firstEpisodeId, progress, ct);
    }
}
