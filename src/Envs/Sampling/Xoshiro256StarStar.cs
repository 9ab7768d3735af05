namespace OfflineSafety.Envs.Sampling;

/// <summary>
/// The project's own seeded generator (xoshiro256**, seeded through SplitMix64) so that every
/// simulator and collection policy is reproducible from one 64-bit seed on any runtime:
/// System.Random's algorithm is not a documented contract. Gaussians use the Box-Muller
/// transform and keep the second value of each pair. A mutable struct on purpose: it lives
/// inside the object that owns the stream, and copying it forks the stream.
/// </summary>
public struct Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    public Xoshiro256StarStar(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        _spareGaussian = 0;
        _hasSpare = false;
    }

    /// <summary>
    /// A seed for an independent sub-stream (for example variant i of a suite), so that adding
    /// or reordering streams never shifts the numbers another stream sees.
    /// </summary>
    public static ulong DeriveSeed(ulong seed, ulong stream, ulong index)
    {
        ulong x = seed ^ (stream * 0x9E3779B97F4A7C15UL);
        ulong a = SplitMix64(ref x);
        x = a ^ (index * 0xD1B54A32D192ED03UL);
        return SplitMix64(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, count).</summary>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        // Lemire's multiply-shift; the bias for counts this small is below 2^-32 and irrelevant here.
        return (int)(((NextUInt64() >> 32) * (ulong)count) >> 32);
    }

    public double StandardNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }
        // 1 - u keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareGaussian = radius * Math.Sin(angle);
        _hasSpare = true;
        return radius * Math.Cos(angle);
    }

    public double Normal(double mean, double std) => mean + std * StandardNormal();

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
