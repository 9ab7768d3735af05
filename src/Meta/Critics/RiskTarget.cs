namespace OfflineSafety.Meta.Critics;

/// <summary>
/// The safety-critic Bellman target of algorithms.md section 0:
/// y = c + (1 - c) (1 - terminal) gamma_risk E_{a'~pi(s')} Qtarg(s', a'), with c = unsafe(s').
/// A truncated (time-limit) row still bootstraps: the episode was cut, not ended.
/// </summary>
public static class RiskTarget
{
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
