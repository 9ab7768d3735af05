using System.Globalization;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.MuJoCo;

/// <summary>
/// The MESA paper's MuJoCo cart-pole (after the PETS cart-pole it adapts), described by its
/// dimensions: a capsule cart of radius 0.1 and half-length 0.1 on a slider limited to +-2.5 m, a
/// capsule pole of radius 0.049 from the pivot to (0.001, 0, L), masses from density 1000
/// (cart 10.47 kg; pole 5.0 kg at L = 0.6, 8.0 kg at L = 1.0), damping 1 on both joints, no
/// contacts, g = 9.81, RK4 with 0.02 s steps and frame skip 2, and a motor of gear 100 with
/// controls in [-3, 3] (so +-300 N).
/// </summary>
public sealed record MuJoCoCartPoleParameters(
    double CartRadius = 0.1,
    double CartHalfLength = 0.1,
    double PoleRadius = 0.049,
    double PoleTipOffset = 0.001,
    double Density = 1000,
    double JointDamping = 1,
    double SliderRange = 2.5,
    double Gravity = 9.81,
    double Timestep = 0.02,
    int FrameSkip = 2,
    double Gear = 100,
    double ControlLimit = 3,
    double StartHalfWidth = 0.01,
    double RailLimit = 2.4,
    int Horizon = 200,
    double SuccessReturn = 160)
{
    public static MuJoCoCartPoleParameters Default { get; } = new();

    public double MaxForce => Gear * ControlLimit;

    public string Mjcf(double length) => string.Create(CultureInfo.InvariantCulture, $"""
        <mujoco model="cartpole-length">
          <compiler inertiafromgeom="true" angle="radian"/>
          <option timestep="{Timestep}" gravity="0 0 {-Gravity}" integrator="RK4"/>
          <size njmax="20" nconmax="5" nstack="5000"/>
          <default>
            <joint damping="{JointDamping}"/>
            <geom contype="0" conaffinity="0" density="{Density}"/>
          </default>
          <worldbody>
            <body name="cart" pos="0 0 0">
              <joint name="slider" type="slide" axis="1 0 0" limited="true" range="{-SliderRange} {SliderRange}"/>
              <geom name="cart" type="capsule" fromto="{-CartHalfLength} 0 0 {CartHalfLength} 0 0" size="{CartRadius}"/>
              <body name="pole" pos="0 0 0">
                <joint name="hinge" type="hinge" axis="0 1 0" limited="false"/>
                <geom name="pole" type="capsule" fromto="0 0 0 {PoleTipOffset} 0 {length:0.###}" size="{PoleRadius}"/>
              </body>
            </body>
          </worldbody>
          <actuator>
            <motor name="force" joint="slider" gear="{Gear}" ctrllimited="true" ctrlrange="{-ControlLimit} {ControlLimit}"/>
          </actuator>
        </mujoco>
        """);
}

/// <summary>
/// Cart-pole-Length on MuJoCo (MESA section 7): observation (x, theta, xdot, thetadot) = (qpos,
/// qvel), theta = 0 upright and positive leaning towards +x; the action in [-1, 1] drives the
/// motor at a x 3 (a x 300 N). Start: qpos, qvel each + U(-0.01, 0.01). Violation as in MESA's
/// code: |theta| &gt; pi/2 (theta as MuJoCo reports it, unwrapped) or |x| &gt;= 2.4.
/// </summary>
public sealed class MuJoCoCartPole : MuJoCoEnvironment
{
    public const string EnvironmentId = "cartpole-mujoco";

    private readonly MuJoCoCartPoleParameters _parameters;
    private readonly double _length;

    public MuJoCoCartPole(PoleLengthVariant length, ulong seed, EnvironmentOptions? options = null,
        MuJoCoCartPoleParameters? parameters = null, MuJoCoLibrary? library = null)
        : this(library ?? MuJoCoLibrary.Shared, parameters ?? MuJoCoCartPoleParameters.Default, length, seed, options)
    {
    }

    private MuJoCoCartPole(MuJoCoLibrary library, MuJoCoCartPoleParameters parameters, PoleLengthVariant length, ulong seed, EnvironmentOptions? options)
        : base(new MuJoCoSimulation(library.LoadXml(parameters.Mjcf(length.Length), EnvironmentId)), length,
            observationDim: 4, actionDim: 1, parameters.FrameSkip, parameters.Horizon, parameters.SuccessReturn, seed, options)
    {
        _parameters = parameters;
        _length = length.Length;
    }

    public override string Id => EnvironmentId;
    public override double StepSeconds => _parameters.Timestep * _parameters.FrameSkip;
    public MuJoCoCartPoleParameters Parameters => _parameters;

    protected override void PerturbStart(Xoshiro256StarStar random, Span<double> qpos, Span<double> qvel)
    {
        double w = _parameters.StartHalfWidth;
        for (int i = 0; i < qpos.Length; i++) qpos[i] += random.UniformDouble(-w, w);
        for (int i = 0; i < qvel.Length; i++) qvel[i] += random.UniformDouble(-w, w);
    }

    protected override void SetState(ReadOnlySpan<float> observation, Span<double> qpos, Span<double> qvel)
    {
        qpos[0] = observation[0];
        qpos[1] = observation[1];
        qvel[0] = observation[2];
        qvel[1] = observation[3];
    }

    protected override void Observe(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel, Span<float> observation)
    {
        observation[0] = (float)qpos[0];
        observation[1] = (float)qpos[1];
        observation[2] = (float)qvel[0];
        observation[3] = (float)qvel[1];
    }

    protected override void Actuate(ReadOnlySpan<float> action, Span<double> ctrl) => ctrl[0] = action[0] * _parameters.ControlLimit;

    protected override MuJoCoOutcome Score(ReadOnlySpan<float> action, double xBefore)
    {
        var qpos = Simulation.Qpos;
        double x = qpos[0], theta = qpos[1];
        bool isUnsafe = Math.Abs(theta) > Math.PI / 2 || Math.Abs(x) >= _parameters.RailLimit;
        return new MuJoCoOutcome(CartPole.CartPoleLength.TipReward(_length, x, theta), isUnsafe);
    }
}
