using System.Globalization;
using OfflineSafety.Envs.CartPole;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Controllers;
using OfflineSafety.Envs.Extraction;
using OfflineSafety.Envs.MuJoCo;
using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Navigation;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs;

/// <summary>
/// The built-in environments by id. Immutable; <see cref="Default"/> holds the papers' domains (SAFER's
/// extraction family among them). The
/// MuJoCo ones load libmujoco only when an environment is made, so listing and every other
/// environment work on a machine without it.
/// </summary>
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
        MuJoCoCartPoleDefinition(),
        HalfCheetahDefinition(),
        AntDefinition(),
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
    private static EnvironmentDefinition MuJoCoCartPoleDefinition()
    {
        var p = MuJoCoCartPoleParameters.Default;
        var rules = new List<EnvironmentRule>
        {
            new("dynamics", $"MuJoCo 2.2.2 (libmujoco): capsule cart r {F(p.CartRadius)} half-length {F(p.CartHalfLength)}, capsule pole r {F(p.PoleRadius)} from the pivot to ({F(p.PoleTipOffset)}, 0, L), density {F(p.Density)}, joint damping {F(p.JointDamping)}, slider limited to +-{F(p.SliderRange)} m, g {F(p.Gravity)}; RK4, {p.FrameSkip} x {F(p.Timestep)} s per step"),
            new("action", $"motor control 3 a (gear {F(p.Gear)}: force = {F(p.MaxForce)} N x clip(a, -1, 1))"),
            new("start", $"qpos, qvel each + U(-{F(p.StartHalfWidth)}, {F(p.StartHalfWidth)}), theta = 0 upright"),
            new("reward", "exp(-||ee - (0, L)||^2 / L^2), ee = (x + L sin theta, L cos theta)"),
            new("success", $"episode return > {F(p.SuccessReturn)}"),
            new("violation", $"|theta| > pi/2 (unwrapped, as MESA's code) or |x| >= {F(p.RailLimit)}; cost 1; ends the episode"),
            new("horizon", $"{p.Horizon} steps, then truncated"),
        };
        return new EnvironmentDefinition(MuJoCoCartPole.EnvironmentId, "Cart-pole-Length on MuJoCo: the paper's cart-pole, pole of unseen length",
            ["x", "theta", "xdot", "thetadot"], ["force"], Unbounded(4), UnitBox(1), p.Horizon,
            new PoleLengthFamily(), rules,
            new CollectionRecipe("30-step rollouts from the start distribution with a ~ U(-1, 1); violations do not stop the rollout",
                RolloutSteps: 30, ViolationEndsRollout: false, seed => new UniformRandomPolicy(seed)),
            new SuiteDefaults(20, 20_000, 1_000),
            (variant, seed, options) => new MuJoCoCartPole(AsLength(variant), seed, options));
    }

    /// <summary>
    /// The paper's locomotion training sets are logged SAC replay buffers; Envs trains no policies, so
    /// both roles are collected the way the paper collects its test sets, with a randomly
    /// initialised policy network (a new one per 1,000-step rollout).
    /// </summary>
    private static CollectionRecipe LocomotionCollection() =>
        new("1000-step rollouts from the start distribution, each by a freshly initialised random policy network (the paper's test-set recipe; its training sets are SAC replay buffers); violations do not stop the rollout",
            RolloutSteps: 1000, ViolationEndsRollout: false, seed => new RandomNetworkPolicy(seed));

    private static EnvironmentDefinition HalfCheetahDefinition()
    {
        var p = HalfCheetahParameters.Default;
        var joints = HalfCheetahParameters.Segments;
        var rules = new List<EnvironmentRule>
        {
            new("dynamics", $"MuJoCo 2.2.2 (libmujoco): planar cheetah, torso capsule 1 m at {F(p.TorsoHeight)} m, head capsule, two 3-segment legs, {F(p.TotalMass)} kg; Euler, {p.FrameSkip} x {F(p.Timestep)} s per step"),
            new("action", $"6 motor controls in [-1, 1], gears {string.Join("/", joints.Select(j => F(j.Gear)))} ({string.Join(", ", joints.Select(j => j.Name))}); the variant's joint gets power x its control"),
            new("start", $"qpos0 + {F(p.StartQposStd)} N(0, I), qvel {F(p.StartQvelStd)} N(0, I)"),
            new("reward", $"(x' - x) / dt - {F(p.ControlCost)} |u|^2"),
            new("violation", "the head touches the floor (lowest point of the head capsule below z = 0); cost 1; ends the episode"),
            new("horizon", $"{p.Horizon} steps, then truncated"),
        };
        var family = new DisabledPartFamily("joint", [1, 2, 3, 4], testPart: 5, partCount: 6,
            string.Join(", ", joints.Select((j, i) => $"{i} {j.Name}")));
        return new EnvironmentDefinition(HalfCheetahDisabled.EnvironmentId, "HalfCheetah-Disabled: run with an unseen joint out of power",
            ["rootz", "rooty", .. joints.Select(j => j.Name), "vx", "vz", "vpitch", .. joints.Select(j => "v" + j.Name)],
            [.. joints.Select(j => j.Name)], Unbounded(HalfCheetahDisabled.ObservationDim), UnitBox(HalfCheetahDisabled.ActionDim), p.Horizon,
            family, rules, LocomotionCollection(), new SuiteDefaults(4, 400_000, 40_000),
            (variant, seed, options) => new HalfCheetahDisabled(AsDisabled(variant, "joint", HalfCheetahDisabled.EnvironmentId), seed, options))
        {
            Margin = new HalfCheetahMargin(p),
        };
    }

    private static EnvironmentDefinition AntDefinition()
    {
        var p = AntParameters.Default;
        var rules = new List<EnvironmentRule>
        {
            new("dynamics", $"MuJoCo 2.2.2 (libmujoco): torso sphere r {F(p.TorsoRadius)} on a free joint, four 2-joint legs, contact margin {F(p.Margin)}; RK4, {p.FrameSkip} x {F(p.Timestep)} s per step"),
            new("action", $"8 motor controls in [-1, 1] (hip, ankle of legs 0-3), gear {F(p.Gear)}; the variant's leg gets power x both its controls; a disabled leg (power 0) also collides at half size (thigh and shin capsules at half radius and length, shin against the ankle), keeping its mass, as MESA's Ant"),
            new("start", $"standing pose (torso {F(p.StartHeight)} m, ankles +-{F(p.StartAnkle)} rad) + {F(p.StartQposStd)} N(0, I), qvel {F(p.StartQvelStd)} N(0, I)"),
            new("reward", $"(x' - x) / dt - {F(p.ControlCost)} |u|^2 + {F(p.AliveBonus)}"),
            new("violation", $"the torso touches the floor (sphere centre below r + margin = {F(p.TorsoRadius + p.Margin)} m); cost 1; ends the episode"),
            new("horizon", $"{p.Horizon} steps, then truncated"),
        };
        var family = new DisabledPartFamily("leg", [0, 1, 2], testPart: 3, partCount: 4, "0 front left, 1 front right, 2 back left, 3 back right");
        string[] joints = [.. Enumerable.Range(0, 4).SelectMany(i => new[] { $"hip{i}", $"ankle{i}" })];
        return new EnvironmentDefinition(AntDisabled.EnvironmentId, "Ant-Disabled: walk with an unseen leg out of power",
            ["z", "qw", "qx", "qy", "qz", .. joints, "vx", "vy", "vz", "wx", "wy", "wz", .. joints.Select(j => "v" + j)],
            joints, Unbounded(AntDisabled.ObservationDim), UnitBox(AntDisabled.ActionDim), p.Horizon,
            family, rules, LocomotionCollection(), new SuiteDefaults(3, 400_000, 40_000),
            (variant, seed, options) => new AntDisabled(AsDisabled(variant, "leg", AntDisabled.EnvironmentId), seed, options))
        {
            Margin = new AntMargin(p),
        };
    }

    private static BoxSpace Unbounded(int dim) => BoxSpace.Uniform(dim, float.NegativeInfinity, float.PositiveInfinity);

    private static BoxSpace UnitBox(int dim) => BoxSpace.Uniform(dim, -1f, 1f);

    private static DisabledPartVariant AsDisabled(DynamicsVariant variant, string part, string env) =>
        variant as DisabledPartVariant is { } v && v.Part == part
            ? v
            : throw new BadInputException($"{env} needs a disabled-{part} variant ({part}=..,power=..), got '{variant.Id}'");

    private static InputGainVariant AsGains(DynamicsVariant variant) => variant as InputGainVariant
        ?? throw new BadInputException($"navigation needs an input-gain variant (b1=..,b2=..), got '{variant.Id}'");

    private static PoleLengthVariant AsLength(DynamicsVariant variant) => variant as PoleLengthVariant
        ?? throw new BadInputException($"cartpole-length needs a pole-length variant (L=..), got '{variant.Id}'");

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
