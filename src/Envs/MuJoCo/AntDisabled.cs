using System.Globalization;
using System.Text;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.MuJoCo;

/// <summary>
/// The Ant body of the Gym/rllab ant as its documentation gives it: a torso sphere of radius 0.25
/// on a free joint, four legs in the diagonals, each an upper segment of (0.2, 0.2) with a hip
/// hinge about z (+-30 degrees) and a lower segment of (0.4, 0.4) with an ankle hinge (30-70
/// degrees, signed per leg), capsules of radius 0.08, density 5, contact margin 0.01, armature
/// and damping 1, gear 150; RK4 at 0.01 s, one step per action (MESA's), standing start pose
/// (torso at 0.55 m, ankles bent +-1 rad).
/// A disabled leg (power 0) is also shrunk, as in the code MESA's Ant-Disabled comes from
/// (Nagabandi et al.'s crippled ant, which MESA adapts): its thigh and shin capsules collide at
/// half radius and half length, the thigh's about its own midpoint, the shin's moved up against
/// the ankle. That code resizes the compiled model, so the leg keeps the mass and inertia of the
/// full-size capsules; here the full-size capsules stay as non-colliding mass and the shrunk
/// ones collide with no mass, which compiles to the same bodies.
/// </summary>
public sealed record AntParameters(
    double TorsoRadius = 0.25,
    double LegRadius = 0.08,
    double Margin = 0.01,
    double Gear = 150,
    double Timestep = 0.01,
    int FrameSkip = 1,
    int Horizon = 1000,
    double StartHeight = 0.55,
    double StartAnkle = 1.0,
    double ControlCost = 0.005,
    double AliveBonus = 0.05,
    double StartQposStd = 0.01,
    double StartQvelStd = 0.1,
    bool ShrinkDisabledLeg = true)
{
    public static AntParameters Default { get; } = new();

    /// <summary>
    /// Leg directions (x, y), ankle axes (in the floor plane, across the leg) and the sign of the
    /// ankle range, legs 0..3: front left, front right, back left, back right.
    /// </summary>
    public static IReadOnlyList<(int X, int Y, int AxisX, int AxisY, int AnkleSign)> Legs { get; } =
        [(1, 1, -1, 1, 1), (-1, 1, 1, 1, -1), (-1, -1, -1, 1, -1), (1, -1, 1, 1, 1)];

    /// <summary>The MJCF of the ant with leg <paramref name="shrunkLeg"/> shrunk (-1: none).</summary>
    public string Mjcf(int shrunkLeg = -1)
    {
        var legs = new StringBuilder();
        var motors = new StringBuilder();
        for (int i = 0; i < Legs.Count; i++)
        {
            var (x, y, ax, ay, sign) = Legs[i];
            string ankleAxis = $"{ax} {ay} 0";
            string range = sign > 0 ? "30 70" : "-70 -30";
            string thigh = Capsule($"thigh{i}_geom", LegRadius, 0, 0.2, x, y);
            string shin = Capsule($"shin{i}_geom", LegRadius, 0, 0.4, x, y);
            if (i == shrunkLeg)
            {
                // Thigh: half of (0, 0.2) about its midpoint; shin: half of (0, 0.4) centred where the
                // thigh's midpoint lies in its own body, i.e. from the ankle to 0.2.
                thigh = $"""{Massive(thigh)}<geom name="thigh{i}_stub" type="capsule" size="{F(LegRadius / 2)}" fromto="{F(0.05 * x)} {F(0.05 * y)} 0 {F(0.15 * x)} {F(0.15 * y)} 0" mass="0"/>""";
                shin = $"""{Massive(shin)}<geom name="shin{i}_stub" type="capsule" size="{F(LegRadius / 2)}" fromto="0 0 0 {F(0.2 * x)} {F(0.2 * y)} 0" mass="0"/>""";
            }
            legs.Append(CultureInfo.InvariantCulture, $"""
                      <body name="leg{i}" pos="0 0 0">
                        {Capsule($"hip{i}_geom", LegRadius, 0, 0.2, x, y)}
                        <body name="thigh{i}" pos="{0.2 * x} {0.2 * y} 0">
                          <joint name="hip{i}" type="hinge" axis="0 0 1" range="-30 30"/>
                          {thigh}
                          <body name="shin{i}" pos="{0.2 * x} {0.2 * y} 0">
                            <joint name="ankle{i}" type="hinge" axis="{ankleAxis}" range="{range}"/>
                            {shin}
                          </body>
                        </body>
                      </body>

                """);
            motors.Append(CultureInfo.InvariantCulture, $"""    <motor joint="hip{i}" gear="{Gear}"/>{Environment.NewLine}    <motor joint="ankle{i}" gear="{Gear}"/>{Environment.NewLine}""");
        }
        return string.Create(CultureInfo.InvariantCulture, $"""
            <mujoco model="ant-disabled">
              <compiler inertiafromgeom="true" angle="degree"/>
              <option timestep="{Timestep}" integrator="RK4"/>
              <default>
                <joint limited="true" armature="1" damping="1"/>
                <geom condim="3" conaffinity="0" margin="{Margin}" friction="1 0.5 0.5" solref="0.02 1" solimp="0.8 0.8 0.01" density="5"/>
                <motor ctrllimited="true" ctrlrange="-1 1"/>
              </default>
              <worldbody>
                <geom name="floor" type="plane" size="40 40 40" conaffinity="1" condim="3"/>
                <body name="torso" pos="0 0 0.75">
                  <joint name="root" type="free" limited="false" armature="0" damping="0"/>
                  <geom name="torso_geom" type="sphere" size="{TorsoRadius}"/>
            {legs}    </body>
              </worldbody>
              <actuator>
            {motors}  </actuator>
            </mujoco>
            """);
    }

    private static string Capsule(string name, double radius, double from, double to, int x, int y) =>
        $"""<geom name="{name}" type="capsule" size="{F(radius)}" fromto="{F(from * x)} {F(from * y)} 0 {F(to * x)} {F(to * y)} 0"/>""";

    /// <summary>The same capsule as mass only: it collides with nothing.</summary>
    private static string Massive(string capsule) => capsule.Replace("/>", """ contype="0" conaffinity="0"/>""", StringComparison.Ordinal);

    private static string F(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>
/// Ant-Disabled (MESA section 7): walk forwards with one leg out of power (both its motors).
/// Observation qpos[2..14] (torso height, orientation quaternion, eight joint angles) and qvel
/// (14), as Gym's; reward (x' - x) / dt - 0.005 |u|^2 + 0.05 (MESA's). Violation: the torso
/// sphere touches the floor (its centre below radius + contact margin, when MuJoCo makes the
/// contact; from qpos, so of s' exactly). Start: the standing pose + 0.01 N(0, I), 0.1 N(0, I) velocity.
/// </summary>
public sealed class AntDisabled : MuJoCoEnvironment
{
    public const string EnvironmentId = "ant-disabled";
    public const int ObservationDim = 27, ActionDim = 8;

    private readonly AntParameters _parameters;
    private readonly DisabledPartVariant _disabled;

    public AntDisabled(DisabledPartVariant disabled, ulong seed, EnvironmentOptions? options = null,
        AntParameters? parameters = null, MuJoCoLibrary? library = null)
        : this(library ?? MuJoCoLibrary.Shared, parameters ?? AntParameters.Default, disabled, seed, options)
    {
    }

    private AntDisabled(MuJoCoLibrary library, AntParameters parameters, DisabledPartVariant disabled, ulong seed, EnvironmentOptions? options)
        : base(new MuJoCoSimulation(library.LoadXml(parameters.Mjcf(ShrunkLeg(parameters, disabled)), EnvironmentId)), disabled,
            ObservationDim, ActionDim, parameters.FrameSkip, parameters.Horizon, successReturn: null, seed, options)
    {
        if (disabled.Part != "leg" || disabled.Index >= AntParameters.Legs.Count)
            throw new Errors.BadInputException($"{EnvironmentId} needs a leg=0..3 variant, got '{disabled.Id}'");
        _parameters = parameters;
        _disabled = disabled;
    }

    public override string Id => EnvironmentId;

    /// <summary>The leg whose geometry is shrunk: the variant's leg when it is fully disabled, else none (-1).</summary>
    public static int ShrunkLeg(AntParameters parameters, DisabledPartVariant disabled) =>
        parameters.ShrinkDisabledLeg && disabled.Power == 0 ? disabled.Index : -1;

    public override double StepSeconds => _parameters.Timestep * _parameters.FrameSkip;
    public AntParameters Parameters => _parameters;

    /// <summary>Height of the torso sphere's lowest point above the floor in the current state.</summary>
    public double TorsoClearance() => Simulation.Qpos[2] - _parameters.TorsoRadius;

    protected override void PerturbStart(Xoshiro256StarStar random, Span<double> qpos, Span<double> qvel)
    {
        qpos[2] = _parameters.StartHeight;
        for (int leg = 0; leg < AntParameters.Legs.Count; leg++)
            qpos[7 + 2 * leg + 1] = AntParameters.Legs[leg].AnkleSign * _parameters.StartAnkle;
        for (int i = 0; i < qpos.Length; i++) qpos[i] += random.NextNormal(0, _parameters.StartQposStd);
        for (int i = 0; i < qvel.Length; i++) qvel[i] += random.NextNormal(0, _parameters.StartQvelStd);
    }

    protected override void SetState(ReadOnlySpan<float> observation, Span<double> qpos, Span<double> qvel)
    {
        qpos[0] = 0;
        qpos[1] = 0;
        for (int i = 2; i < qpos.Length; i++) qpos[i] = observation[i - 2];
        for (int i = 0; i < qvel.Length; i++) qvel[i] = observation[qpos.Length - 2 + i];
    }

    protected override void Observe(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel, Span<float> observation)
    {
        for (int i = 2; i < qpos.Length; i++) observation[i - 2] = (float)qpos[i];
        for (int i = 0; i < qvel.Length; i++) observation[qpos.Length - 2 + i] = (float)qvel[i];
    }

    protected override void Actuate(ReadOnlySpan<float> action, Span<double> ctrl)
    {
        for (int i = 0; i < ctrl.Length; i++) ctrl[i] = action[i];
        ctrl[2 * _disabled.Index] *= _disabled.Power;
        ctrl[2 * _disabled.Index + 1] *= _disabled.Power;
    }

    protected override MuJoCoOutcome Score(ReadOnlySpan<float> action, double xBefore)
    {
        double speed = (Simulation.Qpos[0] - xBefore) / StepSeconds;
        double effort = 0;
        foreach (double u in Simulation.Ctrl) effort += u * u;
        return new MuJoCoOutcome(speed - _parameters.ControlCost * effort + _parameters.AliveBonus,
            TorsoClearance() < _parameters.Margin);
    }
}

/// <summary>
/// Ant-Disabled's margin: the torso sphere's clearance above the contact margin, from the observation's
/// torso height (observation 0 = qpos[2]); the violation is exactly margin &lt; 0. Scale: the standing start's.
/// </summary>
public sealed class AntMargin(AntParameters parameters) : ISafetyMargin
{
    public float Of(ReadOnlySpan<float> observation) => (float)(observation[0] - parameters.TorsoRadius - parameters.Margin);

    public float Scale { get; } = (float)(parameters.StartHeight - parameters.TorsoRadius - parameters.Margin);
}
