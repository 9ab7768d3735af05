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

    [Fact]
    public void The_staged_task_slots_match_the_meta_gradient_and_allocate_nothing()
    {
        var data = WallWalk.Generate([("a", 0.4f), ("b", 0.8f), ("c", 1.2f)], 40, seed: 13);
        var tasks = TaskRows.PerVariant(data);
        var normalization = Normalization.Fit(data);
        var critic = SafetyCritic.Create(new CriticArchitecture([16, 16], 1), normalization, new Xoshiro256StarStar(1));
        var serial = new ComputeOptions { Threads = 1 };
        var config = new MesaSettings { InnerBatchSize = 32, OuterBatchSize = 32, InnerSteps = 1 };
        var slots = new MetaTaskSlots(tasks.Count, critic.Shape, config, 1, 1, serial);
        var target = critic.Parameters.Clone();
        var rates = OfflineSafety.Nn.Autodiff.Tensor.Vector(critic.Shape.Tensors.Count);
        rates.Data.Fill(MathF.Log(config.InnerLearningRate));
        var sampler = new ClassBalancedSampler(normalization, 0.3);
        var policy = new UniformTargetPolicy(normalization);
        var random = new Xoshiro256StarStar(3);
        var gradient = new float[critic.Shape.ParameterCount];
        var rateGradient = new float[rates.Length];

        void Iteration()
        {
            for (int t = 0; t < tasks.Count; t++)
            {
                sampler.Sample(tasks[t], slots.Inner(t), random);
                policy.ChooseNextActions(slots.Inner(t), random);
                sampler.Sample(tasks[t], slots.Outer(t), random);
                policy.ChooseNextActions(slots.Outer(t), random);
            }
            Array.Clear(gradient);
            Array.Clear(rateGradient);
            slots.Run(critic.Parameters, target, rates, 0.5f, learnRates: true);
            slots.SumInto(gradient, rateGradient);
        }

        Iteration();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Iteration();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // The same batches through the unstaged path, task by task, give the same bits.
        var meta = new MetaGradient(critic.Shape, 1, firstOrder: false, 32, 32, serial);
        var targetPass = new MlpPass(critic.Shape, 32, serial);
        var scratch = new float[32];
        var expected = new float[gradient.Length];
        var expectedRates = new float[rateGradient.Length];
        for (int t = 0; t < tasks.Count; t++)
        {
            RiskLoss.ComputeTargets(targetPass, target.Values, slots.Inner(t), 0.8f, scratch);
            RiskLoss.ComputeTargets(targetPass, target.Values, slots.Outer(t), 0.8f, scratch);
            var taskGradient = new float[gradient.Length];
            var taskRates = new float[rateGradient.Length];
            meta.Accumulate(critic.Parameters.Values, rates.Values, slots.Inner(t), slots.Outer(t), 0.5f, taskGradient, taskRates);
            for (int i = 0; i < expected.Length; i++) expected[i] += taskGradient[i];
            for (int i = 0; i < expectedRates.Length; i++) expectedRates[i] += taskRates[i];
        }
        Assert.Equal(expected, gradient);
        Assert.Equal(expectedRates, rateGradient);
    }
}
