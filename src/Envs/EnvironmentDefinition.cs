using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Variants;

namespace OfflineSafety.Envs;

/// <summary>A named rule of an environment, for listings: ("success", "||s - goal|| &lt; 4 ends the episode").</summary>
public sealed record EnvironmentRule(string Name, string Description);

/// <summary>
/// How the offline datasets of an environment are collected (algorithms.md section 4).
/// </summary>
/// <param name="RolloutSteps">Longest rollout.</param>
/// <param name="ViolationEndsRollout">
/// Whether a violation stops a rollout. One rule for training and test variants alike: the test
/// set is a small sample of the same process (docs/envs.md, "Statistics").
/// </param>
public sealed record CollectionRecipe(string Description, int RolloutSteps, bool ViolationEndsRollout,
    Func<ulong, IRolloutPolicy> CreatePolicy);

/// <summary>The paper's suite sizes (MESA Table B.1).</summary>
public sealed record SuiteDefaults(int TrainingVariants, int TransitionsPerVariant, int TestTransitions);

/// <summary>Everything the registry knows about one environment id.</summary>
public sealed record EnvironmentDefinition(
    string Id,
    string Title,
    IReadOnlyList<string> ObservationNames,
    IReadOnlyList<string> ActionNames,
    BoxSpace ObservationSpace,
    BoxSpace ActionSpace,
    int Horizon,
    IVariantFamily Variants,
    IReadOnlyList<EnvironmentRule> Rules,
    CollectionRecipe Collection,
    SuiteDefaults Defaults,
    Func<DynamicsVariant, ulong, EnvironmentOptions, ISafetyEnvironment> Factory)
{
    /// <summary>
    /// The recipe for the offline data an online run pretrains its critic on when no trained critic is
    /// given (Recovery RL's D_offline); null means the suite recipe. They differ where the Recovery RL
    /// and MESA papers collected differently (Navigation 2).
    /// </summary>
    public CollectionRecipe? PretrainingCollection { get; init; }

    public CollectionRecipe PretrainingRecipe => PretrainingCollection ?? Collection;

    /// <summary>The environment's scripted controller (a fixed baseline for dual-agent correction); null when it has none.</summary>
    public Controllers.IController? Controller { get; init; }

    /// <summary>The constraint's margin as a function of the observation; null when the environment declares none.</summary>
    public ISafetyMargin? Margin { get; init; }

    /// <summary><see cref="Margin"/>, or a one-line error naming the option that asked for it.</summary>
    public ISafetyMargin RequireMargin(string option) => Margin
        ?? throw new Errors.BadInputException($"{option} needs the constraint's margin, which {Id} does not declare (halfcheetah-disabled and ant-disabled do)");

    public ISafetyEnvironment Create(DynamicsVariant variant, ulong seed, EnvironmentOptions? options = null) =>
        Factory(variant, seed, options ?? EnvironmentOptions.Online);

    /// <summary>An environment set up the way <paramref name="recipe"/> (default: the suite's) collects offline data.</summary>
    public ISafetyEnvironment CreateForCollection(DynamicsVariant variant, ulong seed, CollectionRecipe? recipe = null) =>
        Factory(variant, seed, new EnvironmentOptions(ViolationEndsEpisode: (recipe ?? Collection).ViolationEndsRollout));
}
