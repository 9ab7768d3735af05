using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// SQRL's action filter (Srinivasan et al. 2020; algorithms.md section 5): sample k actions from pi,
/// keep those with Q_risk &lt;= eps, pick one of the survivors with probability proportional to
/// pi, and when none survives take the least risky sample.
/// </summary>
public sealed class SqrlFilter
{
    private readonly SoftActorCritic _policy;
    private readonly IRiskScorer _critic;
    private readonly int _samples;
    private readonly float[] _normObs;
    private readonly float[] _obs;
    private readonly float[] _squashed;
    private readonly float[] _actions;
    private readonly float[] _logProb;
    private readonly float[] _risk;

    public SqrlFilter(SoftActorCritic policy, IRiskScorer critic, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        _policy = policy;
        _critic = critic;
        _samples = samples;
        _normObs = new float[samples * policy.ObsDim];
        _obs = new float[samples * policy.ObsDim];
        _squashed = new float[samples * policy.ActDim];
        _actions = new float[samples * policy.ActDim];
        _logProb = new float[samples];
        _risk = new float[samples];
    }

    /// <summary>Filtered action for a raw observation, in environment units; true when no sample was safe enough.</summary>
    public bool Act(ReadOnlySpan<float> obs, float eps, Span<float> action, Xoshiro256StarStar random)
    {
        int od = _policy.ObsDim, ad = _policy.ActDim;
        for (int k = 0; k < _samples; k++)
        {
            obs.CopyTo(_obs.AsSpan(k * od, od));
            _policy.Observations.NormalizeObs(obs, _normObs.AsSpan(k * od, od));
        }
        _policy.SampleSquashed(_normObs, _samples, _squashed, _logProb, deterministic: false, random);
        for (int k = 0; k < _samples; k++) _policy.Actions.ToEnvironment(_squashed.AsSpan(k * ad, ad), _actions.AsSpan(k * ad, ad));
        _critic.Score(_obs, _actions, _samples, _risk);
        var (index, fellBack) = Select(_risk, _logProb, eps, random);
        _actions.AsSpan(index * ad, ad).CopyTo(action);
        return fellBack;
    }

    /// <summary>The choice among scored samples: proportional to pi among risk &lt;= eps, else argmin risk.</summary>
    public static (int Index, bool FellBack) Select(ReadOnlySpan<float> risk, ReadOnlySpan<float> logProb, float eps, Xoshiro256StarStar random)
    {
        double maxLog = double.NegativeInfinity;
        int best = 0;
        for (int k = 0; k < risk.Length; k++)
        {
            if (risk[k] < risk[best]) best = k;
            if (risk[k] <= eps && logProb[k] > maxLog) maxLog = logProb[k];
        }
        if (double.IsNegativeInfinity(maxLog)) return (best, true);

        // Weights exp(log pi - max) avoid overflow; inverse-CDF draw over the survivors.
        double total = 0;
        for (int k = 0; k < risk.Length; k++) if (risk[k] <= eps) total += Math.Exp(logProb[k] - maxLog);
        double u = random.NextDouble() * total;
        int last = -1;
        for (int k = 0; k < risk.Length; k++)
        {
            if (risk[k] > eps) continue;
            last = k;
            u -= Math.Exp(logProb[k] - maxLog);
            if (u <= 0) return (k, false);
        }
        return (last, false);
    }
}
