using OfflineSafety.Meta.Safer;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Safer;

/// <summary>
/// A toy task family with a hidden safety context, in the spirit of the paper's Figure 1. Each
/// episode has a hidden danger side d = ±1; the state is (position p, a noisy reading of d with
/// standard deviation 2), so one state barely tells d but a window of 16 does. Safe actions move
/// away from the danger, a = (-0.6 d, 0.5 p) + noise; unsafe ones move toward it, a = (+0.6 d, 0.5 p) + noise.
/// A context-free prior fitted on safe data alone must spread over both signs of the first action
/// component, so it rates unsafe actions as likely as safe ones.
/// </summary>
internal static class ToySkills
{
    public const int StateSize = 2;
    public const int ActionSize = 2;

    public static (PriorExamples Safe, PriorExamples Unsafe) Generate(int episodes, int length, int window, ulong seed, float unsafeShare = 0.3f)
    {
        var rng = new Xoshiro256StarStar(seed);
        var safe = new Builder(window);
        var bad = new Builder(window);
        for (int e = 0; e < episodes; e++)
        {
            float d = rng.NextFloat() < 0.5f ? -1f : 1f;
            float p = rng.Uniform(-1f, 1f);
            var history = new List<float[]>();
            for (int t = 0; t < length; t++)
            {
                var state = new[] { p, d + 2f * (float)rng.NextNormal() };
                history.Add(state);
                float second = 0.5f * p + 0.15f * (float)rng.NextNormal();
                safe.Add(history, [-0.6f * d + 0.15f * (float)rng.NextNormal(), second]);
                if (rng.NextFloat() < unsafeShare) bad.Add(history, [0.6f * d + 0.15f * (float)rng.NextNormal(), 0.5f * p + 0.15f * (float)rng.NextNormal()]);
                p = Math.Clamp(p + 0.1f * (float)rng.NextNormal(), -1.5f, 1.5f);
            }
        }
        return (safe.Build(), bad.Build());
    }

    private sealed class Builder(int window)
    {
        private readonly List<float> _states = [], _actions = [], _windows = [];
        private readonly List<int> _filled = [];

        public void Add(List<float[]> history, float[] action)
        {
            _states.AddRange(history[^1]);
            _actions.AddRange(action);
            int count = Math.Min(window, history.Count);
            for (int i = 0; i < (window - count) * StateSize; i++) _windows.Add(0f);
            for (int t = history.Count - count; t < history.Count; t++) _windows.AddRange(history[t]);
            _filled.Add(count);
        }

        public PriorExamples Build() => new(StateSize, ActionSize, window, [.. _states], [.. _actions], [.. _windows], [.. _filled]);
    }
}
