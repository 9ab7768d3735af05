using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.CartPole;

/// <summary>
/// Cartpole-Length (MESA section 7): balance a pole of variant length L. Each step holds the force
/// a * MaxForce for Substeps RK4 steps of SubstepSeconds (0.02 s x 2). Observation (x, theta, xdot,
/// thetadot) with theta unwrapped; the violation test uses cos(theta) &lt; 0, which is
/// |theta| &gt; pi/2 after wrapping, so a pole that swings all the way round is judged by where it is.
/// </summary>
public sealed class CartPoleLength : ISafetyEnvironment
{
    public const string EnvironmentId = "cartpole-length";

    private static readonly BoxSpace UnboundedState = BoxSpace.Uniform(4, float.NegativeInfinity, float.PositiveInfinity);
    private static readonly BoxSpace UnitForce = BoxSpace.Uniform(1, -1f, 1f);

    private readonly CartPoleParameters _parameters;
    private readonly PoleLengthVariant _length;
    private readonly EnvironmentOptions _options;
    private readonly double[] _state = new double[4];
    private readonly float[] _observation = new float[4];
    private readonly float[] _action = new float[1];
    private readonly Xoshiro256StarStar _random;
    private int _step;
    private double _return;
    private bool _ended = true;

    public CartPoleLength(PoleLengthVariant length, ulong seed, EnvironmentOptions? options = null, CartPoleParameters? parameters = null)
    {
        _length = length;
        _options = options ?? EnvironmentOptions.Online;
        _parameters = parameters ?? CartPoleParameters.Default;
        _random = new Xoshiro256StarStar(seed);
    }

    public string Id => EnvironmentId;
    public DynamicsVariant Variant => _length;
    public CartPoleParameters Parameters => _parameters;
    public BoxSpace ObservationSpace => UnboundedState;
    public BoxSpace ActionSpace => UnitForce;
    public int Horizon => _parameters.Horizon;

    public ReadOnlySpan<float> Reset(ulong seed)
    {
        _random.Reseed(seed);
        return Reset();
    }

    /// <summary>Every state component ~ N(0, StartStd^2) around upright and at rest.</summary>
    public ReadOnlySpan<float> Reset()
    {
        for (int i = 0; i < 4; i++) _state[i] = _random.NextNormal(0, _parameters.StartStd);
        return Begin();
    }

    public ReadOnlySpan<float> ResetTo(ReadOnlySpan<float> state)
    {
        if (state.Length != 4) throw new ArgumentException($"cart-pole state has 4 values (x, theta, xdot, thetadot), got {state.Length}", nameof(state));
        for (int i = 0; i < 4; i++) _state[i] = state[i];
        return Begin();
    }

    public StepResult Step(ReadOnlySpan<float> action)
    {
        if (_ended) throw new InvalidOperationException($"{Id}: Step called on an episode that ended; call Reset first");
        bool clipped = UnitForce.Clip(action, _action);
        double force = _action[0] * _parameters.MaxForce;
        for (int i = 0; i < _parameters.Substeps; i++)
            CartPoleDynamics.Rk4Step(_parameters, _length.Length, force, _parameters.SubstepSeconds, _state);
        _step++;
        Observe();

        double x = _state[0], theta = _state[1];
        bool failed = Math.Cos(theta) < 0 || Math.Abs(x) >= _parameters.RailLimit;
        bool isUnsafe = failed || Math.Abs(x) >= _parameters.HazardLimit;
        double reward = TipReward(_length.Length, x, theta);
        _return += reward;
        bool terminal = failed && _options.ViolationEndsEpisode;
        bool truncated = !terminal && _step >= _parameters.Horizon;
        _ended = terminal || truncated;
        bool success = _ended && _return > _parameters.SuccessReturn;
        return new StepResult(_observation, (float)reward, isUnsafe ? 1f : 0f, isUnsafe, terminal, truncated, new StepInfo(success, clipped, _step));
    }

    /// <summary>exp(-||ee - (0, L)||^2 / L^2) with the pole tip ee = (x + L sin theta, L cos theta).</summary>
    public static double TipReward(double length, double x, double theta)
    {
        double ex = x + length * Math.Sin(theta);
        double ey = length * Math.Cos(theta) - length;
        return Math.Exp(-(ex * ex + ey * ey) / (length * length));
    }

    private ReadOnlySpan<float> Begin()
    {
        _step = 0;
        _return = 0;
        _ended = false;
        Observe();
        return _observation;
    }

    private void Observe()
    {
        for (int i = 0; i < 4; i++) _observation[i] = (float)_state[i];
    }
}
