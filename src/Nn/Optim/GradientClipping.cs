using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.Optim;

public static class GradientClipping
{
    /// <summary>
    /// As torch.nn.utils.clip_grad_norm_ (L2): scales every gradient by
    /// min(1, maxNorm / (total + 1e-6)) where total is the norm of all gradients together.
    /// Returns the total norm before clipping. Parameters without a gradient are ignored.
    /// </summary>
    public static float ClipGlobalNorm(IReadOnlyList<Tensor> parameters, float maxNorm)
    {
        double sumSquares = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].Grad;
            if (g is null) continue;
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm<float>(g);
            sumSquares += (double)norm * norm;
        }
        float total = (float)Math.Sqrt(sumSquares);
        float coefficient = maxNorm / (total + 1e-6f);
        if (coefficient < 1f)
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                var g = parameters[i].Grad;
                if (g is not null) System.Numerics.Tensors.TensorPrimitives.Multiply(g, coefficient, g);
            }
        }
        return total;
    }
}
