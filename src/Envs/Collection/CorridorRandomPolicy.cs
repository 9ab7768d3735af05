using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Collection;

/// <summary>
/// Navigation 1's offline data: start somewhere in the corridor near one of its walls,
/// x ~ U(-80, 50), y ~ U(-5, -2) or U(2, 5) with equal odds, then act with clip(N(0, I), -1, 1).
/// </summary>
public sealed class CorridorRandomPolicy : IRolloutPolicy
{
    private readonly float[] _start = new float[2];
    private readonly Xoshiro256StarStar _random;

    public CorridorRandomPolicy(ulong seed) => _random = new Xoshiro256StarStar(seed);

    public string Name => "corridor-random";

    public ReadOnlySpan<float> BeginRollout(ISafetyEnvironment environment)
    {
        _start[0] = (float)_random.UniformDouble(-80, 50);
        double side = _random.NextDouble() < 0.5 ? -1 : 1;
        _start[1] = (float)(side * _random.UniformDouble(2, 5));
        return environment.ResetTo(_start);
    }

    public void Act(ReadOnlySpan<float> observation, Span<float> action)
    {
        action[0] = ClippedNormal(_random);
        action[1] = ClippedNormal(_random);
    }

    internal static float ClippedNormal(Xoshiro256StarStar random) => (float)Math.Clamp(random.NextNormal(), -1.0, 1.0);
}
