using OfflineSafety.Errors;
using OfflineSafety.Meta.Safer;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// SAFER downstream learning (paper Algorithm 1): SAC learns over latent actions z in the open box
/// (-eta, eta)^d (the runner's task box, tanh-squashed then scaled), and every z executes as
/// a = f(z; s, c) through the frozen prior, with c the posterior mean over the window of the
/// episode's last w states (current one last, zero-padded in front while the episode is young).
/// The task buffer keeps z, so SAC learns in latent space; the transition log keeps a. Safety
/// comes only from the prior and eta: no critic, no multiplier. The prior is only read here
/// (decode and posterior mean), never trained, and PARROT and Context-PARROT priors run through
/// the same method (a context-free prior reads no window).
/// </summary>
public sealed class SaferMethod : ISafetyMethod
{
    private readonly SkillPrior _prior;
    private readonly float[] _window;
    private readonly float[] _context;
    private readonly float[] _latent;
    private int _filled;

    public SaferMethod(SkillPrior prior, int stateSize, int actionSize)
    {
        if (prior.StateSize != stateSize || prior.ActionSize != actionSize)
            throw new BadInputException($"prior decodes ({prior.StateSize}-d states, {prior.ActionSize}-d actions); the environment has ({stateSize}, {actionSize})");
        _prior = prior;
        _window = new float[prior.WindowLength * stateSize];
        _context = new float[prior.ContextSize];
        _latent = new float[actionSize];
    }

    public static SaferMethod Create(SafetyMethodContext context)
    {
        var prior = RequirePrior(context.Start);
        return new SaferMethod(prior, context.Policy.ObsDim, context.Policy.ActDim);
    }

    /// <summary>The box SAC acts in: (-eta, eta)^d, eta the prior's calibrated safety bound.</summary>
    public static SquashedActionBox LatentBox(SkillPrior prior)
    {
        float eta = prior.SafetyBound;
        if (!(eta > 0) || !float.IsFinite(eta)) throw new BadInputException($"prior's safety bound eta must be positive and finite, got {eta}");
        var low = new float[prior.ActionSize];
        var high = new float[prior.ActionSize];
        Array.Fill(low, -eta);
        Array.Fill(high, eta);
        return new SquashedActionBox(low, high);
    }

    public static SkillPrior RequirePrior(OnlineStart start) =>
        start.Prior ?? throw new BadInputException("safer needs a skill prior (--prior NAME[@V]; fit one with `offsafe fit-prior`)");

    /// <summary>States seen so far this episode, up to the window length.</summary>
    public int WindowFilled => _filled;

    /// <summary>The context the last decode used (empty for a context-free prior).</summary>
    public ReadOnlySpan<float> Context => _context;

    public void BeginEpisode() => _filled = 0;

    /// <summary>Replaces z (the proposal) with a = f(z; s, E[c | window]). Not a recovery: returns false.</summary>
    public bool Shield(ReadOnlySpan<float> obs, Span<float> action)
    {
        Remember(obs);
        _prior.ContextMean(_window.AsSpan(0, _filled * obs.Length), _filled, _context);
        action.CopyTo(_latent);
        _prior.Decode(obs, _context, _latent, action);
        return false;
    }

    /// <summary>Appends s to the FIFO window, dropping the oldest state once it is full.</summary>
    private void Remember(ReadOnlySpan<float> obs)
    {
        int d = obs.Length, w = _prior.WindowLength;
        if (_filled == w)
        {
            Array.Copy(_window, d, _window, 0, (w - 1) * d);
            _filled--;
        }
        obs.CopyTo(_window.AsSpan(_filled * d, d));
        _filled++;
    }
}
