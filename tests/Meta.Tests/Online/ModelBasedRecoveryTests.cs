using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

public class ModelBasedRecoveryTests
{
    [Fact]
    public void Cem_plans_away_from_rising_risk_through_the_learned_dynamics()
    {
        // Dynamics s' = s + a (logged with random actions); risk rises with x, so the planner should push x down.
        var random = new Xoshiro256StarStar(21);
        var buffer = new ReplayBuffer(2000, 2, 2);
        for (int i = 0; i < 2000; i++)
        {
            float x = random.Uniform(-5f, 5f), y = random.Uniform(-5f, 5f), ax = random.Uniform(-1f, 1f), ay = random.Uniform(-1f, 1f);
            buffer.Add([x, y], [ax, ay], 0, 0, false, false, [x + ax, y + ay]);
        }
        var n = new Normalization([0f, 0f], [3f, 3f], [0f, 0f], [0.6f, 0.6f], [-1f, -1f], [1f, 1f]);
        var critic = SafetyCritic.Create(new CriticArchitecture([1], 1), n, random);
        var p = critic.Parameters.Data;
        p.Clear();
        var shape = critic.Shape;
        p[shape.WeightOffset(0)] = 1f;                   // hidden = relu(x_norm + 10): linear in x over the region
        p[shape.BiasOffset(0)] = 10f;
        p[shape.WeightOffset(1)] = 1f;                   // risk = sigmoid(hidden - 10) = sigmoid(x_norm)
        p[shape.BiasOffset(1)] = -10f;

        var planner = new ModelBasedRecovery(critic, new SquashedActionBox([-1f, -1f], [1f, 1f]), n,
            new PetsSettings { Hidden = [32, 32], EnsembleSize = 2, PretrainSteps = 300, BatchSize = 64, LearningRate = 3e-3f, Population = 100, Elites = 10, Iterations = 3, Horizon = 3 }, random);
        planner.Learn(buffer, random);
        var action = new float[2];
        planner.Act([0f, 0f], action);
        Assert.True(action[0] < -0.5f, $"planned dx {action[0]} should move away from risk");
    }
}
