using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// Recovery RL's offline critic pretraining on one dataset (the "RRL" comparison trains it on the
/// small test-variant set only): Adam on the risk loss with a Polyak target network.
/// </summary>
public sealed class SingleDatasetTrainer(CriticTrainingSettings config, ComputeOptions? compute = null)
{
    public CriticTrainingSettings Config => config;

    public TrainedCritic Train(TaskRows task, ActionBox? actionBox = null, Action<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        var random = new Xoshiro256StarStar((ulong)config.Seed);
        var normalization = Normalization.Fit(task.Batch, task.AllRows(), actionBox);
        var critic = SafetyCritic.Create(config.Architecture, normalization, random);
        var update = new CriticUpdate(critic, new UniformTargetPolicy(normalization),
            config.BatchSize, config.LearningRate, config.GammaRisk, config.TargetRate, config.PosFraction, compute);
        var recent = new LossWindow(100);

        for (int step = 1; step <= config.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            float loss = update.Step(task, random);
            recent.Add(loss);
            progress?.Invoke(new TrainingProgress(step, config.Steps, recent.Mean));
        }

        return new TrainedCritic(critic, recent.Mean, new Dictionary<string, double>
        {
            ["train_loss"] = recent.Mean,
            ["train_rows"] = task.Count,
            ["train_unsafe_rows"] = task.UnsafeRows.Length,
        });
    }
}
