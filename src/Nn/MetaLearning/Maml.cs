using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.MetaLearning;

/// <summary>How the outer gradient treats the inner update.</summary>
public enum MamlOrder
{
    /// <summary>Differentiate through the inner gradient (exact MAML; needs the Hessian-vector products).</summary>
    Second,
    /// <summary>Treat the inner gradient as a constant (first-order MAML); learned step sizes still get gradients.</summary>
    First,
}

/// <summary>
/// The MAML inner update on a tape: fast_i = w_i - lr_i * dLoss/dw_i. The fast weights are tape
/// tensors, so a later loss computed with them (via a model's functional forward) back-propagates to
/// the original weights, and to learned step sizes, through the update.
/// </summary>
public static class Maml
{
    /// <summary>
    /// One inner SGD step with a fixed step size. <paramref name="weights"/> may be leaf parameters or
    /// the fast weights of a previous step; <paramref name="gradients"/> is scratch space and
    /// <paramref name="fastWeights"/> receives the result (both at least as long as weights).
    /// </summary>
    public static void Step(Tape tape, Tensor innerLoss, IReadOnlyList<Tensor> weights, float learningRate,
        Tensor[] gradients, Tensor[] fastWeights, MamlOrder order = MamlOrder.Second)
    {
        CheckBuffers(weights, gradients, fastWeights);
        tape.Grad(innerLoss, weights, gradients, createGraph: order == MamlOrder.Second);
        for (int i = 0; i < weights.Count; i++)
            fastWeights[i] = tape.Sub(weights[i], tape.Scale(gradients[i], learningRate));
    }

    /// <summary>One inner SGD step with learned per-tensor step sizes softplus(l_i).</summary>
    public static void Step(Tape tape, Tensor innerLoss, IReadOnlyList<Tensor> weights, InnerLearningRates learningRates,
        Tensor[] gradients, Tensor[] fastWeights, MamlOrder order = MamlOrder.Second)
    {
        CheckBuffers(weights, gradients, fastWeights);
        if (learningRates.Count != weights.Count) throw new ArgumentException($"{learningRates.Count} learned step sizes for {weights.Count} weight tensors", nameof(learningRates));
        tape.Grad(innerLoss, weights, gradients, createGraph: order == MamlOrder.Second);
        for (int i = 0; i < weights.Count; i++)
            fastWeights[i] = tape.Sub(weights[i], tape.Mul(tape.Softplus(learningRates.Parameters[i]), gradients[i]));
    }

    static void CheckBuffers(IReadOnlyList<Tensor> weights, Tensor[] gradients, Tensor[] fastWeights)
    {
        if (gradients.Length < weights.Count || fastWeights.Length < weights.Count)
            throw new ArgumentException($"buffers must hold {weights.Count} tensors (gradients {gradients.Length}, fast weights {fastWeights.Length})");
    }
}
