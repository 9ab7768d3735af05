using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Collection;

/// <summary>Starts from the environment's own start distribution and acts uniformly in the action box.</summary>
public sealed class UniformRandomPolicy : IRolloutPolicy
{
    private readonly Xoshiro256StarStar _random;
    private float[] _low = [];
    private float[] _high = [];

    public UniformRandomPolicy(ulong seed) => _random = new Xoshiro256StarStar(seed);

    public string Name => "uniform-random";

    public ReadOnlySpan<float> BeginRollout(ISafetyEnvironment environment)
    {
        if (_low.Length != environment.ActionSpace.Dim)
        {
            _low = environment.ActionSpace.Low.ToArray();
            _high = environment.ActionSpace.High.ToArray();
        }
        return environment.Reset();
    }

    public void Act(ReadOnlySpan<float> observation, Span<float> action)
    {
        for (int i = 0; i < action.Length; i++) action[i] = (float)_random.UniformDouble(_low[i], _high[i]);
    }
}
