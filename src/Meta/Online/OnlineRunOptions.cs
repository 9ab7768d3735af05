namespace OfflineSafety.Meta.Online;

/// <summary>What one online run does.</summary>
public sealed record OnlineRunOptions(OnlineAlgorithm Algorithm, int Episodes, int Seed, string RunId)
{
    public RecoveryKind Recovery { get; init; } = RecoveryKind.ModelFree;
    public SacSettings Sac { get; init; } = new();
    public SafetySettings Safety { get; init; } = new();
    public PetsSettings Pets { get; init; } = new();

    /// <summary>Deterministic evaluation episodes after training (0: none).</summary>
    public int EvaluationEpisodes { get; init; }
}
