using OfflineSafety.Envs;
using OfflineSafety.Envs.Extraction;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.Methods;
using OfflineSafety.Meta.Safer;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>One downstream run: a method on one held-out task under one seed.</summary>
public sealed record SaferTaskRun(string Method, int Task, string TaskId, int Seed, OnlineRunResult Result)
{
    public double SuccessRate => Result.Episodes.Count == 0 ? double.NaN : 100.0 * Result.Successes / Result.Episodes.Count;
}

/// <summary>One point of the calibration plot: a prior, the unsafe bound asked of Algorithm 3, the eta it gave, and the unsafe step rate measured on a held-out task.</summary>
public sealed record SaferCalibrationPoint(string Prior, float Bound, float Eta, int Task, double UnsafeRate, int Samples, int Episodes, int ViolatingEpisodes, int Successes);

/// <summary>What a fitted prior reported (eta and the fit's metrics).</summary>
public sealed record SaferPriorSummary(string Method, float Eta, IReadOnlyDictionary<string, double> Metrics);

public sealed record SaferExperimentResult(SaferExperimentPlan Plan, GeneratedSuite Suite, IReadOnlyList<ContainerVariant> Tasks,
    IReadOnlyDictionary<string, SkillPrior> Priors, IReadOnlyList<SaferPriorSummary> PriorSummaries,
    IReadOnlyList<SaferTaskRun> Runs, IReadOnlyList<SaferCalibrationPoint> Calibration);

/// <summary>
/// SAFER's Table 1 on the extraction family: the scripted offline data of the 40 training tasks;
/// the three priors fitted on it (SAFER; PARROT: safe rows of successful episodes, no context;
/// Context-PARROT: SAFER without the contrastive term), each with eta calibrated by Algorithm 3 at
/// the plan's operating bound; then on each held-out task, per seed, SAC from scratch on raw actions
/// and SAC over each prior's latents (<see cref="OnlineAlgorithm.Safer"/>) in SAFER's box (or each
/// prior's own, <see cref="SaferExperimentPlan.SharedBox"/>), on the same SAC settings.
/// The priors are fitted once and shared by every seed and task, as the paper reuses one prior per
/// task family. Calibration (Figure 4): per prior and bound, eta from the offline data, then
/// the unsafe share of in-box actions along rollouts on each held-out task (<see cref="UnsafeRate"/>).
/// </summary>
public sealed class SaferExperiment(SaferExperimentPlan plan)
{
    public const string Sac = "sac", Parrot = "parrot", ContextParrot = "context-parrot", Safer = "safer";

    /// <summary>Table columns, in the paper's order.</summary>
    public static readonly string[] Methods = [Sac, Parrot, ContextParrot, Safer];

    public static readonly (string Method, PriorVariant Variant)[] PriorMethods =
        [(Parrot, PriorVariant.Parrot), (ContextParrot, PriorVariant.ContextParrot), (Safer, PriorVariant.Safer)];

