using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Training;

/// <summary>
/// One Adam step of the risk loss, the unit shared by single-dataset training, Multi-Task training
/// and test-time adaptation: draw a class-balanced batch, let the target policy pick a', build
/// y from the target network, take the gradient, step Adam, and move the target network by Polyak
/// averaging. All buffers are allocated once here.
/// </summary>
public sealed class CriticUpdate
{
    private readonly RiskTdStep _td;
    private readonly ClassBalancedSampler _sampler;
    private readonly ITargetPolicy _policy;
    private readonly CriticBatch _batch;

    /// <summary>The target network starts as a copy of the critic.</summary>
    public CriticUpdate(SafetyCritic critic, ITargetPolicy policy, int batchSize, float learningRate,
        float gammaRisk, float tauSafe, double? posFraction, ComputeOptions? compute = null)
    {
        _td = new RiskTdStep(critic, batchSize, learningRate, gammaRisk, tauSafe, compute);
        _policy = policy;
        _sampler = new ClassBalancedSampler(critic.Normalization, posFraction);
        _batch = new CriticBatch(batchSize, critic.ObsDim, critic.ActDim);
    }

    public Tensor TargetParameters => _td.TargetParameters;

    /// <summary>The batch of the latest step (the recovery policy trains on the same states).</summary>
    public CriticBatch LastBatch => _batch;

    public float Step(TaskRows task, Xoshiro256StarStar random)
    {
        _sampler.Sample(task, _batch, random);
        _policy.ChooseNextActions(_batch, random);
        return _td.Step(_batch);
    }
}
