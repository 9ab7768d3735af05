namespace OfflineSafety.Meta.Online.PpoLagrangian;

/// <summary>
/// GAE (Schulman et al. 2016) over one rollout that may hold several episodes and end mid-episode:
/// delta_t = r_t + gamma V(s_{t+1}) - V(s_t), A_t = delta_t + gamma lambda A_{t+1}, with the chain cut
/// where a piece of experience ends. Where it ends (<paramref name="ends"/>: terminal, truncated, or the
/// rollout's last step) V(s_{t+1}) is <paramref name="bootstrap"/>[t], 0 for a terminal step; elsewhere
/// it is values[t + 1]. Returns = A + V, the value critics' regression targets.
/// </summary>
public static class GeneralizedAdvantage
{
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<float> bootstrap, ReadOnlySpan<bool> terminal,
        ReadOnlySpan<bool> ends, float gamma, float lambda, Span<float> advantages, Span<float> returns)
    {
        int n = rewards.Length;
        if (values.Length != n || bootstrap.Length != n || terminal.Length != n || ends.Length != n || advantages.Length != n || returns.Length != n)
            throw new ArgumentException($"GAE: every span must hold the rollout's {n} steps");
        if (n > 0 && !ends[n - 1]) throw new ArgumentException("GAE: the rollout's last step must end its piece of experience", nameof(ends));
        float next = 0;
        for (int t = n - 1; t >= 0; t--)
        {
            float nextValue = terminal[t] ? 0f : ends[t] ? bootstrap[t] : values[t + 1];
            float delta = rewards[t] + gamma * nextValue - values[t];
            next = delta + (ends[t] ? 0f : gamma * lambda * next);
            advantages[t] = next;
            returns[t] = next + values[t];
        }
    }
}
