using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.MuJoCo;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Testing;

namespace OfflineSafety.Envs.Tests;

/// <summary>
/// The MuJoCo environments on Debian's libmujoco 2.2.2, installed here as CI installs it (the tests
/// run as root with apt reachable); nothing is skipped for want of it.
/// </summary>
public class MuJoCoTests
{
    public static readonly TheoryData<string> MuJoCoEnvironments = new() { MuJoCoCartPole.EnvironmentId, HalfCheetahDisabled.EnvironmentId, AntDisabled.EnvironmentId };

    public MuJoCoTests()
    {
        DebianPackages.EnsureInstalled(MuJoCoLibrary.Package);
    }

    private static ISafetyEnvironment Create(string id, DynamicsVariant? variant = null, ulong seed = 1, bool violationEnds = true)
    {
        var definition = EnvironmentRegistry.Default.Get(id);
        return definition.Create(variant ?? definition.Variants.AutoTestVariant, seed, new EnvironmentOptions(violationEnds));
    }

    private static List<float[]> Rollout(ISafetyEnvironment env, ulong seed, int steps, Func<int, float[]>? actions = null)
    {
        var random = new Xoshiro256StarStar(seed + 100);
        var trace = new List<float[]> { env.Reset(seed).ToArray() };
        var action = new float[env.ActionSpace.Dim];
        for (int t = 0; t < steps; t++)
        {
            if (actions is null) for (int k = 0; k < action.Length; k++) action[k] = random.Uniform(-1f, 1f);
            else action = actions(t);
            var r = env.Step(action);
            trace.Add([.. r.Observation.ToArray(), r.Reward, r.Cost]);
            if (r.Terminal || r.Truncated) trace.Add(env.Reset().ToArray());
        }
        return trace;
    }

    [Fact]
    public void The_library_is_2_2_2_and_its_structs_have_the_declared_layout()
    {
        Assert.Equal(222, MuJoCoLibrary.Shared.Version);
        // Each simulation checks qpos/qvel/ctrl against mjData.buffer when it is made; here the
        // kinematics offsets too: the pole capsule's centre is L/2 up the pole (geom 1), the cart at the origin.
        var env = new MuJoCoCartPole(new PoleLengthVariant(0.7), 1);
        env.ResetTo([0.5f, 0, 0, 0]);
        env.Simulation.Forward();
        Assert.Equal(0.5, env.Simulation.GeomPosition(0)[0], 9);
        Assert.Equal(0.35, env.Simulation.GeomPosition(1)[2], 9);
        Assert.Equal(0.5 + 0.0005, env.Simulation.GeomPosition(1)[0], 9);
        Assert.Equal(0.5, env.Simulation.BodyPosition(1)[0], 9); // body 0 is the world
    }