    public SaferExperimentResult Run(Action<ExperimentProgress>? progress = null, CancellationToken ct = default)
    {
        var definition = EnvironmentRegistry.Default.Get(ObjectExtraction.EnvironmentId);
        var tasks = ((ContainerFamily)definition.Variants).HeldOutTasks.Take(plan.Tasks).ToList();
        var phases = new PhaseProgress(progress, 1 + PriorMethods.Length * 2 + tasks.Count * plan.Seeds * Methods.Length);
        void Report(string phase) => phases.Begin(0, phase);

        Report($"offline data: {ContainerFamily.TrainingTasks} training tasks x {plan.TransitionsPerTask} rows");
        var suite = new SuiteGenerator().Generate(new SuiteRequest(definition.Id, ContainerFamily.TrainingTasks, plan.TransitionsPerTask,
            "auto", Math.Max(1, plan.TransitionsPerTask / 10), plan.SuiteSeed), ct: ct);
        var rows = new TransitionBatch(definition.ObservationSpace.Dim, definition.ActionSpace.Dim, suite.Training.Sum(v => v.Batch.Count));
        foreach (var v in suite.Training) rows.AddRange(v.Batch);

        // One labelled split for every prior: PARROT and Context-PARROT read only its safe part;
        // Algorithm 3 (the SAC box and the calibration plot) reads all of it for every prior.
        var saferSettings = plan.Prior(PriorVariant.Safer);
        var split = PriorData.From(rows, saferSettings.WindowLength, saferSettings.SuccessfulEpisodesOnly, "extraction training tasks");
        var (safe, unsafeExamples) = (split.Safe, split.Unsafe);
        var priors = new Dictionary<string, SkillPrior>();
        var summaries = new List<SaferPriorSummary>();
        var fits = new Dictionary<string, SaferFitResult>();
        foreach (var (method, variant) in PriorMethods)
        {
            Report($"fitting the {method} prior ({safe.Count} safe, {unsafeExamples.Count} unsafe examples)");
            fits[method] = new SaferPriorTrainer(plan.Prior(variant)).Fit(safe, unsafeExamples, ct: ct);
        }
        float saferEta = SafetyBound.Calibrate(fits[Safer].Prior, safe, unsafeExamples, plan.OperatingBound);
        foreach (var (method, _) in PriorMethods)
        {
            float eta = plan.SharedBox ? saferEta : SafetyBound.Calibrate(fits[method].Prior, safe, unsafeExamples, plan.OperatingBound);
            priors[method] = fits[method].Prior.WithSafetyBound(eta);
            summaries.Add(new SaferPriorSummary(method, eta, fits[method].Metrics));
        }

        var runs = new List<SaferTaskRun>();
        for (int t = 0; t < tasks.Count; t++)
            for (int seed = 0; seed < plan.Seeds; seed++)
                foreach (var method in Methods)
                {
                    Report($"task {t + 1}: {method}, seed {seed}");
                    var start = method == Sac ? new OnlineStart(null, null, null) : new OnlineStart(null, null, null) { Prior = priors[method].Clone() };
                    var algorithm = method == Sac ? OnlineAlgorithm.Unconstrained : OnlineAlgorithm.Safer;
                    var options = new OnlineRunOptions(algorithm, plan.Episodes, seed, $"safer-exp-{method}-t{t + 1}-s{seed}") { Sac = plan.Sac };
                    var env = definition.Create(tasks[t], (ulong)(7919 * (seed + 1) + 104_729 * t));
                    runs.Add(new SaferTaskRun(method, t + 1, tasks[t].Id, seed, new OnlineRunner(env, start, options).Run(onEpisode: phases.Episodes(0, plan.Episodes), ct: ct)));
                }

        var calibration = new List<SaferCalibrationPoint>();
        foreach (var (method, _) in PriorMethods)
        {
            Report($"calibration rollouts: {method}");
            foreach (float bound in plan.CalibrationBounds)
            {
                float eta = SafetyBound.Calibrate(priors[method], safe, unsafeExamples, bound);
                for (int t = 0; t < tasks.Count; t++)
                {
                    var env = new ObjectExtraction(tasks[t], (ulong)(31 * (t + 1)));
                    var m = UnsafeRate(env, priors[method].WithSafetyBound(eta), plan.CalibrationEpisodes, plan.CalibrationSamples, (ulong)(977 + t), ct);
                    calibration.Add(new SaferCalibrationPoint(method, bound, eta, t + 1, m.Rate, m.Samples, plan.CalibrationEpisodes, m.ViolatingEpisodes, m.Successes));
                }
            }
        }
        phases.Done();
        return new SaferExperimentResult(plan, suite, tasks, priors, summaries, runs, calibration);
    }

    /// <summary>
    /// Figure 4's measurement: rollouts on a held-out task with z uniform in the prior's box
    /// (-eta, eta)^d every step (violations end a rollout, as online); in every visited state,
    /// <paramref name="samples"/> further box latents are decoded with the same context and checked
    /// against the task's touch test (noise left out). Returns the unsafe share of those actions: the
    /// fraction of the prior's in-box actions that are unsafe where the prior itself goes.
    /// </summary>
    public static (double Rate, int Samples, int ViolatingEpisodes, int Successes) UnsafeRate(ObjectExtraction env, SkillPrior prior, int episodes, int samples, ulong seed, CancellationToken ct = default)
    {
        var random = new Xoshiro256StarStar(seed);
        var method = new SaferMethod(prior, env.ObservationSpace.Dim, env.ActionSpace.Dim);
        var obs = new float[env.ObservationSpace.Dim];
        var action = new float[env.ActionSpace.Dim];
        var latent = new float[env.ActionSpace.Dim];
        var probe = new float[env.ActionSpace.Dim];
        int total = 0, unsafeCount = 0, violating = 0, successes = 0;
        float eta = prior.SafetyBound;
        for (int e = 0; e < episodes; e++)
        {
            ct.ThrowIfCancellationRequested();
            (e == 0 ? env.Reset(seed) : env.Reset()).CopyTo(obs);
            method.BeginEpisode();
            while (true)
            {
                for (int d = 0; d < action.Length; d++) action[d] = random.Uniform(-eta, eta);
                method.Shield(obs, action);
                for (int k = 0; k < samples; k++)
                {
                    for (int d = 0; d < latent.Length; d++) latent[d] = random.Uniform(-eta, eta);
                    prior.Decode(obs, method.Context, latent, probe);
                    if (env.TouchesFrom(obs, probe)) unsafeCount++;
                    total++;
                }
                var r = env.Step(action);
                if (r.Unsafe) violating++;
                if (r.Info.Success) successes++;
                if (r.Terminal || r.Truncated) break;
                r.Observation.CopyTo(obs);
            }
        }
        return (total == 0 ? double.NaN : (double)unsafeCount / total, total, violating, successes);
    }
}
