using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Tests.Training;

public class TrainerTests
{
    private static readonly (string, float)[] Variants = [("g1", 0.3f), ("g2", 0.5f), ("g3", 0.7f), ("g4", 0.9f)];

    [Fact]
    public void Mesa_is_deterministic_given_a_seed_and_learns_its_step_sizes()
    {
        var data = WallWalk.Generate(Variants, 40, seed: 8);
        var tasks = TaskRows.PerVariant(data);
        var config = new MesaSettings { MetaIterations = 30, InnerBatchSize = 32, OuterBatchSize = 32, TasksPerIteration = 3, Architecture = new([16, 16], 1), OuterLearningRate = 1e-3f, Seed = 3 };

        var first = new MesaTrainer(config).Train(tasks);
        var second = new MesaTrainer(config).Train(tasks);
        var other = new MesaTrainer(config with { Seed = 4 }).Train(tasks);

        Assert.Equal(first.Critic.Parameters.Data.ToArray(), second.Critic.Parameters.Data.ToArray());
        Assert.NotEqual(first.Critic.Parameters.Data.ToArray(), other.Critic.Parameters.Data.ToArray());
        // Learned per-tensor inner step sizes moved away from their common start, 1e-3.
        var rates = first.Metrics.Where(kv => kv.Key.StartsWith("inner_lr.", StringComparison.Ordinal)).Select(kv => kv.Value).ToArray();
        Assert.Equal(first.Critic.Shape.Tensors.Count, rates.Length);
        Assert.Contains(rates, r => Math.Abs(r - Math.Log(1 + 1e-3)) > 1e-6);
    }

    [Fact]
    public void Mesa_gives_bit_identical_critics_for_every_thread_count()
    {
        // The K tasks of a meta-iteration run on separate cores and are summed in task order, so one
        // thread, two, and more threads than tasks must all give the same bits (two inner steps: the
        // learned-rate gradient accumulates across steps too).
        var tasks = TaskRows.PerVariant(WallWalk.Generate(Variants, 40, seed: 8));
        var config = new MesaSettings { MetaIterations = 12, InnerSteps = 2, InnerBatchSize = 32, OuterBatchSize = 32, TasksPerIteration = 3, Architecture = new([16, 16], 1), OuterLearningRate = 1e-3f, Seed = 5 };
        float[] Train(int threads) => new MesaTrainer(config, new ComputeOptions { Threads = threads }).Train(tasks).Critic.Parameters.Data.ToArray();

        var serial = Train(1);
        Assert.Equal(serial, Train(2));
        Assert.Equal(serial, Train(5));
    }

    [Fact]
    public void Mesa_with_fixed_step_sizes_keeps_them()
    {
        var tasks = TaskRows.PerVariant(WallWalk.Generate(Variants, 20, seed: 9));
        var result = new MesaTrainer(new MesaSettings { MetaIterations = 5, InnerBatchSize = 16, OuterBatchSize = 16, Architecture = new([8], 1), LearnInnerLearningRates = false })
            .Train(tasks);
        Assert.All(result.Metrics.Where(kv => kv.Key.StartsWith("inner_lr.", StringComparison.Ordinal)), kv => Assert.Equal(Math.Log(1 + 1e-3), kv.Value, 6));
    }

    [Fact]
    public void Multi_task_pools_every_variant_and_lowers_its_loss()
    {
        var data = WallWalk.Generate(Variants, 60, seed: 10);
        var tasks = TaskRows.PerVariant(data);
        var pooled = TaskRows.Union(tasks, "pooled");
        Assert.Equal(data.Count, pooled.Count);

        var shortRun = new MultiTaskTrainer(new CriticTrainingSettings { Steps = 5, BatchSize = 64, Architecture = new([16, 16], 2), LearningRate = 3e-3f }).Train(tasks);
        var longRun = new MultiTaskTrainer(new CriticTrainingSettings { Steps = 300, BatchSize = 64, Architecture = new([16, 16], 2), LearningRate = 3e-3f }).Train(tasks);
        Assert.True(longRun.FinalLoss < shortRun.FinalLoss, $"loss after 300 steps {longRun.FinalLoss} vs 5 steps {shortRun.FinalLoss}");
        Assert.Equal(data.Count, longRun.Metrics["train_rows"]);
    }

    [Fact]
    public void The_declared_action_box_replaces_the_logged_one()
    {
        var data = WallWalk.Generate([("v", 0.5f)], 10, seed: 11);
        var logged = Normalization.Fit(data);
        Assert.True(logged.ActionLow[0] > -1f && logged.ActionHigh[0] < 1f);
        var declared = Normalization.Fit(data, null, new ActionBox([-2f], [2f]));
        Assert.Equal(-2f, declared.ActionLow[0]);
        Assert.Equal(2f, declared.ActionHigh[0]);
        Assert.Equal(logged.ActionMean, declared.ActionMean);
    }
}
