using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Optim;

namespace OfflineSafety.Meta.Critics;

/// <summary>
/// One TD step of the risk loss on a filled batch (a' already written): y from the target network
/// with discount <c>gamma</c>, the gradient, Adam, then Polyak averaging of the target. The unit the
/// offline <c>CriticUpdate</c>, the online <c>SafetyCriticUpdate</c> and the recovery critic share;
/// each keeps its own batch filling. The target network starts as a copy of the critic.
/// </summary>
public sealed class RiskTdStep
{
    private readonly SafetyCritic _critic;
    private readonly Tensor[] _parameters;
    private readonly Tensor[] _target;
    private readonly MlpPass _pass;
    private readonly MlpPass _targetPass;
    private readonly float[] _nextRisk;
    private readonly Adam _adam;
    private readonly float _gamma;
    private readonly float _targetRate;
    private readonly ComputeOptions? _compute;

    public RiskTdStep(SafetyCritic critic, int batchSize, float learningRate, float gamma, float targetRate, ComputeOptions? compute = null)
    {
        _critic = critic;
        _parameters = [critic.Parameters];
        TargetParameters = critic.Parameters.Clone();
        TargetParameters.RequiresGrad = false;
        _target = [TargetParameters];
        _pass = new MlpPass(critic.Shape, batchSize, compute);
        _targetPass = new MlpPass(critic.Shape, batchSize, compute);
        _nextRisk = new float[batchSize];
        _adam = new Adam(_parameters, learningRate, compute: compute);
        _gamma = gamma;
        _targetRate = targetRate;
        _compute = compute;
    }

    public Tensor TargetParameters { get; }

    /// <summary>The discount of this step's targets.</summary>
    public float Gamma => _gamma;

    /// <summary>Writes <paramref name="batch"/>'s targets and trains on them; returns the loss.</summary>
    public float Step(CriticBatch batch)
    {
        RiskLoss.ComputeTargets(_targetPass, TargetParameters.Data, batch, _gamma, _nextRisk);
        float loss = RiskLoss.Gradient(_pass, _critic.Parameters.Data, batch, _critic.Parameters.EnsureGrad(), accumulate: false);
        _adam.Step();
        PolyakAveraging.Update(_target, _parameters, _targetRate, _compute);
        return loss;
    }
}
