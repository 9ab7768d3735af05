using OfflineSafety.Envs;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Training;

namespace OfflineSafety.Meta.Tests.Hyperparameters;

/// <summary>The per-environment values the papers give; a change here changes every experiment.</summary>
public class DomainHyperparameterTableTests
{
    [Theory]
    [InlineData("navigation1", 0.8f, 0.3f, 5000f, 1000f, 100, 64, 2_000, 300, 60, 100)]
    [InlineData("navigation2", 0.65f, 0.1f, 1000f, 3000f, 100, 64, 2_000, 300, 60, 100)]
    [InlineData("cartpole-length", 0.8f, 0.1f, 1000f, 3000f, 500, 256, 10_000, 400, 40, 200)]
    [InlineData("extraction", 0.8f, 0.1f, 1000f, 3000f, 500, 256, 10_000, 1000, 150, 200)]
    [InlineData("cartpole-mujoco", 0.8f, 0.1f, 1000f, 3000f, 500, 256, 10_000, 400, 40, 200)]
    [InlineData("halfcheetah-disabled", 0.8f, 0.1f, 1000f, 3000f, 500, 256, 10_000, 500, 10, 200)]
    [InlineData("ant-disabled", 0.8f, 0.3f, 1000f, 3000f, 500, 256, 10_000, 1000, 10, 200)]
    [InlineData("some-ingested-env", 0.8f, 0.1f, 1000f, 3000f, 500, 256, 10_000, 400, 40, 200)]
    public void Values_per_environment(string id, float gamma, float eps, float lagrange, float penalty,
        int adaptSteps, int adaptBatch, int testOnly, int paperEpisodes, int quickEpisodes, int quickAdapt)
    {
        var d = DomainHyperparameterTable.For(id);
        Assert.Equal((gamma, eps, lagrange, penalty), (d.GammaRisk, d.EpsRisk, d.LagrangeLambda, d.PenaltyLambda));
        Assert.Equal((adaptSteps, adaptBatch, testOnly), (d.AdaptationSteps, d.AdaptationBatchSize, d.TestOnlySteps));
        Assert.Equal((paperEpisodes, quickEpisodes, quickAdapt), (d.PaperEpisodes, d.QuickEpisodes, d.QuickAdaptationSteps));
    }

    [Fact]
    public void Only_navigation2_runs_the_Recovery_RL_comparison_at_another_threshold()
    {
        // At the thesis's 0.1 our critics fire the switch several units before the box and Recovery RL's
        // task policy stalled beside it in 2 of 3 seeds (docs/online.md); the public code's 0.2 let it
        // reach the goal in every seed. MESA and the critics experiment keep 0.1.
        Assert.Equal(0.2f, DomainHyperparameterTable.For("navigation2").RecoveryRlEpsRisk);
        Assert.Equal(0.1f, DomainHyperparameterTable.For("navigation2").EpsRisk);
        Assert.Null(DomainHyperparameterTable.For("navigation1").RecoveryRlEpsRisk);
        Assert.Null(DomainHyperparameterTable.For("cartpole-length").RecoveryRlEpsRisk);
    }

    [Fact]
    public void Every_built_in_environment_has_a_row() =>
        Assert.All(EnvironmentRegistry.Default.All, e => Assert.True(DomainHyperparameterTable.Known.ContainsKey(e.Id), e.Id));

    [Fact]
    public void Config_records_read_the_table()
    {
        var safety = SafetySettings.For("navigation1");
        Assert.Equal((0.8f, 0.3f, 5000f, 1000f), (safety.GammaRisk, safety.EpsRisk, safety.LagrangeLambda, safety.PenaltyLambda));
        var adaptation = AdaptationSettings.For("navigation2");
        Assert.Equal((100, 64, 1e-3f), (adaptation.Steps, adaptation.BatchSize, adaptation.LearningRate));
    }
}
