using OfflineSafety.Envs.Extraction;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Safer;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// Everything `experiment safer` does, in one record: the offline suite (SAFER: 1,000,000 scripted
/// steps over 40 training tasks), the three prior fits, the downstream runs (SAFER: 50,000 SAC
/// steps per task, about 1,000 of our episodes) and the calibration rollouts. <see cref="Paper"/>
/// is that budget; <see cref="Quick"/> shrinks every method by the same factors (smaller SAC and
/// flow, fewer steps and episodes) so the comparison stays even.
/// </summary>
public sealed record SaferExperimentPlan
{
    public required string Name { get; init; }
    public required int Seeds { get; init; }
    public ulong SuiteSeed { get; init; } = 16;

    /// <summary>Offline rows per training task.</summary>
    public required int TransitionsPerTask { get; init; }

    /// <summary>Downstream episodes per (method, task, seed).</summary>
    public required int Episodes { get; init; }

    public required SacSettings Sac { get; init; }

    /// <summary>Prior fit steps and widths; every variant (SAFER, PARROT, Context-PARROT) gets the same.</summary>
    public required int PriorSteps { get; init; }
    public required int PriorBatchSize { get; init; }
    public required int[] FlowHidden { get; init; }
    public required int EncoderWidth { get; init; }
    public float PriorLambda { get; init; } = 0.05f;
    public float PriorLearningRate { get; init; } = 1e-3f;

    /// <summary>Rollouts per (prior, bound, task) with z uniform in the bound's box, for the calibration plot.</summary>
    public required int CalibrationEpisodes { get; init; }

    /// <summary>
    /// The unsafe bound Algorithm 3 calibrates SAFER's downstream box at. The paper's 15 % sits
    /// above the unsafe share of our scripted data (about 17 % of the labelled rows), where the box
    /// swallows nearly every latent of the data; 5 % plays the role 15 % played on the paper's data
    /// (docs/safer.md, "Experiment").
    /// </summary>
    public float OperatingBound { get; init; } = 0.05f;

    /// <summary>
    /// True: every prior's SAC acts in SAFER's box (-eta, eta)^d, one action space for all, so the
    /// priors differ only in what their latents decode to (the paper's baselines have no eta of
    /// their own). False: each prior gets its own Algorithm-3 box at the same bound.
    /// </summary>
    public bool SharedBox { get; init; } = true;

    /// <summary>The bounds of the calibration plot: the paper's 0/15/30/45 % and two small ones where our data's boxes change fastest.</summary>
    public float[] CalibrationBounds { get; init; } = [0f, 0.05f, 0.10f, 0.15f, 0.30f, 0.45f];

    /// <summary>Latents decoded and checked in every state a calibration rollout visits.</summary>
    public int CalibrationSamples { get; init; } = 8;

    /// <summary>Held-out tasks run (the first N of the six; tests run fewer).</summary>
    public int Tasks { get; init; } = ContainerFamily.HeldOutCount;

    /// <summary>Episodes in the trailing window of the success-rate learning curve.</summary>
    public int CurveWindow { get; init; } = 20;

    /// <summary>Threads for the prior fits' GEMMs; results do not depend on it.</summary>
    public int Threads { get; init; } = 1;

    public static SaferExperimentPlan Paper(int seeds) => new()
    {
        Name = "paper",
        Seeds = seeds,
        TransitionsPerTask = 25_000,
        Episodes = DomainHyperparameterTable.For(ObjectExtraction.EnvironmentId).PaperEpisodes,
        Sac = new SacSettings(),
        PriorSteps = 20_000,
        PriorBatchSize = 256,
        FlowHidden = [256, 256],
        EncoderWidth = 64,
        CalibrationEpisodes = 20,
    };

    public static SaferExperimentPlan Quick(int seeds) => new()
    {
        Name = "quick",
        Seeds = seeds,
        TransitionsPerTask = 2_500,
        Episodes = DomainHyperparameterTable.For(ObjectExtraction.EnvironmentId).QuickEpisodes,
        Sac = new SacSettings { Hidden = [64, 64], BatchSize = 64 },
        PriorSteps = 3_000,
        PriorBatchSize = 128,
        FlowHidden = [64, 64],
        EncoderWidth = 32,
        CalibrationEpisodes = 10,
    };

    /// <summary>A seconds-long plan for the end-to-end test: every stage runs, nothing is learned.</summary>
    public static SaferExperimentPlan Smoke => new()
    {
        Name = "smoke",
        Seeds = 1,
        TransitionsPerTask = 120,
        Episodes = 3,
        Sac = new SacSettings { Hidden = [8], BatchSize = 8 },
        PriorSteps = 5,
        PriorBatchSize = 16,
        FlowHidden = [8],
        EncoderWidth = 8,
        CalibrationEpisodes = 1,
        Tasks = 2,
        CurveWindow = 2,
    };

    /// <summary>The fit settings of one prior variant under this plan (seeded like the rest of the run).</summary>
    public SaferPriorSettings Prior(PriorVariant variant) => SaferPriorSettings.For(variant) with
    {
        // Pinned: the settings docs/safer.md's table was measured with (fit-prior's defaults later
        // moved to lambda 0.5 and lr 1e-2, tuned on the toy Figure 1 data).
        Lambda = PriorLambda,
        LearningRate = PriorLearningRate,
        Steps = PriorSteps,
        BatchSize = PriorBatchSize,
        FlowHidden = FlowHidden,
        EncoderWidth = EncoderWidth,
        Seed = (int)SuiteSeed,
        Threads = Threads,
        ProgressEvery = Math.Max(1, PriorSteps / 50),
    };
}
