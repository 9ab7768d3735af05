using OfflineSafety.Envs;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

/// <summary>Small real components for online tests: navigation, critics with a known constant risk, a fixed recovery action.</summary>
internal static class OnlineFixtures
{
    public static EnvironmentDefinition Navigation => EnvironmentRegistry.Default.Get("navigation1");

    public static ISafetyEnvironment Environment(ulong seed = 3) => Navigation.Create(new InputGainVariant(1, 1), seed);

    /// <summary>A 2+2-wide critic batch of normal inputs, every fourth row unsafe and every third terminal.</summary>
    public static CriticBatch RandomCriticBatch(int size, int seed)
    {
        var batch = new CriticBatch(size, 2, 2);
        var random = new Xoshiro256StarStar((ulong)seed);
        for (int i = 0; i < batch.Input.Length; i++) batch.Input[i] = (float)random.NextNormal();
        for (int i = 0; i < batch.NextInput.Length; i++) batch.NextInput[i] = (float)random.NextNormal();
        for (int i = 0; i < size; i++)
        {
            batch.Unsafe[i] = i % 4 == 0 ? 1f : 0f;
            batch.Terminal[i] = i % 3 == 0 ? 1f : 0f;
        }
        return batch;
    }

    /// <summary>A critic whose output is sigmoid(logit) for every input: all weights zero, output biases = logit.</summary>
    public static SafetyCritic ConstantCritic(float logit, Normalization? normalization = null)
    {
        var n = normalization ?? NavigationNormalization();
        var critic = SafetyCritic.Create(new CriticArchitecture([8], 2), n, new Xoshiro256StarStar(1));
        critic.Parameters.Data.Clear();
        var shape = critic.Shape;
        int last = shape.Layers - 1;
        critic.Parameters.Data.Slice(shape.BiasOffset(last), shape.Outputs).Fill(logit);
        return critic;
    }

    /// <summary>A recovery policy whose deterministic action is <paramref name="squashed"/> on the [-1, 1] action box, whatever the state.</summary>
    public static RecoveryPolicy FixedRecovery(Normalization normalization, float squashed)
    {
        var policy = RecoveryPolicy.Create(normalization, [8], new Xoshiro256StarStar(2));
        policy.Parameters.Data.Clear();
        var shape = policy.Shape;
        int last = shape.Layers - 1;
        var bias = policy.Parameters.Data.Slice(shape.BiasOffset(last), shape.Outputs);
        for (int d = 0; d < normalization.ActDim; d++) bias[d] = MathF.Atanh(squashed);
        return policy;
    }

    public static Normalization NavigationNormalization() =>
        new([-25f, 0f], [15f, 5f], [0f, 0f], [0.6f, 0.6f], [-1f, -1f], [1f, 1f]);

    /// <summary>Tiny networks so a test runs in well under a second per episode.</summary>
    public static OnlineRunOptions Options(OnlineAlgorithm algorithm, int episodes, float eps = 0.3f, float criticLearningRate = 0f) =>
        new(algorithm, episodes, 5, $"test-{algorithm.Name()}")
        {
            Sac = new SacSettings { Hidden = [16, 16], BatchSize = 16 },
            Safety = new SafetySettings
            {
                EpsRisk = eps,
                CriticBatchSize = 16,
                CriticLearningRate = criticLearningRate,
                RecoveryLearningRate = 0f,
                RecoveryHidden = [8],
                SqrlSamples = 8,
            },
        };
}
