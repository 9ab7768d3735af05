using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Optim;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// lambda = exp(log lambda), trained by Adam on L(log lambda) = log lambda (eps - E Q_risk(s, pi(s))),
/// with the risk term held constant (algorithms.md section 2). The gradient is (eps - risk), so a
/// descent step raises lambda while the policy is riskier than eps and lowers it otherwise.
/// </summary>
public sealed class LagrangeMultiplier
{
    private readonly Tensor _logLambda;
    private readonly Adam _adam;
    private readonly float _eps;

    public LagrangeMultiplier(float initialLambda, float eps, float learningRate)
    {
        if (!(initialLambda > 0)) throw new ArgumentOutOfRangeException(nameof(initialLambda), $"lambda must start positive, got {initialLambda}");
        _logLambda = Tensor.Scalar(MathF.Log(initialLambda));
        _logLambda.RequiresGrad = true;
        _adam = new Adam([_logLambda], learningRate);
        _eps = eps;
    }

    public float Value => MathF.Exp(_logLambda[0]);

    public void Update(float meanRisk)
    {
        _logLambda.EnsureGrad()[0] = _eps - meanRisk;
        _adam.Step();
    }
}
