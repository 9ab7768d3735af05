using System.Globalization;
using OfflineSafety.Envs.CartPole;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Controllers;
using OfflineSafety.Envs.Extraction;
using OfflineSafety.Envs.Navigation;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs;

/// <summary>The built-in environments by id. Immutable; <see cref="Default"/> holds the MESA papers' three and SAFER's extraction family.</summary>
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
        ExtractionDefinition(),
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

    private static EnvironmentDefinition ExtractionDefinition()
    {
        var p = ExtractionParameters.Default;
        var family = new ContainerFamily();
        var rules = new List<EnvironmentRule>
        {
            new("task", "a container with inner walls at x = cx -+ w/2 from the floor y = 0 to the rim y = h; the object rests inside at (cx, " + F(p.ObjectHeight) + ")"),
            new("dynamics", $"gripper disc of radius {F(p.GripperRadius)}: p' = p + {F(p.StepLength)} clip(a, -1, 1) + {F(p.NoiseStd)} N(0, I), kept in |x| <= {F(p.TableHalfWidth)}, 0 <= y <= {F(p.CeilingHeight)}"),
            new("observation", "(x - cx, y - h, held, cx, w, h): the gripper relative to the middle of the opening, whether it holds the object, and the container"),
            new("start", $"x = cx -+ U({F(p.StartOffset.Low)}, {F(p.StartOffset.High)}) (side by coin), y = h + U({F(p.StartHeight.Low)}, {F(p.StartHeight.High)}), empty-handed"),
            new("grasp", $"an empty gripper within {F(p.GraspRadius)} of the object picks it up"),
            new("reward", "-1 per step; +1 on the step that extracts the object"),
            new("success", $"holding the object at y >= h + {F(p.LiftClearance)}; ends the episode"),
            new("violation", $"the step's swept path comes within {F(p.GripperRadius)} of a wall or the floor (touching the container); cost 1; ends the episode"),
            new("tasks", $"{ContainerFamily.TrainingTasks} training tasks drawn from the training distribution, {ContainerFamily.HeldOutCount} fixed held-out tasks: {string.Join("; ", family.HeldOutTasks.Select(t => t.Id))}"),
            new("horizon", $"{p.Horizon} steps, then truncated"),
        };
        var prototype = new ObjectExtraction((ContainerVariant)family.Nominal, 0);
        return new EnvironmentDefinition(ObjectExtraction.EnvironmentId, "Extraction: lift an object out of a container without touching it (SAFER)",
            ["dx", "dy", "held", "cx", "w", "h"], ["dx", "dy"], prototype.ObservationSpace, prototype.ActionSpace, p.Horizon,
            family, rules,
            new CollectionRecipe($"{p.Horizon}-step rollouts from the start distribution, each following one script with actions tanh(clip(drive, -2.5, 2.5) + N(0, {F(ScriptedExtractionPolicy.DefaultNoiseStd)}^2)): careful (centre on the opening, descend as far as the centring allows, lift straight out; {F(ScriptedExtractionPolicy.DefaultCarefulShare)}) or greedy (straight at the object, straight back out); violations do not stop the rollout",
                RolloutSteps: p.Horizon, ViolationEndsRollout: false, seed => new ScriptedExtractionPolicy(seed)),
            // SAFER: 1,000,000 scripted steps over the 40 training tasks.
            new SuiteDefaults(ContainerFamily.TrainingTasks, 25_000, 1_000),
            (variant, seed, options) => new ObjectExtraction(AsContainer(variant), seed, options));
    }

    private static ContainerVariant AsContainer(DynamicsVariant variant) => variant as ContainerVariant
        ?? throw new BadInputException($"extraction needs a container variant (cx=..,w=..,h=..), got '{variant.Id}'");

    private static InputGainVariant AsGains(DynamicsVariant variant) => variant as InputGainVariant
        ?? throw new BadInputException($"navigation needs an input-gain variant (b1=..,b2=..), got '{variant.Id}'");

    private static PoleLengthVariant AsLength(DynamicsVariant variant) => variant as PoleLengthVariant
        ?? throw new BadInputException($"cartpole-length needs a pole-length variant (L=..), got '{variant.Id}'");

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
