using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Extraction;

/// <summary>
/// Operation-style extraction (SAFER section 5.1) in a vertical plane: a disc gripper starts above an
/// open container, must reach the object resting inside, which it picks up on contact, and lift it
/// clear of the rim, without touching the container (its two walls and floor). The paper's states are
/// camera images that show the container; here the observation carries the same facts as numbers:
/// (x - cx, y - h, held, cx, w, h): the gripper relative to the middle of the opening (where the
/// camera would see it against the container), whether it holds the object, and the container. Reward -1 per step, +1 on the step that extracts the object (success,
/// terminal). Touching is a violation, decided on the swept path of the step, so a fast move cannot
/// pass through a wall unseen.
/// </summary>
public sealed class ObjectExtraction : ISafetyEnvironment
{
    public const string EnvironmentId = "extraction";
    public const int ObservationSize = 6;

    private static readonly BoxSpace UnitActions = BoxSpace.Uniform(2, -1f, 1f);

    private readonly ExtractionParameters _p;
    private readonly ContainerVariant _container;
    private readonly EnvironmentOptions _options;
    private readonly float[] _observation = new float[ObservationSize];
    private readonly float[] _action = new float[2];
    private readonly Xoshiro256StarStar _noise;
    private float _x, _y;
    private bool _held;
    private int _step;
    private bool _ended = true;

    public ObjectExtraction(ContainerVariant container, ulong seed, EnvironmentOptions? options = null, ExtractionParameters? parameters = null)
    {
        _container = container;
        _options = options ?? EnvironmentOptions.Online;
        _p = parameters ?? ExtractionParameters.Default;
        _noise = new Xoshiro256StarStar(seed);
        ObservationSpace = Space(_p);
    }

    public string Id => EnvironmentId;
    public DynamicsVariant Variant => _container;
    public ContainerVariant Container => _container;
    public ExtractionParameters Parameters => _p;
    public BoxSpace ObservationSpace { get; }
    public BoxSpace ActionSpace => UnitActions;
    public int Horizon => _p.Horizon;

    /// <summary>Bounds of (x - cx, y - h, held, cx, w, h); the container part spans every valid <see cref="ContainerVariant"/>.</summary>
    public static BoxSpace Space(ExtractionParameters p) => new(
        [-p.TableHalfWidth - ContainerVariant.MaxCentre, -ContainerVariant.MaxHeight, 0f, -ContainerVariant.MaxCentre, 2 * p.GripperRadius, 0f],
        [p.TableHalfWidth + ContainerVariant.MaxCentre, p.CeilingHeight, 1f, ContainerVariant.MaxCentre, ContainerVariant.MaxWidth, ContainerVariant.MaxHeight]);

    public ReadOnlySpan<float> Reset(ulong seed)
    {
        _noise.Reseed(seed);
        return Reset();
    }

    /// <summary>Above the rim by U(StartHeight), beside the centre line by U(StartOffset) on a random side, empty-handed.</summary>
    public ReadOnlySpan<float> Reset()
    {
        float side = _noise.NextDouble() < 0.5 ? -1f : 1f;
        _x = _container.Centre + side * _noise.Uniform(_p.StartOffset.Low, _p.StartOffset.High);
        _y = _container.Height + _noise.Uniform(_p.StartHeight.Low, _p.StartHeight.High);
        _held = false;
        return Begin();
    }

    /// <summary>The state is the observation; its container part must be this task's container.</summary>
    public ReadOnlySpan<float> ResetTo(ReadOnlySpan<float> state)
    {
        if (state.Length != ObservationSize)
            throw new ArgumentException($"extraction state has {ObservationSize} values, got {state.Length}", nameof(state));
        if (state[3] != _container.Centre || state[4] != _container.Width || state[5] != _container.Height)
            throw new ArgumentException($"state's container ({state[3]}, {state[4]}, {state[5]}) is not this task's {_container.Id}", nameof(state));
        _x = _container.Centre + state[0];
        _y = _container.Height + state[1];
        _held = state[2] > 0.5f;
        return Begin();
    }

