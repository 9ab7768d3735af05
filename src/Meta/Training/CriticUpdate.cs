using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
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
    private readonly SafetyCritic _critic;
    private readonly Tensor[] _parameters;
    private readonly Tensor[] _target;
    private readonly ClassBalancedSampler _sampler;
    private readonly ITargetPolicy _policy;
    private readonly CriticBatch _batch;
    private readonly MlpPass _pass;
    private readonly MlpPass _targetPass;
    private readonly float[] _nextRisk;
    private readonly Adam _adam;
    private readonly float _gammaRisk;
    private readonly float _tauSafe;

    /// <summary>The target network starts as a copy of the critic.</summary>
    public CriticUpdate(SafetyCritic critic, ITargetPolicy policy, int batchSize, float learningRate,
        float gammaRisk, float tauSafe, double? posFraction)
    {
        _critic = critic;
        _parameters = [critic.Parameters];
        TargetParameters = critic.Parameters.Clone();
        TargetParameters.RequiresGrad = false;
        _target = [TargetParameters];
        _policy = policy;
        _sampler = new ClassBalancedSampler(critic.Normalization, posFraction);
        _batch = new CriticBatch(batchSize, critic.ObsDim, critic.ActDim);
        _pass = new MlpPass(critic.Shape, batchSize);
        _targetPass = new MlpPass(critic.Shape, batchSize);
        _nextRisk = new float[batchSize];
        _adam = new Adam(_parameters, learningRate);
        _gammaRisk = gammaRisk;
        _tauSafe = tauSafe;
    }

    public Tensor TargetParameters { get; }

    /// <summary>The batch of the latest step (the recovery policy trains on the same states).</summary>
    public CriticBatch LastBatch => _batch;

    public float Step(TaskRows task, Xoshiro256StarStar random)
    {
        _sampler.Sample(task, _batch, random);
        _policy.ChooseNextActions(_batch, random);
        RiskLoss.ComputeTargets(_targetPass, TargetParameters.Data, _batch, _gammaRisk, _nextRisk);
        float loss = RiskLoss.Gradient(_pass, _critic.Parameters.Data, _batch, _critic.Parameters.EnsureGrad(), accumulate: false);
        _adam.Step();
        PolyakAveraging.Update(_target, _parameters, _tauSafe);
        return loss;
    }
}
