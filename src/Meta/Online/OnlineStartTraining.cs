using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// Builds what an online run starts from when no trained critic is supplied: offline rows from the
/// environment's own collection recipe, a critic pretrained on them (Recovery RL's offline phase,
/// with Meta's single-dataset trainer), and a recovery policy trained against that critic.
/// </summary>
public static class OnlineStartTraining
{
    /// <summary>Offline rows collected in <paramref name="variant"/> with the environment's pretraining recipe (Recovery RL's D_offline).</summary>
    public static TransitionBatch CollectOffline(EnvironmentDefinition definition, DynamicsVariant variant, int transitions, ulong seed, CancellationToken ct = default)
    {
        var recipe = definition.PretrainingRecipe;
        var env = definition.CreateForCollection(variant, seed, recipe);
        var collector = new TransitionCollector(definition.ObservationSpace.Dim, definition.ActionSpace.Dim, transitions);
        new TransitionRecorder(env, collector).Record(recipe.CreatePolicy(seed ^ 0x5bd1e995UL), transitions,
            recipe.RolloutSteps, 0, ct: ct);
        return collector.Batch;
    }

    /// <summary>Pretrains a critic on all rows of <paramref name="offline"/> and a recovery policy against it.</summary>
    public static OnlineStart Pretrain(TransitionBatch offline, SafetySettings safety, CriticArchitecture architecture, int seed,
        Action<TrainingProgress>? progress = null, ComputeOptions? compute = null, CancellationToken ct = default)
    {
        var config = new CriticTrainingSettings
        {
            Steps = safety.PretrainSteps,
            LearningRate = safety.CriticLearningRate,
            BatchSize = safety.CriticBatchSize,
            GammaRisk = safety.GammaRisk,
            EpsRisk = safety.EpsRisk,
            TauSafe = safety.TauSafe,
            PosFraction = safety.PosFraction,
            Architecture = architecture,
            Seed = seed,
        };
        var rows = TaskRows.Select(offline, null, "offline");
        var critic = new SingleDatasetTrainer(config, compute).Train(rows, null, progress, ct).Critic;
        return new OnlineStart(critic, TrainRecovery(critic, rows, safety, safety.PretrainSteps, seed, compute, ct), offline);
    }

    /// <summary>A model-free recovery policy trained against a fixed critic on the states of <paramref name="rows"/>.</summary>
    public static RecoveryPolicy TrainRecovery(SafetyCritic critic, TaskRows rows, SafetySettings safety, int steps, int seed, ComputeOptions? compute = null,
        CancellationToken ct = default)
    {
        var random = new Xoshiro256StarStar((ulong)seed + 0xA5A5UL);
        var policy = RecoveryPolicy.Create(critic.Normalization, safety.RecoveryHidden, random);
        var update = new RecoveryPolicyUpdate(policy, critic, safety.CriticBatchSize, safety.RecoveryLearningRate, compute: compute);
        var sampler = new ClassBalancedSampler(critic.Normalization, safety.PosFraction);
        var batch = new CriticBatch(safety.CriticBatchSize, critic.ObsDim, critic.ActDim);
        for (int i = 0; i < steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            sampler.Sample(rows, batch, random);
            update.Step(batch, random);
        }
        return policy;
    }
}
