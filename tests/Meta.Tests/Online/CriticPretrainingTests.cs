using OfflineSafety.Envs;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Meta.Tests.Online;

/// <summary>
/// The pretrained critic must tell safe states from risky ones before Recovery RL's switch can mean
/// anything. With the papers' tau_safe 2e-4 over a short run the target network keeps most of its
/// initial output (about 0.5) and every state of Navigation 2 scores above eps_risk 0.1.
/// </summary>
public class CriticPretrainingTests
{
    private static readonly float[] FarFromTheBox = [-10f, 20f];
    private static readonly float[] AtTheLeftFace = [-31f, 0f];

    private static SafetyCritic Pretrain(float tauSafe)
    {
        var definition = EnvironmentRegistry.Default.Get("navigation2");
        var offline = OnlineStartTraining.CollectOffline(definition, definition.Variants.Parse("b1=1,b2=1"), 5000, 1);
        var safety = SafetySettings.For("navigation2") with
        {
            PretrainSteps = 1500, CriticBatchSize = 64, RecoveryHidden = [32, 32], TauSafe = tauSafe,
        };
        return OnlineStartTraining.Pretrain(offline, safety, new CriticArchitecture([64, 64], 2), 0).Critic!;
    }

    private static float Risk(SafetyCritic critic, float[] obs)
    {
        var risk = new float[1];
        critic.Score(obs, [0f, 0f], 1, risk);
        return risk[0];
    }

    [Fact]
    public void Run_length_tau_scores_far_states_safe_and_states_at_the_box_risky()
    {
        var critic = Pretrain(RiskTarget.TargetNetworkRate(1500));
        float eps = SafetySettings.For("navigation2").EpsRisk;
        Assert.True(Risk(critic, FarFromTheBox) < eps / 10, $"far from the box: {Risk(critic, FarFromTheBox)}");
        Assert.True(Risk(critic, AtTheLeftFace) > eps, $"at the face: {Risk(critic, AtTheLeftFace)}");
    }

    [Fact]
    public void Papers_tau_over_a_short_run_leaves_far_states_above_eps()
    {
        var critic = Pretrain(2e-4f);
        Assert.True(Risk(critic, FarFromTheBox) > SafetySettings.For("navigation2").EpsRisk, $"far from the box: {Risk(critic, FarFromTheBox)}");
    }

    [Fact]
    public void Tau_for_the_papers_budget_is_ten_times_the_papers_rate_and_capped_for_tiny_runs()
    {
        Assert.Equal(2e-3f, RiskTarget.TargetNetworkRate(10_000), 6);
        Assert.Equal(0.05f, RiskTarget.TargetNetworkRate(30));
    }
}
