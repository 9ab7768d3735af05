using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Training;

public class AllocationTests
{
    [Fact]
    public void A_meta_gradient_step_allocates_nothing_in_steady_state()
    {
        var data = WallWalk.Generate([("a", 0.4f), ("b", 0.8f)], 40, seed: 12);
        var tasks = TaskRows.PerVariant(data);
        var normalization = Normalization.Fit(data);
        var critic = SafetyCritic.Create(new CriticArchitecture([16, 16], 1), normalization, new Xoshiro256StarStar(1));
        var serial = new ComputeOptions { Threads = 1 };
        var meta = new MetaGradient(critic.Shape, 2, firstOrder: false, 32, 32, serial);
        var sampler = new ClassBalancedSampler(normalization, 0.3);
        var policy = new UniformTargetPolicy(normalization);
        var inner = new CriticBatch(32, 1, 1);
        var outer = new CriticBatch(32, 1, 1);
        var targetPass = new MlpPass(critic.Shape, 32, serial);
        var scratch = new float[32];
        var rates = new float[critic.Shape.Tensors.Count];
        var gradient = new float[critic.Shape.ParameterCount];
        var rateGradient = new float[rates.Length];
        var random = new Xoshiro256StarStar(2);

        void Iteration()
        {
            for (int t = 0; t < tasks.Count; t++)
            {
                var task = tasks[t];
                sampler.Sample(task, inner, random);
                policy.ChooseNextActions(inner, random);
                RiskLoss.ComputeTargets(targetPass, critic.Parameters.Data, inner, 0.8f, scratch);
                sampler.Sample(task, outer, random);
                policy.ChooseNextActions(outer, random);
                RiskLoss.ComputeTargets(targetPass, critic.Parameters.Data, outer, 0.8f, scratch);
                meta.Accumulate(critic.Parameters.Data, rates, inner, outer, 0.5f, gradient, rateGradient);
            }
        }

        Iteration();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Iteration();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