    [Fact]
    public void A_missing_library_is_a_one_line_user_error_naming_the_package()
    {
        var error = Assert.Throws<NotFoundException>(() => MuJoCoLibrary.Load(["libmujoco-not-installed.so.9"]));
        Assert.Contains("libmujoco2.2.2", error.Message);
        Assert.Contains("libmujoco-dev", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [MemberData(nameof(MuJoCoEnvironments))]
    public void Stepping_is_deterministic_given_the_seed(string id)
    {
        var a = Rollout(Create(id), 7, 400);
        var b = Rollout(Create(id), 7, 400);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], b[i]);
        var c = Rollout(Create(id), 8, 400);
        Assert.NotEqual(a[1], c[1]);
        // Resetting the same environment to the same seed replays it too (no history in mjData).
        var env = Create(id);
        Rollout(env, 3, 150);
        var again = Rollout(env, 7, 400);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], again[i]);
    }

    [Theory]
    [MemberData(nameof(MuJoCoEnvironments))]
    public void Stepping_allocates_nothing(string id)
    {
        var env = Create(id);
        var action = new float[env.ActionSpace.Dim];
        var random = new Xoshiro256StarStar(2);
        void Run(int steps)
        {
            env.Reset(3);
            for (int i = 0; i < steps; i++)
            {
                for (int k = 0; k < action.Length; k++) action[k] = (float)random.UniformDouble(-1, 1);
                var r = env.Step(action);
                if (r.Terminal || r.Truncated) env.Reset();
            }
        }
        Run(500);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(5_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [MemberData(nameof(MuJoCoEnvironments))]
    public void The_registry_describes_what_the_factory_makes(string id)
    {
        var definition = EnvironmentRegistry.Default.Get(id);
        var env = Create(id);
        Assert.Equal(definition.ObservationSpace.Dim, env.ObservationSpace.Dim);
        Assert.Equal(definition.ObservationNames.Count, env.ObservationSpace.Dim);
        Assert.Equal(definition.ActionNames.Count, env.ActionSpace.Dim);
        Assert.Equal(definition.Horizon, env.Horizon);
        Assert.Equal(env.ObservationSpace.Dim, env.Reset(1).Length);
        // A state given back through ResetTo is the state observed.
        var start = env.Reset(5).ToArray();
        Assert.Equal(start, env.ResetTo(start).ToArray());
    }

    [Fact]
    public void Cartpole_pole_length_and_force_are_as_declared()
    {
        // 300 N on the resting cart with the pole upright and free to swing: xdd = F / (M + m / 4)
        // for a uniform rod (its inertia about the centre is a quarter of that about the pivot at
        // L/2), less joint damping; masses from density 1000 and the capsule volumes.
        foreach (double length in new[] { 0.4, 1.0 })
        {
            var env = new MuJoCoCartPole(new PoleLengthVariant(length), 1);
            env.ResetTo([0, 0, 0, 0]);
            var r = env.Step([1f]);
            double capsule(double radius, double cylinder) => Math.PI * radius * radius * cylinder + 4.0 / 3 * Math.PI * Math.Pow(radius, 3);
            double mass = 1000 * (capsule(0.1, 0.2) + capsule(0.049, Math.Sqrt(length * length + 1e-6)) / 4);
            double expectedSpeed = 300 / mass * 0.04;
            Assert.InRange(r.Observation[2], 0.9 * expectedSpeed, 1.02 * expectedSpeed);
        }
        // Every length falls from a 0.1 rad tilt with no force, each along its own path. (Not in
        // order of length: the hinge damping of 1 N m s weighs most on the light short poles.)
        double[] Fall(double length)
        {
            var env = new MuJoCoCartPole(new PoleLengthVariant(length), 1);
            env.ResetTo([0, 0.1f, 0, 0]);
            for (int t = 1; t <= 200; t++)
                if (env.Step([0f]).Unsafe) return [t, env.Simulation.Qpos[1]];
            return [int.MaxValue, 0];
        }
        var falls = new[] { 0.4, 0.6, 1.0 }.Select(Fall).ToArray();
        Assert.All(falls, f => Assert.InRange(f[0], 5, 60));
        Assert.Equal(3, falls.Select(f => f[1]).Distinct().Count());
    }

    [Fact]
    public void Cartpole_costs_fire_on_a_fallen_pole_and_at_the_rail_ends()
    {
        var env = new MuJoCoCartPole(new PoleLengthVariant(1.0), 1);
        env.ResetTo([0, 0.05f, 0, 0]);
        var safe = env.Step([0f]);
        Assert.Equal((0f, false, false), (safe.Cost, safe.Unsafe, safe.Terminal));

        env.ResetTo([0, 1.6f, 0, 0]);
        var fallen = env.Step([0f]);
        Assert.Equal((1f, true, true), (fallen.Cost, fallen.Unsafe, fallen.Terminal));

        env.ResetTo([0, -1.6f, 0, 0]);
        Assert.True(env.Step([0f]).Unsafe);

        env.ResetTo([2.38f, 0, 2, 0]);
        var edge = env.Step([1f]);
        Assert.True(edge.Observation[0] >= 2.4f);
        Assert.Equal((1f, true), (edge.Cost, edge.Unsafe));

        var collecting = new MuJoCoCartPole(new PoleLengthVariant(1.0), 1, new EnvironmentOptions(ViolationEndsEpisode: false));
        collecting.ResetTo([0, 1.6f, 0, 0]);
        var kept = collecting.Step([0f]);
        Assert.Equal((1f, true, false), (kept.Cost, kept.Unsafe, kept.Terminal));
    }

    [Fact]
    public void Halfcheetah_disabled_joint_gets_no_torque_and_only_that_joint()
    {
        // Drive only joint 3 (fthigh): with joint 3 disabled that is the same as no action at all;
        // with joint 1 disabled instead, the drive moves the body.
        float[] Only(int joint) { var a = new float[6]; a[joint] = 1f; return a; }
        var zero = new float[6];
        var off3 = Rollout(new HalfCheetahDisabled(new DisabledPartVariant("joint", 3, 0), 1), 4, 50, _ => Only(3));
        var idle = Rollout(new HalfCheetahDisabled(new DisabledPartVariant("joint", 3, 0), 1), 4, 50, _ => zero);
        var off1 = Rollout(new HalfCheetahDisabled(new DisabledPartVariant("joint", 1, 0), 1), 4, 50, _ => Only(3));
        var half = Rollout(new HalfCheetahDisabled(new DisabledPartVariant("joint", 3, 0.5), 1), 4, 50, _ => Only(3));
        // Rewards differ by the control cost only where the control was applied; compare observations.
        Assert.Equal(off3[^1][..17], idle[^1][..17]);
        Assert.NotEqual(off1[^1][..17], idle[^1][..17]);
        Assert.NotEqual(half[^1][..17], idle[^1][..17]);
        Assert.NotEqual(half[^1][..17], off1[^1][..17]);
    }

    [Fact]
    public void Halfcheetah_cost_fires_when_the_head_touches_the_floor()
    {
        var env = new HalfCheetahDisabled(new DisabledPartVariant("joint", 5, 0), 1);
        var standing = env.Reset(1).ToArray();
        var first = env.Step(new float[6]);
        Assert.Equal((0f, false), (first.Cost, first.Unsafe));

        // Nose down: torso lowered 0.3 m and pitched 0.9 rad forward puts the head below the floor.
        var nose = (float[])standing.Clone();
        nose[0] = -0.3f;
        nose[1] = 0.9f;
        Array.Clear(nose, 8, 9);
        env.ResetTo(nose);
        var cheetah = (HalfCheetahDisabled)env;
        // The geometric test agrees with MuJoCo's own kinematics: the head geom (2) centre.
        cheetah.Simulation.Forward();
        double expectedCentre = 0.7 - 0.3 - 0.6 * Math.Sin(0.9) + 0.1 * Math.Cos(0.9);
        Assert.Equal(expectedCentre, cheetah.Simulation.GeomPosition(2)[2], 5);
        Assert.True(cheetah.HeadClearance() < 0);
        var hit = env.Step(new float[6]);
        Assert.Equal((1f, true, true), (hit.Cost, hit.Unsafe, hit.Terminal));
    }

    [Fact]
    public void Ant_disabled_leg_gets_no_torque_and_the_cost_fires_when_the_torso_touches_the_floor()
    {
        float[] Leg(int leg) { var a = new float[8]; a[2 * leg] = 1f; a[2 * leg + 1] = -1f; return a; }
        var zero = new float[8];
        var off2 = Rollout(new AntDisabled(new DisabledPartVariant("leg", 2, 0), 1), 4, 40, _ => Leg(2));
        var idle = Rollout(new AntDisabled(new DisabledPartVariant("leg", 2, 0), 1), 4, 40, _ => zero);
        var off0 = Rollout(new AntDisabled(new DisabledPartVariant("leg", 0, 0), 1), 4, 40, _ => Leg(2));
        Assert.Equal(off2[^1][..27], idle[^1][..27]);
        Assert.NotEqual(off0[^1][..27], idle[^1][..27]);

        var env = new AntDisabled(new DisabledPartVariant("leg", 3, 0), 1);
        var standing = env.Reset(2).ToArray();
        var first = env.Step(zero);
        Assert.Equal((0f, false), (first.Cost, first.Unsafe));
        var low = (float[])standing.Clone();
        low[0] = 0.2f;
        env.ResetTo(low);
        var hit = env.Step(zero);
        Assert.Equal((1f, true, true), (hit.Cost, hit.Unsafe, hit.Terminal));
    }

    [Fact]
    public void Ant_disabled_leg_is_shrunk_so_the_torso_sinks_towards_it_and_a_weakened_leg_is_not()
    {
        var zero = new float[8];
        double Height(AntDisabled env, int steps)
        {
            env.Reset(3);
            double z = 0;
            for (int t = 0; t < steps; t++) z = env.Step(zero).Observation[0];
            return z;
        }
        var disabled = new DisabledPartVariant("leg", 3, 0);
        var shrunk = new AntDisabled(disabled, 1, new EnvironmentOptions(false));
        var fullSize = new AntDisabled(disabled, 1, new EnvironmentOptions(false), AntParameters.Default with { ShrinkDisabledLeg = false });
        Assert.Equal(3, AntDisabled.ShrunkLeg(shrunk.Parameters, disabled));
        Assert.Equal(-1, AntDisabled.ShrunkLeg(AntParameters.Default, new DisabledPartVariant("leg", 3, 0.5)));
        Assert.Contains("""<geom name="shin3_stub" type="capsule" size="0.04" fromto="0 0 0 0.2 -0.2 0" mass="0"/>""", AntParameters.Default.Mjcf(3));
        Assert.DoesNotContain("_stub", AntParameters.Default.Mjcf());
        // Idle, the ant settles on its legs; the stub leg lets the torso down on its side.
        double low = Height(shrunk, 300), high = Height(fullSize, 300);
        Assert.True(low < high - 0.02, $"torso at {low:F3} m on a shrunk leg, {high:F3} m on a full one");
    }

    [Theory]
    [InlineData(HalfCheetahDisabled.EnvironmentId, "joint=5,power=0.000", "joint=1,power=0.000")]
    [InlineData(AntDisabled.EnvironmentId, "leg=3,power=0.000", "leg=0,power=0.000")]
    public void Disabled_part_suites_hold_each_training_part_once_and_hold_out_the_papers_part(string id, string test, string firstTraining)
    {
        var family = EnvironmentRegistry.Default.Get(id).Variants;
        Assert.Equal(test, family.AutoTestVariant.Id);
        var training = VariantSampling.TrainingVariants(family, EnvironmentRegistry.Default.Get(id).Defaults.TrainingVariants, 3);
        Assert.Equal(firstTraining, training[0].Id);
        Assert.Equal(training.Count, training.Select(v => v.Id).Distinct().Count());
        Assert.DoesNotContain(family.AutoTestVariant, training);
        Assert.Throws<BadInputException>(() => family.Parse(id == AntDisabled.EnvironmentId ? "leg=4,power=0" : "joint=6,power=0"));
    }

    [Fact]
    public void Halfcheetah_test_data_from_random_networks_violates_about_as_often_as_the_papers()
    {
        // The paper's HalfCheetah test set: 2.4K violations in 40K rows from a randomly initialised
        // policy (6%). 12 rollouts of 1,000 steps here; a generous band, rollouts cluster.
        var definition = EnvironmentRegistry.Default.Get(HalfCheetahDisabled.EnvironmentId);
        var env = definition.CreateForCollection(definition.Variants.AutoTestVariant, 11);
        var sink = new TransitionCollector(env.ObservationSpace.Dim, env.ActionSpace.Dim);
        var summary = new TransitionRecorder(env, sink).Record(definition.Collection.CreatePolicy(12), 12_000, 1000, 0);
        Assert.Equal("random-network", sink.Batch.Source[0]);
        Assert.InRange(summary.Violations / 12_000.0, 0.01, 0.2);
        // The same seeds give the same rows.
        var again = new TransitionCollector(env.ObservationSpace.Dim, env.ActionSpace.Dim);
        new TransitionRecorder(definition.CreateForCollection(definition.Variants.AutoTestVariant, 11), again)
            .Record(definition.Collection.CreatePolicy(12), 3_000, 1000, 0);
        Assert.Equal(again.Batch.ObsRow(2_999).ToArray(), sink.Batch.ObsRow(2_999).ToArray());
    }
}
