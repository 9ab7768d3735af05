using OfflineSafety.Envs;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Tests.Online;

/// <summary>
/// Runs side by side (`--workers`) each get their share of the cores through
/// <see cref="OnlineRunOptions.Compute"/>; that must change the speed only. At the paper's widths
/// (2x256, batch 256) every product is split when more than one thread may run it, so a run on one
/// thread and a run on every core take different paths through the kernels.
/// </summary>
public class OnlineComputeTests
{
    [Fact]
    public void Recovery_rl_run_on_one_thread_is_the_run_on_every_core()
    {
        var definition = EnvironmentRegistry.Default.Get("navigation2");
        var variant = definition.Variants.Parse("b1=1,b2=1");
        var offline = OnlineStartTraining.CollectOffline(definition, variant, 2000, 1);
        var safety = SafetySettings.For("navigation2") with { PretrainSteps = 20, CriticBatchSize = 256, RecoveryHidden = [256, 256] };
        var start = OnlineStartTraining.Pretrain(offline, safety, CriticArchitecture.TwoBy256, 0, compute: new ComputeOptions { Threads = 1 });
        var again = OnlineStartTraining.Pretrain(offline, safety, CriticArchitecture.TwoBy256, 0);
        Assert.Equal(start.Critic!.Parameters.Data.ToArray(), again.Critic!.Parameters.Data.ToArray());

        OnlineRunResult Run(ComputeOptions compute, out SafetyCritic critic)
        {
            critic = start.Critic!.Clone();
            var copy = new OnlineStart(critic, start.Recovery!.Clone(), offline);
            var options = new OnlineRunOptions(OnlineAlgorithm.Recovery, 50, 0, "compute")
            {
                Sac = new SacSettings { Hidden = [256, 256], BatchSize = 256, RandomSteps = 0 },
                Safety = safety,
                Compute = compute,
            };
            return new OnlineRunner(definition.Create(variant, 7), copy, options).Run(steps: 300);
        }

        var one = Run(new ComputeOptions { Threads = 1 }, out var oneCritic);
        var all = Run(new ComputeOptions { Threads = 4 }, out var allCritic);
        Assert.True(one.Steps >= 300, $"{one.Steps} steps"); // updates begin after 256
        Assert.Equal(one.Episodes.Select(e => (e.Return, e.Steps, e.CumulativeViolations)), all.Episodes.Select(e => (e.Return, e.Steps, e.CumulativeViolations)));
        Assert.Equal(oneCritic.Parameters.Data.ToArray(), allCritic.Parameters.Data.ToArray());
    }
}
