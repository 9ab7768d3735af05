using OfflineSafety.Envs.CartPole;
using OfflineSafety.Envs.Navigation;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs.Transfer;

/// <summary>
/// A named pair of one environment family's variants for safe transfer (Knight and Achiam): the
/// same task, observations and actions, in a low-stakes variant to pretrain in and a high-stakes one
/// to deploy in, where the constraint bites harder.
/// </summary>
public sealed record StakesPair(string Name, string Environment, string LowStakes, string HighStakes,
    Func<ulong, ISafetyEnvironment> CreateLowStakes, Func<ulong, ISafetyEnvironment> CreateHighStakes);

/// <summary>The built-in pairs.</summary>
public static class StakesPairs
{
    /// <summary>Cart-pole length of both cart-pole pairs: the centre of the training range.</summary>
    public static readonly PoleLengthVariant CartPoleLength = new(0.6);

    /// <summary>The hazard zone |x| &gt;= 0.2 of the high-stakes cart-pole (also the dual-agent experiment's environment).</summary>
    public static readonly CartPoleParameters TightHazard = CartPoleParameters.Default with { HazardLimit = 0.2 };

    public static readonly CartPoleParameters LooseHazard = CartPoleParameters.Default with { HazardLimit = 0.5 };

    /// <summary>Navigation 2's layout without its box: nothing to hit.</summary>
    public static readonly NavigationLayout OpenNavigation = NavigationLayout.Navigation2 with { Id = "navigation2-open", Obstacles = [] };

    /// <summary>Violations cost but do not end the episode (the low stakes of <c>navigation-soft-box</c>).</summary>
    public static readonly EnvironmentOptions SoftViolations = new(ViolationEndsEpisode: false);

    public static IReadOnlyList<StakesPair> All { get; } =
    [
        new("cartpole-hazard", global::OfflineSafety.Envs.CartPole.CartPoleLength.EnvironmentId,
            "L = 0.6; |x| >= 0.5 costs 1 per step (episode goes on)", "L = 0.6; |x| >= 0.2 costs 1 per step (episode goes on)",
            seed => new global::OfflineSafety.Envs.CartPole.CartPoleLength(CartPoleLength, seed, parameters: LooseHazard),
            seed => new global::OfflineSafety.Envs.CartPole.CartPoleLength(CartPoleLength, seed, parameters: TightHazard)),
        new("navigation-hazard", "navigation2",
            "Navigation 2 without its box", "Navigation 2 with the box [-30, -20] x [-7.5, 7.5] (violation ends the episode)",
            seed => new PointNavigation(OpenNavigation, new InputGainVariant(1, 1), seed),
            seed => new PointNavigation(NavigationLayout.Navigation2, new InputGainVariant(1, 1), seed)),
        // The box is where it will be in deployment, but touching it is cheap: each step inside costs 1
        // and the episode goes on (a safe simulator). The box-free variant above teaches the straight
        // line through the box, which deployment must then unlearn (docs/transfer.md).
        new("navigation-soft-box", "navigation2",
            "Navigation 2 with the box; each step inside costs 1, episode goes on", "Navigation 2 with the box [-30, -20] x [-7.5, 7.5] (violation ends the episode)",
            seed => new PointNavigation(NavigationLayout.Navigation2, new InputGainVariant(1, 1), seed, SoftViolations),
            seed => new PointNavigation(NavigationLayout.Navigation2, new InputGainVariant(1, 1), seed)),
    ];

    public static StakesPair Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new BadInputException($"unknown variant pair '{name}' (known: {string.Join(", ", All.Select(p => p.Name))})");
}
