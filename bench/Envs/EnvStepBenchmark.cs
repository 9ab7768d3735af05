using System.Diagnostics;
using OfflineSafety.Envs;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Bench.Envs;

/// <summary>One environment's measured single-thread step rate.</summary>
public sealed record EnvStepMeasurement(string EnvironmentId, string Variant, long Steps, long Episodes, double Seconds, long AllocatedBytes)
{
    public double StepsPerSecond => Steps / Seconds;
}

/// <summary>
/// Steps each built-in environment with uniform random actions on the calling thread, resetting
/// whenever an episode ends (online rules: violations end episodes). Allocation is measured on
/// the same thread over the timed loop, which checks that stepping allocates nothing.
/// </summary>
public static class EnvStepBenchmark
{
    public static IReadOnlyList<EnvStepMeasurement> Run(EnvironmentRegistry registry, long steps, ulong seed, CancellationToken ct = default)
    {
        var results = new List<EnvStepMeasurement>();
        foreach (var definition in registry.All)
        {
            var variant = definition.Variants.AutoTestVariant;
            var environment = definition.Create(variant, seed);
            Measure(environment, Math.Min(steps, 10_000), seed, ct); // warm-up: tiered JIT reaches the optimised loop
            results.Add(Measure(environment, steps, seed, ct));
        }
        return results;
    }

    private static EnvStepMeasurement Measure(ISafetyEnvironment environment, long steps, ulong seed, CancellationToken ct)
    {
        var random = new Xoshiro256StarStar(seed);
        var action = new float[environment.ActionSpace.Dim];
        environment.Reset(seed);
        long episodes = 1;
        var clock = new Stopwatch();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        clock.Start();
        for (long i = 0; i < steps; i++)
        {
            if ((i & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
            for (int k = 0; k < action.Length; k++) action[k] = (float)random.UniformDouble(-1, 1);
            var result = environment.Step(action);
            if (result.Terminal || result.Truncated)
            {
                environment.Reset();
                episodes++;
            }
        }
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new EnvStepMeasurement(environment.Id, environment.Variant.Id, steps, episodes, clock.Elapsed.TotalSeconds, allocated);
    }
}
