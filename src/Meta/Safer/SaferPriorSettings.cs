using System.Text.Json.Serialization;
using OfflineSafety.Errors;

namespace OfflineSafety.Meta.Safer;

/// <summary>Which prior the trainer fits: SAFER, or one of the two baselines the experiment needs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PriorVariant>))]
public enum PriorVariant
{
    /// <summary>Flow conditioned on state and safety context, contrastive term on unsafe data (paper, Eq. 5).</summary>
    Safer,
    /// <summary>PARROT (Singh et al. 2021): flow on safe data of successful episodes, conditioned on the state only.</summary>
    Parrot,
    /// <summary>SAFER without the contrastive term: context, but unsafe data never enters the loss.</summary>
    ContextParrot,
}

[JsonConverter(typeof(JsonStringEnumConverter<PriorOptimizer>))]
public enum PriorOptimizer
{
    /// <summary>SGD with momentum, the paper's final choice (Adam diverged more often there).</summary>
    SgdMomentum,
    Adam,
}

/// <summary>How q(c | window) reads the window of recent states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContextEncoderKind>))]
public enum ContextEncoderKind
{
    /// <summary>Per-state embedding with learned positions, one learned query attending over the window.</summary>
    Attention,
    /// <summary>An MLP over the flattened window, the lighter alternative measured in docs/safer.md.</summary>
    Flatten,
}

/// <summary>
/// Everything that decides a SAFER prior fit (Algorithm 2) and its safety bound (Algorithm 3), in
/// one record so a card can store it and a run can be repeated. Defaults are this project's: the
/// paper's architecture (3 couplings, 8 context dimensions, a 16-state window, SGD + momentum),
/// with a larger learning rate and lambda because our fits run thousands of steps, not 500k
/// (docs/safer.md says why).
/// </summary>
public sealed record SaferPriorSettings
{
    public PriorVariant Variant { get; init; } = PriorVariant.Safer;

    /// <summary>Dimensions of the safety context c; forced to 0 for <see cref="PriorVariant.Parrot"/>.</summary>
    public int ContextSize { get; init; } = 8;

    /// <summary>w: states the posterior reads, the current one last, zero-padded at the front.</summary>
    public int WindowLength { get; init; } = 16;

    public int Couplings { get; init; } = 3;
    public int[] FlowHidden { get; init; } = [128, 128];

    /// <summary>Per-coupling log-scale bound: s = bound * tanh(raw / bound).</summary>
    public float LogScaleBound { get; init; } = 3f;

    public ContextEncoderKind Encoder { get; init; } = ContextEncoderKind.Attention;
    public int EncoderWidth { get; init; } = 64;

    /// <summary>lambda: weight of -log p(a_unsafe | s, c) in the loss (0 for the baselines).</summary>
    public float Lambda { get; init; } = 0.5f;

    /// <summary>
    /// The divergence rule's clamp, per action dimension (normalised units): an unsafe example whose
    /// log-density is already below <c>UnsafeLogDensityFloor * ActionSize</c> stops pushing it down.
    /// </summary>
    public float UnsafeLogDensityFloor { get; init; } = -8f;

    public int Steps { get; init; } = 4000;
    public int BatchSize { get; init; } = 128;
    public PriorOptimizer Optimizer { get; init; } = PriorOptimizer.SgdMomentum;
    public float LearningRate { get; init; } = 1e-2f;
    public float Momentum { get; init; } = 0.9f;
    public float GradientClipNorm { get; init; } = 1f;

    /// <summary>Unsafe fraction allowed inside the latent box (-eta, eta)^d when eta is calibrated at fit time (the paper's 15 %).</summary>
    public float UnsafeBound { get; init; } = 0.15f;

    /// <summary>Only rows of episodes that end in success count as safe data (the paper's "safe and successful").</summary>
    public bool SuccessfulEpisodesOnly { get; init; } = true;

    public int Seed { get; init; }

    /// <summary>Threads for the training GEMMs; results do not depend on it.</summary>
    public int Threads { get; init; } = 1;

    public int ProgressEvery { get; init; } = 100;

    /// <summary>The context size the variant really uses.</summary>
    public int EffectiveContextSize => Variant == PriorVariant.Parrot ? 0 : ContextSize;

    /// <summary>The lambda the variant really uses.</summary>
    public float EffectiveLambda => Variant == PriorVariant.Safer ? Lambda : 0f;

    /// <summary>
    /// Defaults for a variant. All three share optimiser and architecture (the paper tuned PARROT to
    /// Adam separately; one setting for all keeps the comparison about the objective alone).
    /// </summary>
    public static SaferPriorSettings For(PriorVariant variant) => new() { Variant = variant };

    /// <summary>Settings are user input (fit-prior's options): a bad one is a one-line user error.</summary>
    public void Validate()
    {
        static void Positive(float v, string name) { if (!(v > 0f) || float.IsInfinity(v)) throw new BadInputException($"{name} must be positive, got {v}"); }
        if (ContextSize < 0) throw new BadInputException($"--context-size must be >= 0, got {ContextSize}");
        if (Variant != PriorVariant.Parrot && ContextSize == 0) throw new BadInputException($"--context-size: {SkillPriorStore.AlgorithmName(Variant)} needs a context of at least 1 dimension");
        if (WindowLength < 1) throw new BadInputException($"--window must be >= 1, got {WindowLength}");
        if (Couplings < 1) throw new BadInputException($"couplings must be >= 1, got {Couplings}");
        if (Steps < 0) throw new BadInputException($"--steps must be >= 0, got {Steps}");
        if (BatchSize < 1) throw new BadInputException($"--batch-size must be >= 1, got {BatchSize}");
        if (!(Lambda >= 0f)) throw new BadInputException($"--lambda must be >= 0, got {Lambda}");
        if (!(UnsafeBound is >= 0f and < 1f)) throw new BadInputException($"--unsafe-bound must lie in [0, 1), got {UnsafeBound}");
        Positive(LearningRate, "--lr");
        Positive(GradientClipNorm, nameof(GradientClipNorm));
        Positive(LogScaleBound, nameof(LogScaleBound));
        if (EncoderWidth < 1) throw new BadInputException($"encoder width must be >= 1, got {EncoderWidth}");
    }
}
