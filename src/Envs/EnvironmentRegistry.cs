using System.Globalization;
using OfflineSafety.Envs.CartPole;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Controllers;
using OfflineSafety.Envs.Navigation;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs;

/// <summary>The built-in environments by id. Immutable; <see cref="Default"/> holds the paper's three.</summary>
public sealed class EnvironmentRegistry
{
    private readonly Dictionary<string, EnvironmentDefinition> _byId;

    public EnvironmentRegistry(IEnumerable<EnvironmentDefinition> definitions)
    {
        All = definitions.ToArray();
        _byId = All.ToDictionary(d => d.Id, StringComparer.Ordinal);
    }

    public static EnvironmentRegistry Default { get; } = new([
        NavigationDefinition(NavigationLayout.Navigation1, "Navigation 1: corridor with a back wall",
            new CollectionRecipe("rollouts of at most 10 steps from x ~ U(-80, 50), y ~ U(-5, -2) or U(2, 5); actions clip(N(0, I), -1, 1); a violation stops a rollout",
                RolloutSteps: 10, ViolationEndsRollout: true, seed => new CorridorRandomPolicy(seed)),
            new SuiteDefaults(20, 10_000, 100)),
        NavigationDefinition(NavigationLayout.Navigation2, "Navigation 2: one box between start and goal",
            new CollectionRecipe("rollouts of at most 10 steps, each aimed at one face of the box (1/4 each; MESA's suites); a violation stops a rollout",
                RolloutSteps: 10, ViolationEndsRollout: true,
                seed => new ObstacleFacePolicy(NavigationLayout.Navigation2, seed, ObstacleFacePolicy.MesaAnywhereShare)),
            new SuiteDefaults(25, 10_000, 200)) with
        {
            PretrainingCollection = new CollectionRecipe("rollouts of at most 10 steps: 1/4 from anywhere in [-40, 10] x [-25, 25] outside the box with clip(N(0, I)) actions, 3/4 aimed at one face of the box (3/16 each; Recovery RL's offline data); a violation stops a rollout",
                RolloutSteps: 10, ViolationEndsRollout: true,
                seed => new ObstacleFacePolicy(NavigationLayout.Navigation2, seed, ObstacleFacePolicy.RecoveryRlAnywhereShare)),
        },
        CartPoleDefinition(),
    ]);

    public IReadOnlyList<EnvironmentDefinition> All { get; }

    public EnvironmentDefinition Get(string id) =>
        _byId.TryGetValue(id, out var definition)
            ? definition
            : throw new NotFoundException($"unknown environment '{id}' (known: {string.Join(", ", _byId.Keys)})");

    private static EnvironmentDefinition NavigationDefinition(NavigationLayout layout, string title, CollectionRecipe collection, SuiteDefaults defaults)
    {
        var prototype = new PointNavigation(layout, new InputGainVariant(1, 1), 0);
        var rules = new List<EnvironmentRule>
        {
            new("dynamics", $"s' = s + diag(b1, b2) clip(a, -1, 1) + {F(layout.NoiseStd)} N(0, I)"),
            new("start", $"({F(layout.StartX)}, {F(layout.StartY)}) + N(0, {F(layout.StartStd)}^2 I)"),
            new("goal", $"({F(layout.GoalX)}, {F(layout.GoalY)})"),
            new("reward", "-||s - goal|| of the state the action is taken in"),
            new("success", $"||s' - goal|| < {F(layout.SuccessRadius)}; ends the episode"),
            new("violation", $"s' in a closed obstacle box {string.Join(" or ", layout.Obstacles)}; cost 1; ends the episode"),
            new("horizon", $"{layout.Horizon} steps, then truncated"),
        };
        return new EnvironmentDefinition(layout.Id, title, ["x", "y"], ["dx", "dy"],
            prototype.ObservationSpace, prototype.ActionSpace, layout.Horizon, new InputGainFamily(), rules, collection, defaults,
            (variant, seed, options) => new PointNavigation(layout, AsGains(variant), seed, options))
        {
            Controller = new GoalSeekingController(layout),
        };
    }

    private static EnvironmentDefinition CartPoleDefinition()
    {
        var p = CartPoleParameters.Default;
        var prototype = new CartPoleLength(new PoleLengthVariant(1), 0);
        var rules = new List<EnvironmentRule>
        {
            new("dynamics", $"frictionless cart-pole, uniform pole of length L, cart {F(p.CartMass)} kg, pole {F(p.PoleMass)} kg, g {F(p.Gravity)}; RK4, {p.Substeps} x {F(p.SubstepSeconds)} s per step"),
            new("action", $"force = {F(p.MaxForce)} N x clip(a, -1, 1)"),
            new("start", $"(x, theta, xdot, thetadot) ~ N(0, {F(p.StartStd)}^2 I), theta = 0 upright"),
            new("reward", "exp(-||ee - (0, L)||^2 / L^2), ee = (x + L sin theta, L cos theta)"),
            new("success", $"episode return > {F(p.SuccessReturn)}"),
            new("violation", $"|theta| > pi/2 (wrapped) or |x| >= {F(p.RailLimit)}; cost 1; ends the episode"),
            new("horizon", $"{p.Horizon} steps, then truncated"),
        };
        return new EnvironmentDefinition(CartPoleLength.EnvironmentId, "Cartpole-Length: balance a pole of unseen length",
            ["x", "theta", "xdot", "thetadot"], ["force"], prototype.ObservationSpace, prototype.ActionSpace, p.Horizon,
            new PoleLengthFamily(), rules,
            new CollectionRecipe("30-step rollouts from the start distribution with a ~ U(-1, 1); violations do not stop the rollout",
                RolloutSteps: 30, ViolationEndsRollout: false, seed => new UniformRandomPolicy(seed)),
            new SuiteDefaults(20, 20_000, 1_000),
            (variant, seed, options) => new CartPoleLength(AsLength(variant), seed, options))
        {
            Controller = new CartPolePdController(),
        };
    }

    private static InputGainVariant AsGains(DynamicsVariant variant) => variant as InputGainVariant
        ?? throw new BadInputException($"navigation needs an input-gain variant (b1=..,b2=..), got '{variant.Id}'");

    private static PoleLengthVariant AsLength(DynamicsVariant variant) => variant as PoleLengthVariant
        ?? throw new BadInputException($"cartpole-length needs a pole-length variant (L=..), got '{variant.Id}'");

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
