namespace OfflineSafety.Envs.Controllers;

/// <summary>
/// The cart-pole PD law a = clip(kx x + ktheta theta + kv xdot + komega thetadot, -1, 1). The default
/// gains balance the pole well (return about 189 of 200 at L = 0.6) but pull the cart back to the
/// centre only weakly, so it drifts: in the hazard variant (|x| &gt;= 0.2 costs) about 14% of its
/// steps cost, nearly three times the 5% a 0.95-safe policy may spend (docs/transfer.md).
/// </summary>
public sealed record CartPolePdController(float Kx = 0.05f, float KTheta = 4f, float KV = 0.2f, float KOmega = 0.6f) : IController
{
    public string Name => "cartpole-pd";

    public void Act(ReadOnlySpan<float> observation, Span<float> action) =>
        action[0] = Math.Clamp(Kx * observation[0] + KTheta * observation[1] + KV * observation[2] + KOmega * observation[3], -1f, 1f);
}
