using System.Globalization;
using System.Text;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.MuJoCo;

/// <summary>One leg segment of the planar cheetah: a hinge about y and a capsule hanging from it.</summary>
/// <param name="Offset">Joint position in the parent body's frame (x, z).</param>
/// <param name="GeomCentre">Capsule centre in the segment's frame (x, z).</param>
/// <param name="GeomAngle">Capsule axis rotation about y (radians) from vertical.</param>
public sealed record CheetahSegment(string Name, double OffsetX, double OffsetZ, double RangeLow, double RangeHigh,
    double Stiffness, double Damping, double GeomCentreX, double GeomCentreZ, double GeomAngle, double HalfLength, double Gear);

/// <summary>
/// The HalfCheetah body of the Gym/Wawrzynski cheetah as its documentation gives it: a 1 m torso
/// capsule at height 0.7 with a head capsule in front, two three-segment legs (thigh, shin, foot),
/// capsules of radius 0.046, total mass 14 kg, joint springs and dampers, gears 120/90/60 (back)
/// and 120/60/30 (front), 0.01 s Euler steps. MESA's version steps once per action (frame skip 1)
/// for 1,000-step episodes.
/// </summary>
public sealed record HalfCheetahParameters(
    double TorsoHeight = 0.7,
    double TorsoHalfLength = 0.5,
    double Radius = 0.046,
    double HeadX = 0.6,
    double HeadZ = 0.1,
    double HeadAngle = 0.87,
    double HeadHalfLength = 0.15,
    double TotalMass = 14,
    double Timestep = 0.01,
    int FrameSkip = 1,
    int Horizon = 1000,
    double ControlCost = 0.05,
    double StartQposStd = 0.01,
    double StartQvelStd = 0.1)
{
    public static HalfCheetahParameters Default { get; } = new();

    /// <summary>Actuated joints in action order (back thigh, shin, foot; front thigh, shin, foot).</summary>
    public static IReadOnlyList<CheetahSegment> Segments { get; } =
    [
        new("bthigh", -0.5, 0, -0.52, 1.05, 240, 6, 0.1, -0.13, -3.8, 0.145, 120),
        new("bshin", 0.16, -0.25, -0.785, 0.785, 180, 4.5, -0.14, -0.07, -2.03, 0.15, 90),
        new("bfoot", -0.28, -0.14, -0.4, 0.785, 120, 3, 0.03, -0.097, -0.27, 0.094, 60),
        new("fthigh", 0.5, 0, -1, 0.7, 180, 4.5, -0.07, -0.12, 0.52, 0.133, 120),
        new("fshin", -0.14, -0.24, -1.2, 0.87, 120, 3, 0.065, -0.09, -0.6, 0.106, 60),
        new("ffoot", 0.13, -0.18, -0.5, 0.5, 60, 1.5, 0.045, -0.07, -0.6, 0.07, 30),
    ];

    public string Mjcf()
    {
        var body = new StringBuilder();
        void Leg(int first, int indent)
        {
            // Each leg is a chain: thigh > shin > foot, each nested in the previous segment's body.
            for (int i = first; i < first + 3; i++)
            {
                var s = Segments[i];
                body.Append(' ', indent + 2 * (i - first)).Append(CultureInfo.InvariantCulture,
                    $"""<body name="{s.Name}" pos="{s.OffsetX} 0 {s.OffsetZ}"><joint name="{s.Name}" type="hinge" axis="0 1 0" range="{s.RangeLow} {s.RangeHigh}" stiffness="{s.Stiffness}" damping="{s.Damping}"/><geom name="{s.Name}" type="capsule" pos="{s.GeomCentreX} 0 {s.GeomCentreZ}" axisangle="0 1 0 {s.GeomAngle}" size="{Radius} {s.HalfLength}"/>""").AppendLine();
            }
            for (int i = first + 2; i >= first; i--) body.Append(' ', indent + 2 * (i - first)).AppendLine("</body>");
        }
        Leg(0, 6);
        Leg(3, 6);
        var actuators = string.Join(Environment.NewLine, Segments.Select(s => string.Create(CultureInfo.InvariantCulture, $"""    <motor name="{s.Name}" joint="{s.Name}" gear="{s.Gear}"/>""")));
        return string.Create(CultureInfo.InvariantCulture, $"""
            <mujoco model="halfcheetah-disabled">
              <compiler inertiafromgeom="true" angle="radian" settotalmass="{TotalMass}"/>
              <option timestep="{Timestep}" gravity="0 0 -9.81"/>
              <default>
                <joint limited="true" damping="0.01" armature="0.1" stiffness="8" solreflimit="0.02 1" solimplimit="0 0.8 0.03"/>
                <geom contype="1" conaffinity="0" condim="3" friction="0.4 0.1 0.1" solimp="0 0.8 0.01" solref="0.02 1"/>
                <motor ctrllimited="true" ctrlrange="-1 1"/>
              </default>
              <worldbody>
                <geom name="floor" type="plane" size="40 40 40" conaffinity="1" condim="3"/>
                <body name="torso" pos="0 0 {TorsoHeight}">
                  <joint name="rootx" type="slide" axis="1 0 0" limited="false" damping="0" armature="0" stiffness="0"/>
                  <joint name="rootz" type="slide" axis="0 0 1" limited="false" damping="0" armature="0" stiffness="0"/>
                  <joint name="rooty" type="hinge" axis="0 1 0" limited="false" damping="0" armature="0" stiffness="0"/>
                  <geom name="torso" type="capsule" fromto="{-TorsoHalfLength} 0 0 {TorsoHalfLength} 0 0" size="{Radius}"/>
                  <geom name="head" type="capsule" pos="{HeadX} 0 {HeadZ}" axisangle="0 1 0 {HeadAngle}" size="{Radius} {HeadHalfLength}"/>
            {body}    </body>
              </worldbody>
              <actuator>
            {actuators}
              </actuator>
            </mujoco>
            """);
    }
}

