namespace OfflineSafety.Envs.CartPole;

/// <summary>
/// The frictionless cart-pole ODE (Florian's correction of Barto et al., uniform rod, theta = 0
/// upright, positive theta leaning towards +x) and a classic RK4 step of it. Double precision
/// inside: the simulator's state is advanced in double and only rounded when it is observed.
/// </summary>
public static class CartPoleDynamics
{
    /// <summary>d/dt of (x, theta, xdot, thetadot) under a horizontal force on the cart.</summary>
    public static void Derivative(CartPoleParameters p, double length, double force,
        double theta, double xDot, double thetaDot,
        out double dx, out double dTheta, out double dxDot, out double dThetaDot)
    {
        double halfLength = 0.5 * length;
        double totalMass = p.CartMass + p.PoleMass;
        double sin = Math.Sin(theta), cos = Math.Cos(theta);
        double temp = (force + p.PoleMass * halfLength * thetaDot * thetaDot * sin) / totalMass;
        double thetaAcc = (p.Gravity * sin - cos * temp)
            / (halfLength * (4.0 / 3.0 - p.PoleMass * cos * cos / totalMass));
        double xAcc = temp - p.PoleMass * halfLength * thetaAcc * cos / totalMass;
        dx = xDot;
        dTheta = thetaDot;
        dxDot = xAcc;
        dThetaDot = thetaAcc;
    }

    /// <summary>One RK4 step of <paramref name="h"/> seconds with the force held constant (zero-order hold).</summary>
    public static void Rk4Step(CartPoleParameters p, double length, double force, double h, Span<double> state)
    {
        double x = state[0], th = state[1], v = state[2], w = state[3];
        Derivative(p, length, force, th, v, w, out var k1x, out var k1t, out var k1v, out var k1w);
        Derivative(p, length, force, th + 0.5 * h * k1t, v + 0.5 * h * k1v, w + 0.5 * h * k1w, out var k2x, out var k2t, out var k2v, out var k2w);
        Derivative(p, length, force, th + 0.5 * h * k2t, v + 0.5 * h * k2v, w + 0.5 * h * k2w, out var k3x, out var k3t, out var k3v, out var k3w);
        Derivative(p, length, force, th + h * k3t, v + h * k3v, w + h * k3w, out var k4x, out var k4t, out var k4v, out var k4w);
        state[0] = x + h / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x);
        state[1] = th + h / 6.0 * (k1t + 2 * k2t + 2 * k3t + k4t);
        state[2] = v + h / 6.0 * (k1v + 2 * k2v + 2 * k3v + k4v);
        state[3] = w + h / 6.0 * (k1w + 2 * k2w + 2 * k3w + k4w);
    }
}
