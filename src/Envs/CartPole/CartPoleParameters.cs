namespace OfflineSafety.Envs.CartPole;

/// <summary>
/// Physical constants of the cart-pole. The pole is a uniform rod of length L (centre of mass at
/// L/2), so the held-out L = 1.0 has the classic Barto-Sutton-Anderson body (half length 0.5,
/// cart 1 kg, pole 0.1 kg) and the training lengths are shorter, faster-falling versions of it.
/// The actuator is 4 N rather than the classic 10 N bang-bang force: with a ~ U(-1, 1) it puts the
/// 30-step random suites at the paper's violation rates (docs/envs.md has the sweep), and it
/// still out-pushes gravity on the tilt of a start state (4 N / 1.1 kg = 3.6 m/s^2 &gt; g * 0.2 rad).
/// </summary>
/// <remarks>
/// <see cref="HazardLimit"/> marks a hazard zone |x| &gt;= limit inside the rails: a step that ends there
/// costs 1 and is unsafe but does not end the episode (the safe-transfer and dual-agent papers' costs
/// keep the episode going); infinite, the default, means no zone.
/// </remarks>
public sealed record CartPoleParameters(
    double CartMass = 1.0,
    double PoleMass = 0.1,
    double Gravity = 9.8,
    double MaxForce = 4.0,
    double SubstepSeconds = 0.02,
    int Substeps = 2,
    double StartStd = 0.1,
    double RailLimit = 2.4,
    int Horizon = 200,
    double SuccessReturn = 160,
    double HazardLimit = double.PositiveInfinity)
{
    public static CartPoleParameters Default { get; } = new();

    public double StepSeconds => SubstepSeconds * Substeps;
}
