using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Safer;

/// <summary>Whether an action taken in a state violates the constraint: the environment's own check.</summary>
public delegate bool UnsafeCheck(ReadOnlySpan<float> state, ReadOnlySpan<float> action);

/// <summary>One point of the calibration plot: the bound asked for, the eta it gave, and the unsafe rate measured inside (-eta, eta)^d.</summary>
public sealed record CalibrationPoint(float Bound, float Eta, double UnsafeRate, int Samples);

/// <summary>
/// The latent safety bound eta (paper Section 3.4, Algorithm 3) and its calibration. A latent z is
/// inside the box when max_i |z_i| &lt; eta. Algorithm 3 starts from a large eta and repeatedly
/// shrinks it to the largest |component| of a subsample holding at most the allowed unsafe share,
/// until the in-box data holds at least the wanted safe share. Its fixed point is computed here
/// exactly and without random subsampling: sort the examples' box radii; eta is the largest
/// radius threshold whose box holds an unsafe fraction &lt;= <c>unsafeBound</c> (placed midway to the
/// next radius, so the box is open as in the paper). Deterministic, and the same data always give
/// the same eta.
/// </summary>
public static class SafetyBound
{
    /// <summary>The bounds the paper's calibration plot uses.</summary>
    public static readonly float[] PaperBounds = [0f, 0.15f, 0.30f, 0.45f];

    /// <summary>max_i |z_i| of one latent.</summary>
    public static float Radius(ReadOnlySpan<float> latent)
    {
        float r = 0;
        foreach (var v in latent) r = Math.Max(r, Math.Abs(v));
        return r;
    }

    /// <summary>Algorithm 3 on latents of safe and unsafe examples ([count * dimension] each).</summary>
    public static float Calibrate(ReadOnlySpan<float> safeLatents, ReadOnlySpan<float> unsafeLatents, int dimension, float unsafeBound)
    {
        if (!(unsafeBound is >= 0f and < 1f)) throw new ArgumentOutOfRangeException(nameof(unsafeBound), $"unsafe bound must lie in [0, 1), got {unsafeBound}");
        int ns = safeLatents.Length / dimension, nu = unsafeLatents.Length / dimension, n = ns + nu;
        if (n == 0) throw new ArgumentException("no latents to calibrate on");
        var radius = new float[n];
        var isUnsafe = new bool[n];
        for (int i = 0; i < ns; i++) radius[i] = Radius(safeLatents.Slice(i * dimension, dimension));
        for (int i = 0; i < nu; i++)
        {
            radius[ns + i] = Radius(unsafeLatents.Slice(i * dimension, dimension));
            isUnsafe[ns + i] = true;
        }
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Ties put unsafe first, so a tie never hides an unsafe example inside a box judged safe enough.
        Array.Sort(order, (x, y) => radius[x] != radius[y] ? radius[x].CompareTo(radius[y]) : isUnsafe[y].CompareTo(isUnsafe[x]));
        int best = 0, unsafeSoFar = 0;
        for (int k = 1; k <= n; k++)
        {
            if (isUnsafe[order[k - 1]]) unsafeSoFar++;
            bool boundary = k == n || radius[order[k]] > radius[order[k - 1]];
            if (boundary && unsafeSoFar <= unsafeBound * k) best = k;
        }
        if (best == n) return radius[order[n - 1]] * 1.001f + 1e-6f;
        float inner = best == 0 ? 0f : radius[order[best - 1]];
        return 0.5f * (inner + radius[order[best]]);
    }

    /// <summary>Algorithm 3 on labelled examples mapped through the prior (c = posterior mean of each window).</summary>
    public static float Calibrate(SkillPrior prior, PriorExamples safe, PriorExamples unsafeExamples, float unsafeBound)
        => Calibrate(prior.Analyse(safe).Latents, unsafeExamples.Count == 0 ? [] : prior.Analyse(unsafeExamples).Latents, prior.ActionSize, unsafeBound);

    /// <summary>The unsafe share of the examples whose latents fall inside (-eta, eta)^d (NaN when none does).</summary>
    public static double UnsafeFractionInside(ReadOnlySpan<float> safeLatents, ReadOnlySpan<float> unsafeLatents, int dimension, float eta)
    {
        int inSafe = 0, inUnsafe = 0;
        for (int i = 0; i < safeLatents.Length; i += dimension) if (Radius(safeLatents.Slice(i, dimension)) < eta) inSafe++;
        for (int i = 0; i < unsafeLatents.Length; i += dimension) if (Radius(unsafeLatents.Slice(i, dimension)) < eta) inUnsafe++;
        return inSafe + inUnsafe == 0 ? double.NaN : (double)inUnsafe / (inSafe + inUnsafe);
    }

    /// <summary>
    /// The calibration plot on held-out labelled data: for each bound, eta from the calibration
    /// examples, then the unsafe share of held-out examples inside the box.
    /// </summary>
    public static IReadOnlyList<CalibrationPoint> HeldOutCurve(SkillPrior prior, PriorExamples calibrationSafe, PriorExamples calibrationUnsafe,
        PriorExamples heldOutSafe, PriorExamples heldOutUnsafe, IReadOnlyList<float> bounds)
    {
        var cs = prior.Analyse(calibrationSafe).Latents;
        var cu = calibrationUnsafe.Count == 0 ? [] : prior.Analyse(calibrationUnsafe).Latents;
        var hs = prior.Analyse(heldOutSafe).Latents;
        var hu = heldOutUnsafe.Count == 0 ? [] : prior.Analyse(heldOutUnsafe).Latents;
        var points = new List<CalibrationPoint>();
        foreach (var bound in bounds)
        {
            float eta = Calibrate(cs, cu, prior.ActionSize, bound);
            int inside = 0;
            for (int i = 0; i < hs.Length; i += prior.ActionSize) if (Radius(hs.AsSpan(i, prior.ActionSize)) < eta) inside++;
            for (int i = 0; i < hu.Length; i += prior.ActionSize) if (Radius(hu.AsSpan(i, prior.ActionSize)) < eta) inside++;
            points.Add(new CalibrationPoint(bound, eta, UnsafeFractionInside(hs, hu, prior.ActionSize, eta), inside));
        }
        return points;
    }

    /// <summary>
    /// The paper's Figure 4 measurement: in each given state (with its window), draw latents uniformly
    /// in (-eta, eta)^d, decode them with c = posterior mean, and ask the environment whether the
    /// action is unsafe. Returns the unsafe share of all samples.
    /// </summary>
    public static CalibrationPoint MeasureByEnvironment(SkillPrior prior, PriorExamples states, float bound, float eta, int samplesPerState,
        UnsafeCheck isUnsafe, ulong seed, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samplesPerState);
        var random = new Xoshiro256StarStar(seed);
        var context = new float[prior.ContextSize];
        var latent = new float[prior.ActionSize];
        var action = new float[prior.ActionSize];
        long violations = 0, total = 0;
        for (int i = 0; i < states.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            int filled = states.Filled[i];
            prior.ContextMean(states.Window(i)[((states.WindowLength - filled) * states.StateSize)..], filled, context);
            for (int j = 0; j < samplesPerState; j++)
            {
                for (int d = 0; d < latent.Length; d++) latent[d] = random.Uniform(-eta, eta);
                prior.Decode(states.State(i), context, latent, action);
                if (isUnsafe(states.State(i), action)) violations++;
                total++;
            }
        }
        return new CalibrationPoint(bound, eta, total == 0 ? double.NaN : (double)violations / total, (int)total);
    }
}
