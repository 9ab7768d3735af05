using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Online;

public class SoftActorCriticTests
{
    // A one-step bandit: reward -(a - 0.5)^2 per dimension, every transition terminal.
    private static SacBatch Bandit(SoftActorCritic sac, Xoshiro256StarStar random, SacBatch batch)
    {
        for (int i = 0; i < batch.Size; i++)
        {
            batch.Obs[i] = 0;
            batch.NextObs[i] = 0;
            float a = 2f * random.NextFloat() - 1f;
            batch.Action[i] = a;
            batch.Reward[i] = -(a - 0.5f) * (a - 0.5f) * 10f;
            batch.Done[i] = 1f;
        }
        return batch;
    }

    [Fact]
    public void Sac_finds_the_best_action_of_a_bandit()
    {
        var random = new Xoshiro256StarStar(11);
        var box = new SquashedActionBox([-1f], [1f]);
        var sac = new SoftActorCritic(1, box, Normalization.Identity(1, 1), new SacSettings { Hidden = [32, 32], BatchSize = 64, Alpha = 0.01f, LearningRate = 3e-3f }, random);
        var batch = new SacBatch(64, 1, 1);
        for (int i = 0; i < 400; i++) sac.Update(Bandit(sac, random, batch), null, random);
        var action = new float[1];
        sac.Act([0f], action, deterministic: true, random);
        Assert.InRange(action[0], 0.3f, 0.7f);
    }

    [Fact]
    public void Learned_temperature_moves_and_fixed_one_does_not()
    {
        var random = new Xoshiro256StarStar(12);
        var box = new SquashedActionBox([-1f], [1f]);
        var fixedAlpha = new SoftActorCritic(1, box, Normalization.Identity(1, 1), new SacSettings { Hidden = [8], BatchSize = 16 }, random);
        var learned = new SoftActorCritic(1, box, Normalization.Identity(1, 1), new SacSettings { Hidden = [8], BatchSize = 16, LearnAlpha = true }, random);
        var batch = new SacBatch(16, 1, 1);
        for (int i = 0; i < 20; i++)
        {
            fixedAlpha.Update(Bandit(fixedAlpha, random, batch), null, random);
            learned.Update(Bandit(learned, random, batch), null, random);
        }
        Assert.Equal(0.2f, fixedAlpha.Alpha, 5);
        Assert.NotEqual(0.2f, learned.Alpha, 4);
    }

    [Fact]
    public void Sac_updates_allocate_nothing_in_steady_state()
    {
        var random = new Xoshiro256StarStar(13);
        var box = new SquashedActionBox([-1f, -1f], [1f, 1f]);
        var sac = new SoftActorCritic(2, box, OnlineFixtures.NavigationNormalization(), new SacSettings { Hidden = [16, 16], BatchSize = 32 }, random);
        var batch = new SacBatch(32, 2, 2);
        var critic = OnlineFixtures.ConstantCritic(0f);
        var penalty = new ActorRiskPenalty(critic, box, 32) { Lambda = 10f };
        for (int i = 0; i < batch.Obs.Length; i++) batch.Obs[i] = batch.NextObs[i] = random.NextFloat();
        for (int i = 0; i < 5; i++) sac.Update(batch, penalty, random);
        // Best of three windows: a kernel split state is pooled process-wide, so a test running
        // beside this one can briefly empty the pool and make one window create a split. An update
        // that allocated per step would fail every window.
        long allocated = long.MaxValue;
        for (int window = 0; window < 3 && allocated >= 1024; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) sac.Update(batch, penalty, random);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated < 1024, $"20 SAC updates allocated {allocated} bytes in each of three windows");
    }
}
