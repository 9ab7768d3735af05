using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Tests.Sampling;

public class ClassBalancedSamplerTests
{
    private static TransitionBatch Data()
    {
        // 2 variants x 100 rows, 5% unsafe; the observation encodes the row so we can check the copy.
        var b = new TransitionBatch(2, 1);
        for (int i = 0; i < 200; i++)
        {
            bool isUnsafe = i % 20 == 0;
            b.Add(i / 10, i % 10, i < 100 ? "a" : "b", "t", [i, 2 * i], [0.5f], [i + 1, 0], 0, isUnsafe ? 1 : 0, isUnsafe, isUnsafe, false);
        }
        return b;
    }

    [Fact]
    public void Each_batch_holds_pos_fraction_unsafe_rows()
    {
        var data = Data();
        var task = TaskRows.Select(data, null);
        var sampler = new ClassBalancedSampler(Normalization.Identity(2, 1), 0.3);
        var batch = new CriticBatch(256, 2, 1);
        sampler.Sample(task, batch, new Xoshiro256StarStar(1));

        Assert.Equal(77, batch.Unsafe.Count(u => u == 1f)); // round(0.3 * 256)
        for (int i = 0; i < batch.Size; i++)
        {
            int row = batch.Rows[i];
            Assert.Equal(data.Unsafe[row] ? 1f : 0f, batch.Unsafe[i]);
            Assert.Equal(row, batch.ObsOf(i)[0]);
            Assert.Equal(row + 1, batch.NextObsOf(i)[0]);
        }
    }

    [Fact]
    public void Without_a_fraction_the_logged_ratio_is_kept_on_average()
    {
        var task = TaskRows.Select(Data(), null);
        var sampler = new ClassBalancedSampler(Normalization.Identity(2, 1), null);
        var batch = new CriticBatch(256, 2, 1);
        var random = new Xoshiro256StarStar(2);
        int unsafeCount = 0;
        for (int k = 0; k < 40; k++)
        {
            sampler.Sample(task, batch, random);
            unsafeCount += batch.Unsafe.Count(u => u == 1f);
        }
        Assert.InRange(unsafeCount / (40.0 * 256), 0.035, 0.065);
    }

    [Fact]
    public void Variant_selection_draws_only_that_variant()
    {
        var data = Data();
        var tasks = TaskRows.PerVariant(data);
        Assert.Equal(["a", "b"], tasks.Select(t => t.Name));
        var sampler = new ClassBalancedSampler(Normalization.Identity(2, 1), 0.5);
        var batch = new CriticBatch(64, 2, 1);
        sampler.Sample(tasks[1], batch, new Xoshiro256StarStar(3));
        Assert.All(batch.Rows, r => Assert.Equal("b", data.Variant[r]));
        Assert.Equal(32, batch.Unsafe.Count(u => u == 1f));
    }

    [Fact]
    public void Normalisation_is_applied_while_filling()
    {
        var data = Data();
        var norm = Normalization.Fit(data);
        Assert.Equal(99.5f, norm.ObsMean[0], 3);
        var sampler = new ClassBalancedSampler(norm, null);
        var batch = new CriticBatch(8, 2, 1);
        sampler.Sample(TaskRows.Select(data, ["a"]), batch, new Xoshiro256StarStar(4));
        int row = batch.Rows[0];
        Assert.Equal((row - norm.ObsMean[0]) / norm.ObsStd[0], batch.ObsOf(0)[0], 5);
        // Constant action: standard deviation floored, so the value is finite (0).
        Assert.Equal(0f, batch.ActionOf(0)[0]);
    }
}
