using OfflineSafety.Envs.MuJoCo;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Testing;

namespace OfflineSafety.Envs.Tests;

/// <summary>The constraint's margin (<see cref="ISafetyMargin"/>): read from observations, checked against MuJoCo's own kinematics and the cost.</summary>
public class SafetyMarginTests
{
    public SafetyMarginTests()
    {
        DebianPackages.EnsureInstalled(MuJoCoLibrary.Package);
    }

    // The head is geom 2 (floor, torso, head): the capsule's lowest surface point from MuJoCo's geom
    // centre and orientation (its axis is the geom's local z), independent of our torso-frame formula.
    private static double SimulatedHeadClearance(HalfCheetahDisabled cheetah)
    {
        cheetah.Simulation.Forward();
        var centre = cheetah.Simulation.GeomPosition(2);
        var m = cheetah.Simulation.GeomRotation(2);
        var p = cheetah.Parameters;
        return centre[2] - p.HeadHalfLength * Math.Abs(m[8]) - p.Radius;
    }

    [Fact]
    public void Halfcheetah_margin_is_the_simulators_head_clearance()
    {
        var definition = EnvironmentRegistry.Default.Get(HalfCheetahDisabled.EnvironmentId);
        var margin = definition.RequireMargin("test");
        var env = new HalfCheetahDisabled(new DisabledPartVariant("joint", 5, 0), 1);
        var start = env.Reset(1).ToArray();
        var random = new Xoshiro256StarStar(5);
        (float Z, float Pitch)[] poses = [(0, 0), (-0.3f, 0.9f), (-0.2f, -0.7f), (0.1f, 2.5f), (-0.4f, 3.1f), (0.05f, -1.6f)];
        foreach (var (z, pitch) in poses)
        {
            var state = (float[])start.Clone();
            state[0] = z;
            state[1] = pitch;
            for (int i = 2; i < 8; i++) state[i] = random.Uniform(-0.4f, 0.4f);   // joint angles do not move the head
            var obs = env.ResetTo(state).ToArray();
            Assert.Equal(SimulatedHeadClearance(env), margin.Of(obs), 5);
            Assert.Equal(env.HeadClearance(), margin.Of(obs), 5);
        }
        // Scale: the nominal standing clearance, 0.7 + 0.1 - 0.15 cos(0.87) - 0.046.
        Assert.Equal(0.7 + 0.1 - 0.15 * Math.Cos(0.87) - 0.046, margin.Scale, 5);
    }

    [Theory]
    [InlineData(HalfCheetahDisabled.EnvironmentId)]
    [InlineData(AntDisabled.EnvironmentId)]
    public void The_margin_is_below_zero_exactly_when_the_cost_fires(string id)
    {
        var definition = EnvironmentRegistry.Default.Get(id);
        var margin = definition.RequireMargin("test");
        // Violations do not end episodes here, so a random rollout visits both sides of the boundary.
        var env = definition.Create(definition.Variants.AutoTestVariant, 3, new EnvironmentOptions(ViolationEndsEpisode: false));
        var random = new Xoshiro256StarStar(11);
        var action = new float[env.ActionSpace.Dim];
        var obs = env.Reset(3).ToArray();
        Assert.True(margin.Of(obs) > 0.5f * margin.Scale, "a start state is well clear");
        int unsafeSteps = 0, steps = 0;
        float lowestSafe = float.PositiveInfinity, highestUnsafe = float.NegativeInfinity;
        for (int t = 0; t < 6000; t++)
        {
            // Long held random actions tip the bodies over within a few thousand steps.
            if (t % 25 == 0) for (int d = 0; d < action.Length; d++) action[d] = random.Uniform(-1f, 1f);
            var r = env.Step(action);
            float m = margin.Of(r.Observation);
            steps++;
            if (r.Unsafe) { unsafeSteps++; highestUnsafe = Math.Max(highestUnsafe, m); }
            else lowestSafe = Math.Min(lowestSafe, m);
            if (r.Truncated) env.Reset();
        }
        Assert.True(unsafeSteps > 0 && unsafeSteps < steps, $"{unsafeSteps} of {steps} steps unsafe: the test shows nothing");
        Assert.True(highestUnsafe < 0f, $"an unsafe state had margin {highestUnsafe}");
        Assert.True(lowestSafe >= 0f, $"a safe state had margin {lowestSafe}");
    }

    [Fact]
    public void An_environment_without_a_margin_refuses_in_one_line_naming_the_option()
    {
        var e = Assert.Throws<BadInputException>(() => EnvironmentRegistry.Default.Get("navigation1").RequireMargin("--recovery-objective margin"));
        Assert.StartsWith("--recovery-objective margin", e.Message);
        Assert.Contains("navigation1", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
