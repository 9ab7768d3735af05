using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.Tests;

public class AllocationTests
{
    [Theory]
    [InlineData("navigation1")]
    [InlineData("navigation2")]
    [InlineData("cartpole-length")]
    [InlineData("extraction")]
    public void Stepping_allocates_nothing(string env)
    {
        var definition = EnvironmentRegistry.Default.Get(env);
        var environment = definition.Create(definition.Variants.AutoTestVariant, 1);
        var action = new float[environment.ActionSpace.Dim];
        var random = new Xoshiro256StarStar(2);
        void Run(int steps)
        {
            environment.Reset(3);
            for (int i = 0; i < steps; i++)
            {
                for (int k = 0; k < action.Length; k++) action[k] = (float)random.UniformDouble(-1, 1);
                var r = environment.Step(action);
                if (r.Terminal || r.Truncated) environment.Reset();
            }
        }
        Run(1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(20_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