    public StepResult Step(ReadOnlySpan<float> action)
    {
        if (_ended) throw new InvalidOperationException($"{Id}: Step called on an episode that ended; call Reset first");
        bool clipped = UnitActions.Clip(action, _action);
        // Noise is drawn for both axes every step so the stream's position never depends on the action.
        float noiseX = (float)(_p.NoiseStd * _noise.NextNormal());
        float noiseY = (float)(_p.NoiseStd * _noise.NextNormal());
        float x0 = _x, y0 = _y;
        _x = Math.Clamp(_x + _p.StepLength * _action[0] + noiseX, -_p.TableHalfWidth, _p.TableHalfWidth);
        _y = Math.Clamp(_y + _p.StepLength * _action[1] + noiseY, 0f, _p.CeilingHeight);
        _step++;

        bool touched = Touches(x0, y0, _x, _y);
        if (!_held && Distance(_x, _y, _container.Centre, _p.ObjectHeight) < _p.GraspRadius) _held = true;
        bool success = _held && _y >= _container.Height + _p.LiftClearance;
        bool terminal = success || (touched && _options.ViolationEndsEpisode);
        bool truncated = !terminal && _step >= _p.Horizon;
        _ended = terminal || truncated;
        Write();
        return new StepResult(_observation, success ? 1f : -1f, touched ? 1f : 0f, touched, terminal, truncated, new StepInfo(success, clipped, _step));
    }

    /// <summary>
    /// Whether <paramref name="action"/> taken in <paramref name="state"/> touches the container, the
    /// actuation noise left out: the violation check a calibration asks of single actions.
    /// </summary>
    public bool TouchesFrom(ReadOnlySpan<float> state, ReadOnlySpan<float> action)
    {
        float x0 = _container.Centre + state[0], y0 = _container.Height + state[1];
        float x1 = Math.Clamp(x0 + _p.StepLength * Math.Clamp(action[0], -1f, 1f), -_p.TableHalfWidth, _p.TableHalfWidth);
        float y1 = Math.Clamp(y0 + _p.StepLength * Math.Clamp(action[1], -1f, 1f), 0f, _p.CeilingHeight);
        return Touches(x0, y0, x1, y1);
    }

    /// <summary>Whether the gripper's path from (x0, y0) to (x1, y1) comes within its radius of a wall or the floor.</summary>
    public bool Touches(float x0, float y0, float x1, float y1)
    {
        float r = _p.GripperRadius, h = _container.Height, left = _container.LeftWall, right = _container.RightWall;
        return SegmentDistance(x0, y0, x1, y1, left, 0, left, h) < r
            || SegmentDistance(x0, y0, x1, y1, right, 0, right, h) < r
            || SegmentDistance(x0, y0, x1, y1, left, 0, right, 0) < r;
    }

    private ReadOnlySpan<float> Begin()
    {
        _step = 0;
        _ended = false;
        Write();
        return _observation;
    }

    private void Write()
    {
        _observation[0] = _x - _container.Centre;
        _observation[1] = _y - _container.Height;
        _observation[2] = _held ? 1f : 0f;
        _observation[3] = _container.Centre;
        _observation[4] = _container.Width;
        _observation[5] = _container.Height;
    }

    private static float Distance(float ax, float ay, float bx, float by)
    {
        float dx = ax - bx, dy = ay - by;
        return MathF.Sqrt(dx * dx + dy * dy);
    }

    /// <summary>Distance between segments PQ and AB in the plane: 0 when they cross, else the least endpoint-to-segment distance.</summary>
    internal static float SegmentDistance(float px, float py, float qx, float qy, float ax, float ay, float bx, float by)
    {
        if (Cross(px, py, qx, qy, ax, ay, bx, by)) return 0f;
        return MathF.Min(MathF.Min(PointSegment(px, py, ax, ay, bx, by), PointSegment(qx, qy, ax, ay, bx, by)),
            MathF.Min(PointSegment(ax, ay, px, py, qx, qy), PointSegment(bx, by, px, py, qx, qy)));
    }

    private static float PointSegment(float px, float py, float ax, float ay, float bx, float by)
    {
        float dx = bx - ax, dy = by - ay;
        float lengthSquared = dx * dx + dy * dy;
        float t = lengthSquared > 0 ? Math.Clamp(((px - ax) * dx + (py - ay) * dy) / lengthSquared, 0f, 1f) : 0f;
        return Distance(px, py, ax + t * dx, ay + t * dy);
    }

    private static bool Cross(float px, float py, float qx, float qy, float ax, float ay, float bx, float by)
    {
        float d1 = Orientation(ax, ay, bx, by, px, py), d2 = Orientation(ax, ay, bx, by, qx, qy);
        float d3 = Orientation(px, py, qx, qy, ax, ay), d4 = Orientation(px, py, qx, qy, bx, by);
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
    }

    private static float Orientation(float ax, float ay, float bx, float by, float cx, float cy) =>
        (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}
