using OfflineSafety.Meta.Online.ConstrainedSac;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Meta.Online.PpoLagrangian;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Online;

/// <summary>What one online run does.</summary>
public sealed record OnlineRunOptions(OnlineAlgorithm Algorithm, int Episodes, int Seed, string RunId)
{
    public RecoveryKind Recovery { get; init; } = RecoveryKind.ModelFree;
    public SacSettings Sac { get; init; } = new();
    public SafetySettings Safety { get; init; } = new();
    public PetsSettings Pets { get; init; } = new();
    public DualAgentSettings DualAgent { get; init; } = new();
    public ConstrainedSacSettings ConstrainedSac { get; init; } = new();
    public PpoLagrangianSettings PpoLagrangian { get; init; } = new();

    /// <summary>
    /// How the run's updates may use the machine. Results do not depend on it; runs side by side
    /// (`--workers`) each take their share of the cores, since two runs that each split every product
    /// across both cores of a 2-core machine took 1.25-1.5x the wall time of the same runs on one core each.
    /// </summary>
    public ComputeOptions Compute { get; init; } = ComputeOptions.Default;

    /// <summary>Deterministic evaluation episodes after training (0: none).</summary>
    public int EvaluationEpisodes { get; init; }

    /// <summary>
    /// Every this many training episodes, <see cref="EvaluationEpisodes"/> deterministic episodes
    /// (0: never); the points let experiments count the samples a method needs to reach a return.
    /// </summary>
    public int EvaluateEvery { get; init; }

    /// <summary>
    /// Environment steps after which a run stops at the end of the current episode (null: none); sample
    /// comparisons between methods whose episodes differ in length budget steps, not episodes.
    /// </summary>
    public long? StepBudget { get; init; }
}
