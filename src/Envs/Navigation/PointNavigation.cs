using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Navigation;

/// <summary>
/// Linear point dynamics s' = s + diag(b1, b2) clip(a, -1, 1) + sigma N(0, I) in a plane with
/// obstacle boxes. Reward is -||s - goal|| of the state the action was taken in (r = R(s, a));
/// reaching the goal radius in s' ends the episode as a success.
/// </summary>
public sealed class PointNavigation : ISafetyEnvironment
{
    private static readonly BoxSpace UnboundedPlane = BoxSpace.Uniform(2, float.NegativeInfinity, float.PositiveInfinity);
    private static readonly BoxSpace UnitActions = BoxSpace.Uniform(2, -1f, 1f);

    private readonly NavigationLayout _layout;
    private readonly InputGainVariant _gains;
    private readonly EnvironmentOptions _options;
    private readonly float[] _state = new float[2];
    private readonly float[] _action = new float[2];
    private readonly Xoshiro256StarStar _noise;
    private int _step;
    private bool _ended = true;

    public PointNavigation(NavigationLayout layout, InputGainVariant gains, ulong seed, EnvironmentOptions? options = null)
    {
        _layout = layout;
        _gains = gains;
        _options = options ?? EnvironmentOptions.Online;
        _noise = new Xoshiro256StarStar(seed);
    }

    public string Id => _layout.Id;
    public DynamicsVariant Variant => _gains;
    public NavigationLayout Layout => _layout;
    public BoxSpace ObservationSpace => UnboundedPlane;
    public BoxSpace ActionSpace => UnitActions;
    public int Horizon => _layout.Horizon;

    public ReadOnlySpan<float> Reset(ulong seed)
    {
        _noise.Reseed(seed);
        return Reset();
    }

    public ReadOnlySpan<float> Reset()
    {
        _state[0] = (float)_noise.NextNormal(_layout.StartX, _layout.StartStd);
        _state[1] = (float)_noise.NextNormal(_layout.StartY, _layout.StartStd);
        return Begin();
    }

    public ReadOnlySpan<float> ResetTo(ReadOnlySpan<float> state)
    {
        if (state.Length != 2) throw new ArgumentException($"navigation state has 2 values, got {state.Length}", nameof(state));
        state.CopyTo(_state);
        return Begin();
    }

    public StepResult Step(ReadOnlySpan<float> action)
    {
        if (_ended) throw new InvalidOperationException($"{Id}: Step called on an episode that ended; call Reset first");
        bool clipped = UnitActions.Clip(action, _action);

        float x = _state[0], y = _state[1];
        float reward = -Distance(x, y);
        // Noise is drawn for both axes every step so the stream's position never depends on the action.
        float noiseX = (float)(_layout.NoiseStd * _noise.NextNormal());
        float noiseY = (float)(_layout.NoiseStd * _noise.NextNormal());
        x += _gains.B1 * _action[0] + noiseX;
        y += _gains.B2 * _action[1] + noiseY;
        _state[0] = x;
        _state[1] = y;
        _step++;

        bool isUnsafe = _layout.InObstacle(x, y);
        bool success = Distance(x, y) < _layout.SuccessRadius;
        bool terminal = success || (isUnsafe && _options.ViolationEndsEpisode);
        bool truncated = !terminal && _step >= _layout.Horizon;
        _ended = terminal || truncated;
        return new StepResult(_state, reward, isUnsafe ? 1f : 0f, isUnsafe, terminal, truncated, new StepInfo(success, clipped, _step));
    }

    private ReadOnlySpan<float> Begin()
    {
        _step = 0;
        _ended = false;
        return _state;
    }

    private float Distance(float x, float y)
    {
        float dx = x - _layout.GoalX, dy = y - _layout.GoalY;
        return MathF.Sqrt(dx * dx + dy * dy);
    }
}
