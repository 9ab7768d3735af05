using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Adaptation;

/// <summary>An adapted critic, its recovery policy, and what adaptation measured.</summary>
public sealed record AdaptedCritic(SafetyCritic Critic, RecoveryPolicy? Recovery, float FinalLoss, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>The recovery policy's objective critic when adapted with a recovery gamma (<see cref="RecoveryCritic"/>); null: it minimises <see cref="Critic"/>.</summary>
    public SafetyCritic? RecoveryCritic { get; init; }
}

/// <summary>
/// MESA phase 2 (and the same fine-tuning for the comparisons): M Adam steps of the risk loss on the
/// small test-variant set, starting from a copy of the base critic so the base model is never
/// modified, with the recovery policy trained alongside on the same batches against the critic
/// as it adapts (and cloned towards <paramref name="cloning"/>'s saved restart actions when given).
/// With <paramref name="recoveryGamma"/> the recovery policy minimises its own <see cref="RecoveryCritic"/>
/// instead, started from the base critic and trained on the same batches with that discount.
/// Checkpoints let a caller evaluate the critic after chosen step counts.
/// </summary>
public sealed class CriticAdaptation(AdaptationSettings config, RecoveryCloning? cloning = null, float? recoveryGamma = null, ComputeOptions? compute = null)
{
    public AdaptationSettings Config => config;

    public AdaptedCritic Adapt(SafetyCritic baseCritic, float gammaRisk, TaskRows testData,
        IReadOnlySet<int>? checkpoints = null, Action<int, SafetyCritic>? onCheckpoint = null,
        Action<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        var random = new Xoshiro256StarStar((ulong)config.Seed);
        var critic = baseCritic.Clone();
        var update = new CriticUpdate(critic, new UniformTargetPolicy(critic.Normalization), config.BatchSize,
            config.LearningRate, gammaRisk, config.TargetRate, config.PosFraction, compute);
        var recovery = config.TrainRecoveryPolicy ? RecoveryPolicy.Create(critic.Normalization, config.RecoveryHidden, random) : null;
        var recoveryCritic = recovery is null || recoveryGamma is not { } gamma ? null
            : new RecoveryCritic(baseCritic.Clone(), recovery, gamma, config.BatchSize, config.LearningRate, config.TargetRate, compute);
        var recoveryUpdate = recovery is null ? null
            : new RecoveryPolicyUpdate(recovery, recoveryCritic?.Critic ?? critic, config.BatchSize, config.RecoveryLearningRate, cloning, compute);
        var recent = new LossWindow(20);
        float recoveryRisk = float.NaN;

        if (checkpoints?.Contains(0) == true) onCheckpoint?.Invoke(0, critic);
        for (int step = 1; step <= config.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            recent.Add(update.Step(testData, random));
            recoveryCritic?.Step(update.LastBatch);
            if (recoveryUpdate is not null) recoveryRisk = recoveryUpdate.Step(update.LastBatch, random);
            if (checkpoints?.Contains(step) == true) onCheckpoint?.Invoke(step, critic);
            progress?.Invoke(new TrainingProgress(step, config.Steps, recent.Mean));
        }

        var metrics = new Dictionary<string, double>
        {
            ["adapt_loss"] = recent.Mean,
            ["adapt_rows"] = testData.Count,
            ["adapt_unsafe_rows"] = testData.UnsafeRows.Length,
        };
        if (recovery is not null) metrics["recovery_mean_risk"] = recoveryRisk;
        return new AdaptedCritic(critic, recovery, recent.Mean, metrics) { RecoveryCritic = recoveryCritic?.Critic };
    }
}
