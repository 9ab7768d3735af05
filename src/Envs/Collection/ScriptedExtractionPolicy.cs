using OfflineSafety.Envs.Extraction;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Collection;

/// <summary>
/// The extraction family's offline data (SAFER section 5.1: "a scripted policy ... minimizing the
/// absolute distance between objects and the robot", with actuation noise). Each rollout picks one
/// of two scripts, both followed with noise on every action component:
/// <list type="bullet">
/// <item>careful (share <see cref="CarefulShare"/>): centre on the opening, descending only as far as
/// the centring allows, pick the object up and lift it straight out. Mostly safe; noise in narrow containers
/// still brushes a wall now and then.</item>
/// <item>greedy: head straight for the object and, holding it, straight back towards the start
/// point. Cuts across the rim whenever the start is off to the side: the unsafe data.</item>
/// </list>
/// Actions are tanh(clip(drive, -2.5, 2.5) + N(0, sigma^2)), drive = (target - p) / step length.
/// Both succeed often, so the data holds safe and unsafe rows from successful and failed rollouts.
/// The script reads the container from the observation, so one policy serves every task.
/// </summary>
public sealed class ScriptedExtractionPolicy : IRolloutPolicy
{
    public const double DefaultCarefulShare = 0.25;
    public const float DefaultNoiseStd = 0.4f;

    // Pre-activation cap: full speed is tanh(2.5) = 0.987 of the box, so no action sits exactly on
    // its edge (a point mass there would send a flow prior's latents to infinity).
    private const float MaxDrive = 2.5f;

    // How far inside the opening the careful script must be before it descends.
    private const float AlignMargin = 0.04f;

    private readonly Xoshiro256StarStar _random;
    private readonly ExtractionParameters _p;
    private bool _careful;
    private float _startX, _startY;

    public ScriptedExtractionPolicy(ulong seed, double carefulShare = DefaultCarefulShare, float noiseStd = DefaultNoiseStd, ExtractionParameters? parameters = null)
    {
        if (carefulShare is < 0 or > 1 || double.IsNaN(carefulShare))
            throw new ArgumentOutOfRangeException(nameof(carefulShare), carefulShare, "a share must lie in [0, 1]");
        ArgumentOutOfRangeException.ThrowIfNegative(noiseStd);
        _random = new Xoshiro256StarStar(seed);
        CarefulShare = carefulShare;
        NoiseStd = noiseStd;
        _p = parameters ?? ExtractionParameters.Default;
    }

    public string Name => "extraction-script";
    public double CarefulShare { get; }
    public float NoiseStd { get; }

    /// <summary>Whether the current rollout follows the careful script.</summary>
    public bool Careful => _careful;

    public ReadOnlySpan<float> BeginRollout(ISafetyEnvironment environment)
    {
        _careful = _random.NextDouble() < CarefulShare;
        var first = environment.Reset();
        _startX = first[3] + first[0];
        _startY = first[5] + first[1];
        return first;
    }

    public void Act(ReadOnlySpan<float> observation, Span<float> action)
    {
        float cx = observation[3], w = observation[4], h = observation[5];
        float x = cx + observation[0], y = h + observation[1];
        bool held = observation[2] > 0.5f;
        float tx, ty;
        if (_careful) (tx, ty) = CarefulTarget(x, y, held, cx, w, h);
        else (tx, ty) = held ? (_startX, MathF.Max(_startY, h + 3 * _p.LiftClearance)) : (cx, _p.ObjectHeight);
        action[0] = Noisy((tx - x) / _p.StepLength);
        action[1] = Noisy((ty - y) / _p.StepLength);
    }

    /// <summary>
    /// Centre on the opening while going down only as far as the centring allows: with e the offset
    /// from the centre line over the clearance to the wall, the target height blends from "hold at
    /// safe height above the rim" (e &gt;= 1) to "the object" (e = 0). Smooth in the state, so a prior
    /// can learn it.
    /// </summary>
    private (float X, float Y) CarefulTarget(float x, float y, bool held, float cx, float w, float h)
    {
        float r = _p.GripperRadius;
        if (held) return (cx, h + 3 * _p.LiftClearance);
        float clearance = w / 2 - r - AlignMargin;
        float aligned = Math.Clamp(1f - MathF.Abs(x - cx) / clearance, 0f, 1f);
        float above = h + r + 2 * AlignMargin;
        float hold = MathF.Max(y, above);
        return (cx, aligned * _p.ObjectHeight + (1 - aligned) * hold);
    }

    /// <summary>tanh(clip(drive) + sigma N(0, 1)): proportional steering that saturates smoothly, noisy inside the squashing.</summary>
    private float Noisy(float drive) => MathF.Tanh(Math.Clamp(drive, -MaxDrive, MaxDrive) + NoiseStd * (float)_random.NextNormal());
}
