namespace OfflineSafety.Meta.Critics;

/// <summary>
/// The per-domain risk discount and threshold (algorithms.md sections 2-3; thesis tables B.2-B.3).
/// Navigation 2 uses eps 0.1 as the text says, not the 0.2 of the public code.
/// </summary>
public sealed record RiskSettings(float GammaRisk, float EpsRisk)
{
    public static RiskSettings Default => new(0.8f, 0.1f);

    public static RiskSettings For(string environment) => environment switch
    {
        "navigation1" => new(0.8f, 0.3f),
        "navigation2" => new(0.65f, 0.1f),
        "cartpole-length" => new(0.8f, 0.1f),
        _ => Default,
    };
}
