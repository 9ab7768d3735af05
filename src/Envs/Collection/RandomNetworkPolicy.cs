using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Collection;

/// <summary>
/// A freshly initialised policy network per rollout: a = tanh(W2 relu(W1 s + b1) + b2), weights
/// N(0, gain^2 / fan_in), drawn anew at every rollout start. This is the thesis's "randomly
/// initialized policy" for the locomotion test sets: unlike independent uniform actions, which only
/// make a body shiver in place, its actions are a deterministic, smooth function of the state, so
/// each rollout commits to some gait (or fall) the way an untrained agent's early episodes do.
/// Observations are scaled by tanh before the first layer so joint velocities do not saturate it.
/// </summary>
public sealed class RandomNetworkPolicy : IRolloutPolicy
{
    private readonly Xoshiro256StarStar _random;
    private readonly int _hidden;
    private readonly double _gain;
    private float[] _w1 = [], _b1 = [], _w2 = [], _b2 = [], _h = [];
    private int _inputs, _outputs;

    public RandomNetworkPolicy(ulong seed, int hidden = 32, double gain = 2.0)
    {
        _random = new Xoshiro256StarStar(seed);
        _hidden = hidden;
        _gain = gain;
    }

    public string Name => "random-network";

    public ReadOnlySpan<float> BeginRollout(ISafetyEnvironment environment)
    {
        int inputs = environment.ObservationSpace.Dim, outputs = environment.ActionSpace.Dim;
        if (inputs != _inputs || outputs != _outputs)
        {
            (_inputs, _outputs) = (inputs, outputs);
            _w1 = new float[_hidden * inputs];
            _b1 = new float[_hidden];
            _w2 = new float[outputs * _hidden];
            _b2 = new float[outputs];
            _h = new float[_hidden];
        }
        Draw(_w1, inputs);
        Draw(_b1, inputs);
        Draw(_w2, _hidden);
        Draw(_b2, _hidden);
        return environment.Reset();
    }

    public void Act(ReadOnlySpan<float> observation, Span<float> action)
    {
        for (int j = 0; j < _hidden; j++)
        {
            float z = _b1[j];
            for (int i = 0; i < _inputs; i++) z += _w1[j * _inputs + i] * MathF.Tanh(observation[i]);
            _h[j] = MathF.Max(0, z);
        }
        for (int k = 0; k < _outputs; k++)
        {
            float z = _b2[k];
            for (int j = 0; j < _hidden; j++) z += _w2[k * _hidden + j] * _h[j];
            action[k] = MathF.Tanh(z);
        }
    }

    private void Draw(float[] weights, int fanIn) => _random.FillNormal(weights, 0f, (float)(_gain / Math.Sqrt(fanIn)));
}
