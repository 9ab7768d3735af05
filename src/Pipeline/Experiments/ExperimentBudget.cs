using OfflineSafety.Envs;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Training;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// How much work one experiment does. <see cref="Paper"/> is the papers' budget (too slow for a
/// 2-core machine: hours per seed); <see cref="Quick"/> shrinks every method by the same factors
/// (smaller networks and batches, fewer steps and episodes) so comparisons stay even. Episodes and
/// adaptation steps per environment come from <see cref="DomainHyperparameterTable"/>.
/// </summary>
public sealed record ExperimentBudget
{
    public required string Name { get; init; }
    public required int Episodes { get; init; }
    public required int[] Hidden { get; init; }
    public required int BatchSize { get; init; }
    public required int PretrainSteps { get; init; }
    public required CriticArchitecture CriticArchitecture { get; init; }
    public required int MetaIterations { get; init; }
    public required int MultiTaskSteps { get; init; }
    public required int AdaptSteps { get; init; }
    public required int TrainingVariants { get; init; }
    public required int TransitionsPerVariant { get; init; }
    public required int TestTransitions { get; init; }
    public required int OfflineTransitions { get; init; }

    /// <summary>Estimated milliseconds of one critic update at this budget's networks and batch (progress weights only).</summary>
    public required double UpdateMs { get; init; }

    /// <summary>
    /// Estimated milliseconds of one online step, an environment step with the SAC, safety-critic
    /// and recovery updates (progress weights only). Per full-horizon step, since a run's weight is
    /// its episodes at the full horizon.
    /// </summary>
    public required double OnlineStepMs { get; init; }

    /// <summary>Environment steps per run where an experiment budgets steps instead of <see cref="Episodes"/> (null: episodes).</summary>
    public long? StepBudget { get; init; }

    /// <summary>
    /// MESA's outer Adam rate; null keeps the paper's 1e-5. Reduced budgets raise it (as
    /// `experiment critics --quick` does), since 1e-5 over a few hundred iterations barely moves
    /// the critic from its initialisation and would leave MESA untrained, not compared.
    /// </summary>
    public float? MesaOuterLearningRate { get; init; }

    public static ExperimentBudget Paper(EnvironmentDefinition environment) => new()
    {
        Name = "paper",
        Episodes = DomainHyperparameterTable.For(environment.Id).PaperEpisodes,
        Hidden = [256, 256],
        BatchSize = 256,
        PretrainSteps = 10_000,
        CriticArchitecture = CriticArchitecture.TwoBy256,
        MetaIterations = DomainHyperparameterTable.For(environment.Id).MetaIterations,
        MultiTaskSteps = DomainHyperparameterTable.For(environment.Id).MetaIterations,
        AdaptSteps = DomainHyperparameterTable.For(environment.Id).AdaptationSteps,
        TrainingVariants = environment.Defaults.TrainingVariants,
        TransitionsPerVariant = environment.Defaults.TransitionsPerVariant,
        TestTransitions = environment.Defaults.TestTransitions,
        OfflineTransitions = environment.Defaults.TransitionsPerVariant,
        // Cart-pole-Length (MuJoCo), 3 seeds side by side, 2026-12-07: 1.3 core-ms per Multi-Task
        // update, 1.8 per MESA task update, 9 per online step with 81% of the full horizon stepped.
        UpdateMs = 1.5,
        OnlineStepMs = 7.5,
    };

