namespace OfflineSafety.Meta.Critics;

/// <summary>
/// The safety-critic Bellman target of algorithms.md section 0:
/// y = c + (1 - c) (1 - terminal) gamma_risk E_{a'~pi(s')} Qtarg(s', a'), with c = unsafe(s').
/// A truncated (time-limit) row still bootstraps: the episode was cut, not ended.
/// </summary>
public static class RiskTarget
{
    /// <summary>
    /// Default Polyak rate of the target network for a critic trained for <paramref name="steps"/>
    /// steps: 20 / steps (2e-3 for the papers' 10,000), not the papers' 2e-4. The target bootstraps
    /// from the target network, whose sigmoid output starts near 0.5; that start decays only at rate
    /// tau (1 - gamma_risk) per step, so with 2e-4 over 10,000 steps about two thirds of it is left
    /// and every safe state scores near gamma_risk x 0.3: above eps_risk everywhere in Cart-pole
    /// (0.3 upright) and Navigation 2 (0.13-0.37 far from the box), so Recovery RL overrides every
    /// action. With 20 / steps the start has decayed to about 2%. docs/online.md has the measurements.
    /// </summary>
    public static float TargetNetworkRate(int steps) => Math.Min(0.05f, TargetTimeConstants / Math.Max(1, steps));

    private const float TargetTimeConstants = 20f;

    public static float Of(float unsafeFlag, float terminalFlag, float gammaRisk, float nextRisk) =>
        unsafeFlag + (1f - unsafeFlag) * (1f - terminalFlag) * gammaRisk * nextRisk;

    /// <summary>Fills <paramref name="target"/> row by row; flags are 0/1 floats so the batch stays in one numeric type.</summary>
    public static void Compute(ReadOnlySpan<float> unsafeFlag, ReadOnlySpan<float> terminalFlag, ReadOnlySpan<float> nextRisk,
        float gammaRisk, Span<float> target)
    {
        int n = target.Length;
        if (unsafeFlag.Length < n || terminalFlag.Length < n || nextRisk.Length < n)
            throw new ArgumentException($"risk target needs {n} rows of unsafe, terminal and next risk");
        for (int i = 0; i < n; i++)
            target[i] = Of(unsafeFlag[i], terminalFlag[i], gammaRisk, nextRisk[i]);
    }
}
