using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.Randomness;

public class Xoshiro256StarStarTests
{
    [Fact]
    public void SameSeedSameStreamDifferentSeedDifferentStream()
    {
        var a = new Xoshiro256StarStar(123);
        var b = new Xoshiro256StarStar(123);
        var c = new Xoshiro256StarStar(124);
        var sa = Enumerable.Range(0, 100).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(sa, Enumerable.Range(0, 100).Select(_ => b.NextUInt64()));
        Assert.NotEqual(sa, Enumerable.Range(0, 100).Select(_ => c.NextUInt64()));
    }

    [Fact]
    public void MatchesReferenceAlgorithmForKnownState()
    {
        // xoshiro256** seeded by SplitMix64(0): first SplitMix64 outputs are the published
        // 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC.
        ulong s0 = 0xE220A8397B1DCDAF, s1 = 0x6E789E6AA1B965F4, s2 = 0x06C45D188009454F, s3 = 0xF88BB8A8724C81EC;
        var rng = new Xoshiro256StarStar(0);
        for (int i = 0; i < 5; i++)
        {
            ulong expected = ulong.RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = ulong.RotateLeft(s3, 45);
            Assert.Equal(expected, rng.NextUInt64());
        }
    }

    [Fact]
    public void NormalHasUnitMomentsAndUniformStaysInRange()
    {
        var rng = new Xoshiro256StarStar(5);
        var n = new float[200_000];
        rng.FillNormal(n);
        double mean = n.Average(v => (double)v);
        double var_ = n.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(var_, 0.98, 1.02);
        Assert.InRange(n.Count(v => Math.Abs(v) > 1.96) / (double)n.Length, 0.047, 0.053);
        var u = new float[100_000];
        rng.FillUniform(u, -2f, 3f);
        Assert.All(u, v => Assert.InRange(v, -2f, 3f));
        Assert.InRange(u.Average(v => (double)v), 0.48, 0.52);
    }

    [Fact]
    public void CategoricalFollowsWeights()
    {
        var rng = new Xoshiro256StarStar(6);
        var counts = new int[4];
        for (int i = 0; i < 100_000; i++) counts[rng.Categorical([1f, 0f, 3f, 6f])]++;
        Assert.Equal(0, counts[1]);
        Assert.InRange(counts[0] / 1e5, 0.095, 0.105);
        Assert.InRange(counts[2] / 1e5, 0.29, 0.31);
        Assert.InRange(counts[3] / 1e5, 0.59, 0.61);
        Assert.Throws<ArgumentException>(() => rng.Categorical([0f, 0f]));
        Assert.Throws<ArgumentException>(() => rng.Categorical([1f, -1f]));
    }

    [Fact]
    public void NextIntIsUnbiasedOverSmallRange()
    {
        var rng = new Xoshiro256StarStar(7);
        var counts = new int[3];
        for (int i = 0; i < 90_000; i++) counts[rng.NextInt(3)]++;
        Assert.All(counts, c => Assert.InRange(c, 29_300, 30_700));
    }

    [Fact]
    public void UniformAndNormalMomentsMatch()
    {
        var r = new Xoshiro256StarStar(7);
        const int n = 200_000;
        double su = 0, sn = 0, sn2 = 0;
        for (int i = 0; i < n; i++)
        {
            double u = r.NextDouble();
            Assert.InRange(u, 0.0, 0.9999999999999999);
            su += u;
            double z = r.NextNormal();
            sn += z;
            sn2 += z * z;
        }
        Assert.InRange(su / n, 0.497, 0.503);
        Assert.InRange(sn / n, -0.01, 0.01);
        Assert.InRange(sn2 / n, 0.985, 1.015);
    }

    [Fact]
    public void DerivedSeedsSeparateStreamsAndIndices()
    {
        var seeds = new HashSet<ulong>();
        for (ulong stream = 0; stream < 5; stream++)
            for (ulong index = 0; index < 100; index++)
                Assert.True(seeds.Add(Xoshiro256StarStar.DeriveSeed(1, stream, index)));
    }

    [Fact]
    public void ReseedRestartsTheStreamAsAFreshGeneratorWould()
    {
        // Simulators reseed in place on Reset(seed); a pending Box-Muller spare must not leak across.
        var reused = new Xoshiro256StarStar(5);
        reused.NextNormal();
        reused.Reseed(9);
        var fresh = new Xoshiro256StarStar(9);
        for (int i = 0; i < 4; i++) Assert.Equal(fresh.NextNormal(), reused.NextNormal());
        Assert.Equal(fresh.NextUInt64(), reused.NextUInt64());
    }
}
