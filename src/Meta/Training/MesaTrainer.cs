using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// MESA phase 1 (thesis Algorithm 2; algorithms.md section 3): meta-learn a safety critic whose
/// few-step adaptation to a new dynamics variant is good. Per meta-iteration: draw K training
/// variants; for each, adapt psi by n inner SGD steps on one batch and score the adapted critic
/// on a second batch of the same variant; average the exact second-order outer gradients, clip
/// the global norm, and take one Adam step on psi (and on the learned inner step sizes).
/// The recovery policy is not meta-learned; it is trained during adaptation (phase 2).
/// </summary>
public sealed class MesaTrainer(MesaSettings config, ComputeOptions? compute = null)
{
    public MesaSettings Config => config;

    public TrainedCritic Train(IReadOnlyList<TaskRows> tasks, ActionBox? actionBox = null, Action<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        if (tasks.Count == 0) throw new BadInputException("MESA needs at least one training variant");
        var pooled = TaskRows.Union(tasks, "pooled");
        var random = new Xoshiro256StarStar((ulong)config.Seed);
        var normalization = Normalization.Fit(pooled.Batch, pooled.AllRows(), actionBox);
        var critic = SafetyCritic.Create(config.Architecture, normalization, random);
        var psi = critic.Parameters;
        var targetPsi = psi.Clone();
        var shape = critic.Shape;

        // l: raw per-tensor inner step sizes, alpha = softplus(l), l0 = log(alpha_1) as in the MESA code.
        var rawStepSizes = Tensor.Vector(shape.Tensors.Count);
        rawStepSizes.Data.Fill(MathF.Log(config.InnerLearningRate));
        Tensor[] psiTensors = [psi], targetTensors = [targetPsi], rateTensors = [rawStepSizes];
        var outerAdam = new Adam(psiTensors, config.OuterLearningRate);
        var rateAdam = new Adam(rateTensors, config.InnerRateLearningRate);
        var outerGradient = psi.EnsureGrad();
        var rateGradient = rawStepSizes.EnsureGrad();

        var sampler = new ClassBalancedSampler(normalization, config.PosFraction);
        var policy = new UniformTargetPolicy(normalization);
        var taskOrder = new int[tasks.Count];
        for (int i = 0; i < taskOrder.Length; i++) taskOrder[i] = i;
        int k = Math.Min(config.TasksPerIteration, tasks.Count);
        float scale = 1f / k;
        var slots = new MetaTaskSlots(k, shape, config, critic.ObsDim, critic.ActDim, compute ?? ComputeOptions.Default);
        var recent = new LossWindow(100);
        float lastNorm = 0;

        for (int iteration = 1; iteration <= config.MetaIterations; iteration++)
        {
            ct.ThrowIfCancellationRequested();
            outerGradient.Clear();
            rateGradient.Clear();

            // K distinct variants: a partial Fisher-Yates shuffle of the task indices.
            for (int j = 0; j < k; j++)
            {
                int pick = j + random.NextInt(tasks.Count - j);
                (taskOrder[j], taskOrder[pick]) = (taskOrder[pick], taskOrder[j]);
            }

            // Sampling draws from the one random stream, so it stays serial and in task order.
            for (int j = 0; j < k; j++)
            {
                var task = tasks[taskOrder[j]];
                sampler.Sample(task, slots.Inner(j), random);
                policy.ChooseNextActions(slots.Inner(j), random);
                sampler.Sample(task, slots.Outer(j), random);
                policy.ChooseNextActions(slots.Outer(j), random);
            }
            slots.Run(psi, targetPsi, rawStepSizes, scale, config.LearnInnerLearningRates);
            float outerLoss = slots.SumInto(outerGradient, rateGradient);

            lastNorm = GradientClipping.ClipGlobalNorm(psiTensors, config.GradClipNorm);
            outerAdam.Step();
            if (config.LearnInnerLearningRates) rateAdam.Step();
            PolyakAveraging.Update(targetTensors, psiTensors, config.TargetRate);

            recent.Add(outerLoss);
            progress?.Invoke(new TrainingProgress(iteration, config.MetaIterations, recent.Mean));
        }

        var metrics = new Dictionary<string, double>
        {
            ["train_outer_loss"] = recent.Mean,
            ["train_tasks"] = tasks.Count,
            ["train_rows"] = pooled.Count,
            ["train_unsafe_rows"] = pooled.UnsafeRows.Length,
            ["last_outer_grad_norm"] = lastNorm,
        };
        for (int t = 0; t < rawStepSizes.Length; t++)
            metrics[$"inner_lr.{shape.Tensors[t].Name}"] = MetaGradient.Softplus(rawStepSizes[t]);
        return new TrainedCritic(critic, recent.Mean, metrics);
    }
}
