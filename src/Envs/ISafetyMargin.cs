namespace OfflineSafety.Envs;

/// <summary>
/// The constraint's margin: how far a state is from the violation, read from the observation alone
/// so that logged rows and online steps are scored alike. A dense "stay away from it" signal where
/// the cost is a sparse 0/1 (a recovery agent trained by RL on it: `--recovery-objective margin`).
/// </summary>
public interface ISafetyMargin
{
    /// <summary>The margin of state s in the environment's units: below 0 exactly when s violates the constraint.</summary>
    float Of(ReadOnlySpan<float> observation);

    /// <summary>The margin of the nominal start state, so that margin / scale is about [0, 1] while running normally.</summary>
    float Scale { get; }
}