/// <summary>
/// HalfCheetah-Disabled (MESA section 7): run forwards with one joint out of power. Observation
/// qpos[1..8] (root height, pitch, six joint angles) and qvel (9), as Gym's; reward the torso's
/// forward speed (x' - x) / dt minus 0.05 |u|^2 of the applied controls (MESA's 0.1 x 0.5). Violation: the head capsule
/// touches the floor (its lowest point below z = 0, which is when MuJoCo makes the contact;
/// computed from qpos, so it is of s' exactly). Start: qpos0 + 0.01 N(0, I), 0.1 N(0, I) velocity.
/// </summary>
public sealed class HalfCheetahDisabled : MuJoCoEnvironment
{
    public const string EnvironmentId = "halfcheetah-disabled";
    public const int ObservationDim = 17, ActionDim = 6;

    private readonly HalfCheetahParameters _parameters;
    private readonly DisabledPartVariant _disabled;

    public HalfCheetahDisabled(DisabledPartVariant disabled, ulong seed, EnvironmentOptions? options = null,
        HalfCheetahParameters? parameters = null, MuJoCoLibrary? library = null)
        : this(library ?? MuJoCoLibrary.Shared, parameters ?? HalfCheetahParameters.Default, disabled, seed, options)
    {
    }

    private HalfCheetahDisabled(MuJoCoLibrary library, HalfCheetahParameters parameters, DisabledPartVariant disabled, ulong seed, EnvironmentOptions? options)
        : base(new MuJoCoSimulation(library.LoadXml(parameters.Mjcf(), EnvironmentId)), disabled,
            ObservationDim, ActionDim, parameters.FrameSkip, parameters.Horizon, successReturn: null, seed, options)
    {
        if (disabled.Part != "joint" || disabled.Index >= ActionDim)
            throw new Errors.BadInputException($"{EnvironmentId} needs a joint=0..5 variant, got '{disabled.Id}'");
        _parameters = parameters;
        _disabled = disabled;
    }

