namespace OfflineSafety.Envs.Collection;

/// <summary>
/// A behaviour policy for recording rollouts. It owns how a rollout starts (offline collection
/// uses start distributions of its own) and picks actions; <see cref="Name"/> becomes the rows'
/// `source`.
/// </summary>
public interface IRolloutPolicy
{
    string Name { get; }

    /// <summary>Resets <paramref name="environment"/> for a new rollout and returns the first observation.</summary>
    ReadOnlySpan<float> BeginRollout(ISafetyEnvironment environment);

    void Act(ReadOnlySpan<float> observation, Span<float> action);
}
