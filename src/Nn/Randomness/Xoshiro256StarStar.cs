namespace OfflineSafety.Nn.Randomness;

/// <summary>
/// The project's one seeded generator: xoshiro256** (Blackman and Vigna) with SplitMix64 seeding;
/// normals by the Box-Muller transform, keeping the second value of each pair. Identical seeds give
/// identical streams on every platform (System.Random's algorithm is no documented contract), which
/// is what makes training runs, simulators, collection policies and generated suites reproducible.
/// A class, so every holder of a reference advances the same stream; independent streams come from
/// <see cref="Split"/> or <see cref="DeriveSeed"/>. Not thread-safe: give each thread its own.
/// </summary>
public sealed class Xoshiro256StarStar
{
    ulong _s0, _s1, _s2, _s3;
    bool _hasSpare;
    double _spare;

    public Xoshiro256StarStar(ulong seed) => Reseed(seed);

    /// <summary>
    /// Restarts the stream as if newly constructed from <paramref name="seed"/>, in place, so an
    /// environment's Reset(seed) allocates nothing.
    /// </summary>
    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _hasSpare = false;
        _spare = 0;
    }

    /// <summary>
    /// A seed for an independent sub-stream (for example variant i of a suite), so that adding
    /// or reordering streams never shifts the numbers another stream sees.
    /// </summary>
    public static ulong DeriveSeed(ulong seed, ulong stream, ulong index)
    {
        ulong x = seed ^ (stream * 0x9E3779B97F4A7C15UL);
        ulong a = SplitMix(ref x);
        x = a ^ (index * 0xD1B54A32D192ED03UL);
        return SplitMix(ref x);
    }

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A new generator seeded from this stream, for an independent deterministic sub-stream.</summary>
    public Xoshiro256StarStar Split() => new(NextUInt64());

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    public float Uniform(float low, float high) => low + (high - low) * NextFloat();

    /// <summary>
    /// Uniform in [low, high) from <see cref="NextDouble()"/>'s 53 bits. Named apart from the float
    /// <see cref="Uniform"/> so integer arguments cannot silently pick the other stream mapping.
    /// </summary>
    public double UniformDouble(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Unbiased integer in [0, bound) (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), $"bound must be positive, got {bound}");
        ulong range = (ulong)bound;
        UInt128 m = (UInt128)NextUInt64() * range;
        if ((ulong)m < range)
        {
            ulong threshold = (0UL - range) % range;
            while ((ulong)m < threshold) m = (UInt128)NextUInt64() * range;
        }
        return (int)(m >> 64);
    }

    /// <summary>
    /// Integer in [0, count) by one multiply-shift of the top 32 bits: one draw always, with a bias
    /// below count / 2^32. The simulators and collection policies use it, and the generated suites'
    /// content (and so their stored hashes) depends on this exact mapping; new code wants <see cref="NextInt"/>.
    /// </summary>
    public int NextSmallInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)(((NextUInt64() >> 32) * (ulong)count) >> 32);
    }

    public double NextNormal(double mean, double std) => mean + std * NextNormal();

    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        // 1 - U keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spare = radius * Math.Sin(angle);
        _hasSpare = true;
        return radius * Math.Cos(angle);
    }

    public void FillNormal(Span<float> destination, float mean = 0f, float std = 1f)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = mean + std * (float)NextNormal();
    }

    public void FillUniform(Span<float> destination, float low, float high)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = Uniform(low, high);
    }

    /// <summary>Index drawn with probability proportional to the non-negative <paramref name="weights"/>.</summary>
    public int Categorical(ReadOnlySpan<float> weights)
    {
        double total = 0;
        foreach (float w in weights)
        {
            if (!(w >= 0f) || float.IsInfinity(w)) throw new ArgumentException($"categorical weights must be finite and non-negative, got {w}", nameof(weights));
            total += w;
        }
        if (total <= 0) throw new ArgumentException("categorical weights sum to zero", nameof(weights));
        double u = NextDouble() * total;
        double acc = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            acc += weights[i];
            if (u < acc) return i;
        }
        // Rounding can leave u at the very top; the last positive weight owns it.
        for (int i = weights.Length - 1; i >= 0; i--) if (weights[i] > 0f) return i;
        return weights.Length - 1;
    }
}
