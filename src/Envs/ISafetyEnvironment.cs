using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Variants;

namespace OfflineSafety.Envs;

/// <summary>
/// A constrained episodic simulator in the Gymnasium style. Observations come back as spans over
/// the environment's own buffer (valid until the next Reset/Step), so stepping allocates nothing.
/// Labels follow algorithms.md section 0: `Unsafe` is about the resulting state s'.
/// </summary>
public interface ISafetyEnvironment
{
    string Id { get; }
    DynamicsVariant Variant { get; }
    BoxSpace ObservationSpace { get; }

    /// <summary>Actions outside this box are clipped into it before they act.</summary>
    BoxSpace ActionSpace { get; }

    /// <summary>Steps after which an episode is truncated.</summary>
    int Horizon { get; }

    /// <summary>Reseeds the environment's noise stream and starts an episode from the start distribution.</summary>
    ReadOnlySpan<float> Reset(ulong seed);

    /// <summary>Starts the next episode from the start distribution, continuing the current stream.</summary>
    ReadOnlySpan<float> Reset();

    /// <summary>
    /// Starts an episode from a chosen state (offline collection policies have their own start
    /// distributions, algorithms.md section 4). The state is the full simulator state, which for
    /// these environments equals the observation.
    /// </summary>
    ReadOnlySpan<float> ResetTo(ReadOnlySpan<float> state);

    StepResult Step(ReadOnlySpan<float> action);
}

/// <summary>What one step produced; <see cref="Observation"/> is s'.</summary>
public readonly ref struct StepResult
{
    public StepResult(ReadOnlySpan<float> observation, float reward, float cost, bool isUnsafe, bool terminal, bool truncated, StepInfo info)
    {
        Observation = observation;
        Reward = reward;
        Cost = cost;
        Unsafe = isUnsafe;
        Terminal = terminal;
        Truncated = truncated;
        Info = info;
    }

    public ReadOnlySpan<float> Observation { get; }
    public float Reward { get; }

    /// <summary>1 when s' violates the constraint, else 0.</summary>
    public float Cost { get; }

    public bool Unsafe { get; }

    /// <summary>The episode ended in s' (violation when violations end episodes, or success): no bootstrap.</summary>
    public bool Terminal { get; }

    /// <summary>The horizon cut the episode.</summary>
    public bool Truncated { get; }

    public StepInfo Info { get; }
}

/// <summary>
/// Gymnasium's `info`, typed. <see cref="Success"/> is the task's success test: for navigation,
/// reaching the goal radius; for cart-pole, set on the last step of an episode whose return beat
/// the success threshold.
/// </summary>
public readonly record struct StepInfo(bool Success, bool ActionClipped, int Step);

/// <summary>Construction options shared by every environment.</summary>
/// <param name="ViolationEndsEpisode">
/// True for online use (the papers end episodes on violation). Offline collection in MESA
/// ("the episode does not terminate upon constraint violation") sets it to false; the violating
/// rows keep unsafe = true and cost = 1 either way.
/// </param>
public sealed record EnvironmentOptions(bool ViolationEndsEpisode = true)
{
    public static EnvironmentOptions Online { get; } = new();
}
