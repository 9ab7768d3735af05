using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// The Multi-Task comparison: one critic trained by Adam on the union of all training variants,
/// each batch drawn from the pooled rows (it never optimises for adaptation; MESA does).
/// </summary>
public sealed class MultiTaskTrainer(CriticTrainingSettings config, ComputeOptions? compute = null)
{
    public CriticTrainingSettings Config => config;

    public TrainedCritic Train(IReadOnlyList<TaskRows> tasks, ActionBox? actionBox = null, Action<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        // Multi-Task is single-dataset training on the pooled union of the training variants.
        var pooled = TaskRows.Union(tasks, "pooled");
        var trained = new SingleDatasetTrainer(config, compute).Train(pooled, actionBox, progress, ct);
        return trained with { Metrics = new Dictionary<string, double>(trained.Metrics) { ["train_tasks"] = tasks.Count } };
    }
}