    public override string Id => EnvironmentId;
    public override double StepSeconds => _parameters.Timestep * _parameters.FrameSkip;
    public HalfCheetahParameters Parameters => _parameters;

    /// <summary>Height of the head capsule's lowest surface point above the floor in the current state.</summary>
    public double HeadClearance() => HeadClearance(_parameters, Simulation.Qpos[1], Simulation.Qpos[2]);

    /// <summary>
    /// Height of the head capsule's lowest surface point above the floor for root height offset
    /// <paramref name="rootz"/> (qpos[1], observation 0) and pitch <paramref name="pitch"/> (qpos[2], observation 1).
    /// </summary>
    public static double HeadClearance(HalfCheetahParameters parameters, double rootz, double pitch)
    {
        // The head capsule's end points sit at (HeadX, HeadZ) +- HalfLength (sin a, cos a) in the torso frame.
        double dx = parameters.HeadHalfLength * Math.Sin(parameters.HeadAngle);
        double dz = parameters.HeadHalfLength * Math.Cos(parameters.HeadAngle);
        double z = parameters.TorsoHeight + rootz;
        double sin = Math.Sin(pitch), cos = Math.Cos(pitch);
        // A point (px, pz) of the torso frame is at height z - px sin(pitch) + pz cos(pitch).
        double z1 = z - (parameters.HeadX + dx) * sin + (parameters.HeadZ + dz) * cos;
        double z2 = z - (parameters.HeadX - dx) * sin + (parameters.HeadZ - dz) * cos;
        return Math.Min(z1, z2) - parameters.Radius;
    }

    protected override void PerturbStart(Xoshiro256StarStar random, Span<double> qpos, Span<double> qvel)
    {
        for (int i = 0; i < qpos.Length; i++) qpos[i] += random.NextNormal(0, _parameters.StartQposStd);
        for (int i = 0; i < qvel.Length; i++) qvel[i] += random.NextNormal(0, _parameters.StartQvelStd);
    }

    protected override void SetState(ReadOnlySpan<float> observation, Span<double> qpos, Span<double> qvel)
    {
        qpos[0] = 0;
        for (int i = 1; i < qpos.Length; i++) qpos[i] = observation[i - 1];
        for (int i = 0; i < qvel.Length; i++) qvel[i] = observation[qpos.Length - 1 + i];
    }

    protected override void Observe(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel, Span<float> observation)
    {
        for (int i = 1; i < qpos.Length; i++) observation[i - 1] = (float)qpos[i];
        for (int i = 0; i < qvel.Length; i++) observation[qpos.Length - 1 + i] = (float)qvel[i];
    }

    protected override void Actuate(ReadOnlySpan<float> action, Span<double> ctrl)
    {
        for (int i = 0; i < ctrl.Length; i++) ctrl[i] = action[i];
        ctrl[_disabled.Index] *= _disabled.Power;
    }

    protected override MuJoCoOutcome Score(ReadOnlySpan<float> action, double xBefore)
    {
        double speed = (Simulation.Qpos[0] - xBefore) / StepSeconds;
        double effort = 0; // of the controls applied, as MESA's cost is of the masked action
        foreach (double u in Simulation.Ctrl) effort += u * u;
        return new MuJoCoOutcome(speed - _parameters.ControlCost * effort, HeadClearance() < 0);
    }
}

/// <summary>
/// HalfCheetah-Disabled's margin: the head's clearance above the floor (<see cref="HalfCheetahDisabled.HeadClearance(HalfCheetahParameters, double, double)"/>)
/// from the observation's root height and pitch; the violation is exactly clearance &lt; 0. Scale: the
/// clearance standing level at the nominal height (about 0.66 m).
/// </summary>
public sealed class HalfCheetahMargin(HalfCheetahParameters parameters) : ISafetyMargin
{
    public float Of(ReadOnlySpan<float> observation) => (float)HalfCheetahDisabled.HeadClearance(parameters, observation[0], observation[1]);

    public float Scale { get; } = (float)HalfCheetahDisabled.HeadClearance(parameters, 0, 0);
}
