namespace OfflineSafety.Meta.Critics;

/// <summary>
/// A domain's risk discount and threshold; <see cref="Hyperparameters.DomainHyperparameterTable"/>
/// holds each environment's pair and its source.
/// </summary>
public sealed record RiskSettings(float GammaRisk, float EpsRisk);
