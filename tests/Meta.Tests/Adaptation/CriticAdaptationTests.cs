using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Evaluation;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;

namespace OfflineSafety.Meta.Tests.Adaptation;

public class CriticAdaptationTests
{
    private static readonly CriticArchitecture Small = new([32, 32], 2);

    [Fact]
    public void Adaptation_leaves_the_base_model_untouched_and_changes_the_copy()
    {
        var data = WallWalk.Generate([("test", 0.4f)], 40, seed: 1);
        var baseCritic = new SingleDatasetTrainer(new CriticTrainingSettings { Steps = 20, BatchSize = 32, Architecture = Small })
            .Train(TaskRows.Select(data, null)).Critic;
        var before = baseCritic.Parameters.Data.ToArray();

        var checkpoints = new List<int>();
        var adapted = new CriticAdaptation(new AdaptationSettings { Steps = 10, BatchSize = 16, RecoveryHidden = [16, 16] })
            .Adapt(baseCritic, 0.8f, TaskRows.Select(data, null), new HashSet<int> { 0, 1, 10 }, (s, _) => checkpoints.Add(s));

        Assert.Equal(before, baseCritic.Parameters.Data.ToArray());
        Assert.NotEqual(before, adapted.Critic.Parameters.Data.ToArray());
        Assert.Equal([0, 1, 10], checkpoints);
        Assert.NotNull(adapted.Recovery);
    }

    [Fact]
    public void A_trained_critic_ranks_states_near_the_wall_as_riskier()
    {
        var train = WallWalk.Generate([("v", 0.5f)], 300, seed: 2);
        var heldOut = WallWalk.Generate([("v", 0.5f)], 100, seed: 3);
        var critic = new SingleDatasetTrainer(new CriticTrainingSettings { Steps = 400, BatchSize = 64, Architecture = Small, LearningRate = 3e-3f })
            .Train(TaskRows.Select(train, null)).Critic;
        var report = CriticEvaluation.Evaluate(critic, heldOut, 0.8f);
        Assert.True(report.Auc > 0.85, $"AUC {report.Auc}");
    }

    [Fact]
    public void The_recovery_policy_learns_to_step_away_from_the_wall()
    {
        var data = WallWalk.Generate([("v", 0.5f)], 300, seed: 4);
        var task = TaskRows.Select(data, null);
        var critic = new SingleDatasetTrainer(new CriticTrainingSettings { Steps = 400, BatchSize = 64, Architecture = Small, LearningRate = 3e-3f })
            .Train(task).Critic;
        var adapted = new CriticAdaptation(new AdaptationSettings { Steps = 300, BatchSize = 64, LearningRate = 0f, RecoveryLearningRate = 3e-3f, RecoveryHidden = [32, 32] })
            .Adapt(critic, 0.8f, task);

        // Near the wall (x = 0.8) the recovery action should point away from it (a < 0).
        var action = new float[1];
        adapted.Recovery!.Act([0.8f], action);
        Assert.True(action[0] < -0.3f, $"recovery action at x = 0.8 is {action[0]}");
    }
}
