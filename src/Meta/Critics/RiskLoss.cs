using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;

namespace OfflineSafety.Meta.Critics;

/// <summary>
/// The safety-critic loss on a <see cref="CriticBatch"/>: every head regresses onto the same risk
/// target y, L = mean over rows and heads of (Q_h(s, a) - y)^2, with y treated as a constant (it
/// comes from the target network). Also gives the exact Hessian-vector product of L, which MESA's
/// second-order outer gradient needs.
/// </summary>
public static class RiskLoss
{
    /// <summary>
    /// y = c + (1 - c)(1 - terminal) gamma max_h Qtarg_h(s', a') with a' already in the batch.
    /// <paramref name="scratch"/> holds one value per row.
    /// </summary>
    public static void ComputeTargets(MlpPass targetPass, ReadOnlySpan<float> targetParameters, CriticBatch batch, float gammaRisk, Span<float> scratch) =>
        Targets(targetPass.Forward(targetParameters, batch.NextInput, batch.Size), targetPass, batch, gammaRisk, scratch);

    /// <summary><see cref="ComputeTargets(MlpPass, ReadOnlySpan{float}, CriticBatch, float, Span{float})"/> through the target tensor's kept weight panels.</summary>
    public static void ComputeTargets(MlpPass targetPass, Tensor targetParameters, CriticBatch batch, float gammaRisk, Span<float> scratch) =>
        Targets(targetPass.Forward(targetParameters, batch.NextInput, batch.Size), targetPass, batch, gammaRisk, scratch);

    private static void Targets(ReadOnlySpan<float> q, MlpPass targetPass, CriticBatch batch, float gammaRisk, Span<float> scratch)
    {
        var nextRisk = scratch[..batch.Size];
        SafetyCritic.PessimisticMax(q, targetPass.Shape.Outputs, nextRisk);
        RiskTarget.Compute(batch.Unsafe, batch.Terminal, nextRisk, gammaRisk, batch.Target);
    }

    /// <summary>
    /// Loss at <paramref name="parameters"/>; its gradient times <paramref name="scale"/> is written to
    /// (or added to) <paramref name="gradient"/>. Leaves the pass ready for <see cref="HessianVector"/>.
    /// <paramref name="kept"/>: the persistent tensor whose values the parameters are, if any (its
    /// packed weight panels are reused; results are the same).
    /// </summary>
    public static float Gradient(MlpPass pass, ReadOnlySpan<float> parameters, CriticBatch batch, Span<float> gradient, bool accumulate, float scale = 1f, Tensor? kept = null)
    {
        int rows = batch.Size, heads = pass.Shape.Outputs;
        var q = kept is null ? pass.Forward(parameters, batch.Input, rows) : pass.Forward(kept, batch.Input, rows);
        var gy = pass.OutputGradient;
        float norm = 1f / (rows * heads);
        double loss = 0;
        for (int i = 0; i < rows; i++)
        {
            float y = batch.Target[i];
            for (int h = 0; h < heads; h++)
            {
                float d = q[i * heads + h] - y;
                loss += d * d;
                gy[i * heads + h] = 2f * scale * norm * d;
            }
        }
        pass.Backward(parameters, gradient, accumulate, kept: kept);
        return (float)(loss * norm);
    }

    /// <summary>
    /// H v of (scale x) the loss at the parameters and batch of the preceding <see cref="Gradient"/>
    /// call on the same pass, into <paramref name="hessianVector"/> (overwritten).
    /// </summary>
    public static void HessianVector(MlpPass pass, ReadOnlySpan<float> parameters, ReadOnlySpan<float> direction, Span<float> hessianVector, float scale = 1f, Tensor? kept = null)
    {
        int n = pass.Rows * pass.Shape.Outputs;
        var rq = pass.ForwardR(parameters, direction, kept);
        var rgy = pass.ROutputGradient;
        // d(dL/dq)/dq = 2 / (rows heads): the MSE's curvature in its output.
        float c = 2f * scale / n;
        for (int i = 0; i < n; i++) rgy[i] = c * rq[i];
        pass.BackwardR(parameters, direction, hessianVector, kept);
    }
}
