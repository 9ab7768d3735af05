using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;

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
    private readonly ClassBalancedSampler _sampler;
    private readonly ITargetPolicy _policy;
    private readonly CriticBatch _batch;
    private readonly MlpPass _pass;
    private readonly MlpPass _targetPass;
    private readonly float[] _gradient;
    private readonly float[] _nextRisk;
    private readonly Adam _adam;
    private readonly float _gammaRisk;
    private readonly float _tauSafe;

    public CriticUpdate(SafetyCritic critic, float[] targetParameters, ITargetPolicy policy, int batchSize, float learningRate,
        float gammaRisk, float tauSafe, double? posFraction)
    {
        _critic = critic;
        TargetParameters = targetParameters;
        _policy = policy;
        _sampler = new ClassBalancedSampler(critic.Normalization, posFraction);
        _batch = new CriticBatch(batchSize, critic.ObsDim, critic.ActDim);
        _pass = new MlpPass(critic.Shape, batchSize);
        _targetPass = new MlpPass(critic.Shape, batchSize);
        _gradient = new float[critic.Shape.ParameterCount];
        _nextRisk = new float[batchSize];
        _adam = new Adam(critic.Shape.ParameterCount, learningRate);
        _gammaRisk = gammaRisk;
        _tauSafe = tauSafe;
    }

    public float[] TargetParameters { get; }

    /// <summary>The batch of the latest step (the recovery policy trains on the same states).</summary>
    public CriticBatch LastBatch => _batch;

    public float Step(TaskRows task, Random random)
    {
        _sampler.Sample(task, _batch, random);
        _policy.ChooseNextActions(_batch, random);
        RiskLoss.ComputeTargets(_targetPass, TargetParameters, _batch, _gammaRisk, _nextRisk);
        float loss = RiskLoss.Gradient(_pass, _critic.Parameters, _batch, _gradient, accumulate: false);
        _adam.Step(_critic.Parameters, _gradient);
        ParameterVector.Polyak(TargetParameters, _critic.Parameters, _tauSafe);
        return loss;
    }
}
