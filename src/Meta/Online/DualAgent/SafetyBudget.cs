namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// The dual-agent paper's constraint in Q_I units (its eq. 2-9). I = 1 on a step whose cost is zero;
/// Q_I is the gbar-discounted count of such steps ahead. Our rows label violations (unsafe = cost &gt; 0
/// in s', algorithms.md section 0), so I = 1 - unsafe is converted here, at the boundary.
/// </summary>
public static class SafetyBudget
{
    /// <summary>
    /// Gamma = (1 - delta) (T (1 - gbar) - gbar (1 - gbar^T)) / (T (1 - gbar)^2): the buffer average of
    /// V_I that a (1 - delta)-safe policy reaches over a horizon of T steps (eq. 9). T = 1 gives 1 - delta;
    /// T to infinity gives (1 - delta) / (1 - gbar).
    /// </summary>
    public static double Gamma(double delta, double gammaSafe, int horizon)
    {
        Check(delta, gammaSafe);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        double t = horizon, g = gammaSafe, oneMinus = 1 - g;
        return (1 - delta) * (t * oneMinus - g * (1 - Math.Pow(g, t))) / (t * oneMinus * oneMinus);
    }

    /// <summary>
    /// Gamma for a Q_I that bootstraps through the horizon: (1 - delta) / (1 - gbar), the paper's eq. 7
    /// (eq. 9 as T goes to infinity). Eq. 9 bounds a finite-horizon V_I, whose value shrinks as the episode
    /// runs out; our Q_I bootstraps at truncation (<see cref="IndicatorTarget"/>), so it estimates the
    /// infinite-horizon sum, up to 1 / (1 - gbar) in every state, and must be held to the infinite-horizon
    /// bound. With eq. 9 instead (gbar 0.98, T 200: Gamma 36.1 of at most 50) the constraint let about 28%
    /// of steps cost, and the PD baseline's 17% already met it: lambda never had a reason to grow.
    /// </summary>
    public static double BootstrappedGamma(double delta, double gammaSafe)
    {
        Check(delta, gammaSafe);
        return (1 - delta) / (1 - gammaSafe);
    }

    private static void Check(double delta, double gammaSafe)
    {
        if (!(delta >= 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta), $"delta must be in [0, 1), got {delta}");
        if (!(gammaSafe > 0 && gammaSafe < 1)) throw new ArgumentOutOfRangeException(nameof(gammaSafe), $"gbar must be in (0, 1), got {gammaSafe}");
    }

    /// <summary>
    /// The Q_I regression target I + gbar min Q_I'(s', pi_S'(s')) (Algorithm 1, line 27). Where the episode
    /// ends the future is absorbing: after a violation it holds no safe steps (0), after a safe end
    /// (the goal) only safe ones (gbar / (1 - gbar)), so ending an episode is never a way to look safe.
    /// Truncation by the horizon is not an end: it bootstraps.
    /// </summary>
    public static float IndicatorTarget(bool isUnsafe, bool terminal, float nextMinQ, float gammaSafe)
    {
        float indicator = isUnsafe ? 0f : 1f;
        if (!terminal) return indicator + gammaSafe * nextMinQ;
        return isUnsafe ? 0f : 1f + gammaSafe / (1f - gammaSafe);
    }
}
