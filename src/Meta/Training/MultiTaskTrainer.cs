using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// The Multi-Task comparison: one critic trained by Adam on the union of all training variants,
/// each batch drawn from the pooled rows (it never optimises for adaptation; MESA does).
/// </summary>
public sealed class MultiTaskTrainer(MultiTaskConfig config)
{
    public MultiTaskConfig Config => config;

    public TrainedCritic Train(IReadOnlyList<TaskRows> tasks, ActionBox? actionBox = null, Action<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        var pooled = TaskRows.Union(tasks, "pooled");
        var random = new Xoshiro256StarStar((ulong)config.Seed);
        var normalization = Normalization.Fit(pooled.Batch, pooled.AllRows(), actionBox);
        var critic = SafetyCritic.Create(config.Architecture, normalization, random);
        var update = new CriticUpdate(critic, new UniformRandomPolicy(normalization),
            config.BatchSize, config.LearningRate, config.GammaRisk, config.TauSafe, config.PosFraction);
        var recent = new LossWindow(100);

        for (int step = 1; step <= config.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            float loss = update.Step(pooled, random);
            recent.Add(loss);
            progress?.Invoke(new TrainingProgress(step, config.Steps, recent.Mean));
        }

        return new TrainedCritic(critic, recent.Mean, new Dictionary<string, double>
        {
            ["train_loss"] = recent.Mean,
            ["train_tasks"] = tasks.Count,
            ["train_rows"] = pooled.Count,
            ["train_unsafe_rows"] = pooled.UnsafeRows.Length,
        });
    }
}
