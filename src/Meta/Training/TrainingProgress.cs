using OfflineSafety.Meta.Critics;

namespace OfflineSafety.Meta.Training;

/// <summary>Reported after every step: where training is and the loss of that step.</summary>
public readonly record struct TrainingProgress(int Step, int TotalSteps, float Loss);

/// <summary>A trained critic with the figures worth recording in its model card.</summary>
public sealed record TrainedCritic(SafetyCritic Critic, float FinalLoss, IReadOnlyDictionary<string, double> Metrics);