    public static ExperimentBudget Quick(EnvironmentDefinition environment) => new()
    {
        Name = "quick",
        Episodes = DomainHyperparameterTable.For(environment.Id).QuickEpisodes,
        Hidden = [64, 64],
        BatchSize = 64,
        PretrainSteps = 1500,
        CriticArchitecture = new CriticArchitecture([64, 64], 2),
        MetaIterations = 300,
        MultiTaskSteps = 1500,
        AdaptSteps = DomainHyperparameterTable.For(environment.Id).QuickAdaptationSteps,
        TrainingVariants = Math.Min(8, environment.Defaults.TrainingVariants),
        // A tenth of the paper's rows per variant, at least 3,000: the locomotion suites' 1,000-step
        // rollouts need 40,000 rows to hold a few falls per variant.
        TransitionsPerVariant = Math.Min(environment.Defaults.TransitionsPerVariant, Math.Max(3000, environment.Defaults.TransitionsPerVariant / 10)),
        TestTransitions = environment.Defaults.TestTransitions,
        OfflineTransitions = 5000,
        MesaOuterLearningRate = 1e-3f,
        // Ant-Disabled at this budget (2 cores): 0.3 ms per critic update, 0.7 per online step taken.
        UpdateMs = 0.3,
        OnlineStepMs = 0.9,
    };

    /// <summary>The smallest budget that still runs every phase (tests, `demo --quick`).</summary>
    public static ExperimentBudget Smoke(EnvironmentDefinition environment) => Quick(environment) with
    {
        Name = "smoke",
        Episodes = 3,
        Hidden = [16, 16],
        BatchSize = 16,
        PretrainSteps = 30,
        CriticArchitecture = new CriticArchitecture([16, 16], 2),
        MetaIterations = 5,
        MultiTaskSteps = 30,
        AdaptSteps = 10,
        TrainingVariants = 3,
        TransitionsPerVariant = 200,
        TestTransitions = 100,
        OfflineTransitions = 300,
    };

    // Progress weights are estimated milliseconds on the 2-core machine, so the fraction of an
    // experiment that a progress bar shows follows its time, not its count of phases. A collected
    // row costs about the same at every budget (Ant-Disabled, 0.06 ms: an environment step and a
    // small policy network); an update's cost grows with the networks (UpdateMs, OnlineStepMs).
    private const double CollectedRowMs = 0.06;

    /// <summary>Progress weight of collecting <paramref name="rows"/> transitions (a suite or an offline dataset).</summary>
    public static double CollectionWork(long rows) => rows * CollectedRowMs;

    /// <summary>Progress weight of one MESA meta-training and its adaptation.</summary>
    public double MesaWork(MesaSettings settings) =>
        ((double)settings.MetaIterations * settings.TasksPerIteration * (settings.InnerSteps + 1) + AdaptSteps) * UpdateMs;

    /// <summary>Progress weight of <paramref name="steps"/> critic (or recovery-policy) updates.</summary>
    public double UpdateWork(long steps) => steps * UpdateMs;

    /// <summary>Progress weight of one online run: its step budget, or every episode at the full <paramref name="horizon"/>.</summary>
    public double OnlineWork(int horizon) => (StepBudget ?? (long)Episodes * horizon) * OnlineStepMs;

    public SacSettings Sac => new() { Hidden = Hidden, BatchSize = BatchSize };

    /// <summary>MESA phase 1 at this budget (the demo and `experiment mesa` train the same way).</summary>
    public MesaSettings Mesa(RiskSettings risk, int seed)
    {
        var config = new MesaSettings
        {
            MetaIterations = MetaIterations,
            GammaRisk = risk.GammaRisk,
            EpsRisk = risk.EpsRisk,
            InnerBatchSize = BatchSize,
            OuterBatchSize = BatchSize,
            Architecture = CriticArchitecture,
            Seed = seed,
        };
        return MesaOuterLearningRate is { } outer ? config with { OuterLearningRate = outer } : config;
    }

    /// <summary>Phase 2 at this budget: the environment's adaptation settings, this budget's steps and recovery width.</summary>
    public AdaptationSettings Adaptation(string environment, int seed) =>
        AdaptationSettings.For(environment) with { Steps = AdaptSteps, RecoveryHidden = Hidden, Seed = seed };

    public SafetySettings Safety(string environment) => SafetySettings.For(environment) with
    {
        CriticBatchSize = BatchSize,
        RecoveryHidden = Hidden,
        PretrainSteps = PretrainSteps,
    };
}
