using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// MESA's three phases in the held-out variant (thesis ch. 7) for the four comparisons: per seed,
/// a suite of training variants and a small test-variant set; critics from MESA (meta-trained,
/// adapted), Multi-Task (pooled, adapted with the same steps) and RRL (test data only); then
/// Recovery RL online with each critic, and Unconstrained SAC. Every critic source gets the same
/// online settings; the critic buffer starts with the test-variant rows. What may differ from the
/// paper's experiment is in <see cref="MesaExperimentSettings"/>, each part applied alike to every
/// critic source. With restart training sets every recovery policy is also probed before and after
/// its online run (<see cref="RecoveryProbe"/>, in <see cref="Notes"/>).
/// </summary>
public sealed class MesaExperiment(EnvironmentDefinition environment, ExperimentBudget budget, MesaExperimentSettings? settings = null)
{
    public static readonly string[] Methods = ["mesa", "multitask", "rrl", "unconstrained"];

    /// <summary>The methods this experiment runs, in <see cref="Methods"/>' order.</summary>
    public IReadOnlyList<string> Selected { get; } = SelectMethods(settings?.Methods);

    private readonly MesaExperimentSettings _settings = settings ?? new();

    /// <summary>Validates a subset of <see cref="Methods"/> (user input: one-line error naming --methods).</summary>
    public static IReadOnlyList<string> SelectMethods(IReadOnlyList<string>? methods)
    {
        if (methods is null) return Methods;
        if (methods.Count == 0) throw new BadInputException("--methods: name at least one of " + string.Join(", ", Methods));
        foreach (var m in methods)
            if (!Methods.Contains(m))
                throw new BadInputException($"--methods: unknown method '{m}' (expected some of {string.Join(", ", Methods)})");
        return Methods.Where(methods.Contains).ToArray();
    }

    private readonly List<string> _notes = [];

    /// <summary>What the last <see cref="Run"/> found worth reporting beside the runs: per seed, the saved restarts behind recovery cloning.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>The (gamma_risk, eps_risk) every phase uses.</summary>
    public RiskSettings Risk { get; } = settings?.Risk ?? DomainHyperparameterTable.For(environment.Id).Risk;

    /// <summary>
    /// Runs seeds <paramref name="firstSeed"/>.. of every selected method, up to <paramref name="workers"/>
    /// seeds at a time. Each seed's phases draw only from generators derived from that seed, and the
    /// kernels' results do not depend on how many threads run them, so every run is the same episodes
    /// for any number of workers; only the wall time changes. Runs and notes come back in seed order.
    /// </summary>
    public IReadOnlyList<MethodRun> Run(int seeds, Action<ExperimentProgress>? progress = null, CancellationToken ct = default, int firstSeed = 0,
        int workers = 1)
    {
        _notes.Clear();
        var risk = Risk;
        var variation = _settings.Recovery;
        var safety = variation.ApplyTo(budget.Safety(environment.Id) with { GammaRisk = risk.GammaRisk, EpsRisk = risk.EpsRisk });
        float? recoveryCloning = _settings.RecoveryCloning;
        var selected = Selected;
        bool cloningOn = recoveryCloning is not null && (selected.Contains("mesa") || selected.Contains("multitask"));
        MarginRecoveryAgent.CheckSupported(RecoveryKind.ModelFree, safety, recoveryCloning is not null);
        var margin = variation.Objective == RecoveryObjective.Margin ? environment.RequireMargin("--recovery-objective margin") : null;
        int recoveryRuns = selected.Count(m => m != "unconstrained");
        var work = new SeedWork(
            ExperimentBudget.CollectionWork((long)budget.TrainingVariants * budget.TransitionsPerVariant + budget.TestTransitions),
            selected.Contains("mesa") ? budget.MesaWork(budget.Mesa(risk, 0)) : 0,
            selected.Contains("multitask") ? budget.UpdateWork(budget.MultiTaskSteps + budget.AdaptSteps) : 0,
            selected.Contains("rrl") ? budget.UpdateWork(budget.MultiTaskSteps + budget.AdaptSteps) : 0,
            margin is not null ? budget.UpdateWork(safety.MarginPretrainSteps) : 0,
            budget.OnlineWork(environment.Horizon));
        var phases = new PhaseProgress(progress, seeds * (work.Suite + (cloningOn ? 1 : 0) + work.Mesa + work.MultiTask + work.Rrl
            + recoveryRuns * work.MarginAgent + selected.Count * work.Online));
        // Seeds firstSeed.. extend an earlier run with new seeds (seed s is the same run whatever the others).
        var compute = SeedParallel.LaneCompute(seeds, workers);
        var perSeed = SeedParallel.Map(seeds, workers, i =>
        {
            var notes = new List<string>();
            return (Runs: RunSeed(firstSeed + i, safety, selected, cloningOn ? recoveryCloning : null, margin, notes, phases, work, compute, ct), Notes: notes);
        }, ct);
        foreach (var (_, notes) in perSeed) _notes.AddRange(notes);
        phases.Done();
        return perSeed.SelectMany(s => s.Runs).ToList();
    }

    private List<MethodRun> RunSeed(int seed, SafetySettings safety, IReadOnlyList<string> selected, float? recoveryCloning, ISafetyMargin? margin,
        List<string> notes, PhaseProgress phases, SeedWork work, ComputeOptions compute, CancellationToken ct)
    {
        void Report(string phase, double phaseWork = 1) => phases.Begin(seed, phase, phaseWork);
        var runs = new List<MethodRun>();
        var risk = Risk;
        Report($"seed {seed}: generating suite", work.Suite);
        var suite = new SuiteGenerator(trainingCollection: _settings.TrainingCollection).Generate(new SuiteRequest(environment.Id, budget.TrainingVariants, budget.TransitionsPerVariant,
            "auto", budget.TestTransitions, (ulong)(100 + seed)), ct: ct);
        // The trainers pool tasks by row index, so every variant must live in one batch.
        var all = new TransitionBatch(environment.ObservationSpace.Dim, environment.ActionSpace.Dim, suite.All.Sum(v => v.Batch.Count));
        foreach (var v in suite.All) all.AddRange(v.Batch);
        var training = TaskRows.PerVariant(all, suite.Training.Select(v => v.Variant.Variant.Id).ToArray());
        var test = TaskRows.Select(all, [suite.Test.Variant.Variant.Id], "test");
        var adaptation = budget.Adaptation(environment.Id, seed);
        var starts = new Dictionary<string, OnlineStart>();
        RecoveryCloning? cloning = null;
        if (recoveryCloning is { } beta)
        {
            var demos = RecoveryDemonstrations.FromRestarts(all, suite.Training.Select(v => v.Variant.Variant.Id).ToArray());
            string note = $"seed {seed}: recovery cloning (beta {beta.ToString(System.Globalization.CultureInfo.InvariantCulture)}) on {demos.Count} of {demos.RestartStates} restart states ({demos.SavedRestarts} of {demos.Restarts} restarts saved)";
            notes.Add(note);
            Report(note);
            cloning = new RecoveryCloning(beta, demos);
        }

        Report($"seed {seed}: MESA meta-training", work.Mesa);
        if (selected.Contains("mesa"))
        {
            var mesa = new MesaTrainer(budget.Mesa(risk, seed), compute).Train(training, progress: phases.Updates(seed, "iteration"), ct: ct);
            starts["mesa"] = Adapted(new CriticAdaptation(adaptation, cloning, safety.RecoveryGamma, compute).Adapt(mesa.Critic, risk.GammaRisk, test, ct: ct), suite, cloning);
        }

        Report($"seed {seed}: Multi-Task training", work.MultiTask);
        // Multi-Task and RRL get the same plain-Adam budget; only their data differs.
        var criticTraining = new CriticTrainingSettings
        {
            Steps = budget.MultiTaskSteps,
            BatchSize = budget.BatchSize,
            GammaRisk = risk.GammaRisk,
            EpsRisk = risk.EpsRisk,
            Architecture = budget.CriticArchitecture,
            Seed = seed,
        };
        if (selected.Contains("multitask"))
        {
            var multi = new MultiTaskTrainer(criticTraining, compute).Train(training, progress: phases.Updates(seed, "step"), ct: ct);
            starts["multitask"] = Adapted(new CriticAdaptation(adaptation, cloning, safety.RecoveryGamma, compute).Adapt(multi.Critic, risk.GammaRisk, test, ct: ct), suite, cloning);
        }

        Report($"seed {seed}: RRL (test data only)", work.Rrl);
        if (selected.Contains("rrl"))
        {
            var rrl = new SingleDatasetTrainer(criticTraining, compute).Train(test, progress: phases.Updates(seed, "step"), ct: ct);
            starts["rrl"] = new OnlineStart(rrl.Critic, OnlineStartTraining.TrainRecovery(rrl.Critic, test, safety, budget.AdaptSteps, seed, compute, ct), suite.Test.Batch);
        }
        if (margin is not null)
            foreach (var method in selected.Where(m => m != "unconstrained"))
            {
                // Each critic source's agent reads that critic's normalisation; the rows and steps are the same.
                Report($"seed {seed}: {method} margin recovery agent", work.MarginAgent);
                var agent = MarginRecoveryAgent.Pretrain(margin, starts[method].Critic!.Normalization, test, budget.Sac, safety, safety.MarginPretrainSteps, seed, compute, ct);
                starts[method] = starts[method] with { MarginRecovery = agent };
            }
        starts["unconstrained"] = new OnlineStart(null, null, suite.Test.Batch);
        var restarts = _settings.TrainingCollection as RestartLabelCollection;
        var probeStates = restarts?.RestartStates(suite.Test.Batch);
        void Probe(string method, string when)
        {
            if (restarts is null || probeStates is null || starts[method].Recovery is not { } policy) return;
            var env = environment.CreateForCollection(suite.Test.Variant.Variant, (ulong)(104_729 * (seed + 1)));
            var random = new Xoshiro256StarStar(Xoshiro256StarStar.DeriveSeed((ulong)seed, ProbeStream, 0));
            var agent = starts[method].MarginRecovery;
            var r = agent is null ? RecoveryProbe.Run(env, suite.Test.Batch, probeStates, policy, restarts.Horizon, random, ct)
                : RecoveryProbe.Run(env, suite.Test.Batch, probeStates, agent, restarts.Horizon, random, ct);
            notes.Add($"seed {seed}: {method} {(agent is null ? "recovery policy" : "margin recovery agent")} {when} kept {r.PolicyKept} of {r.States} held-out near-violation states clear for {r.Horizon} steps (a random held action: {r.RandomKept}); its first action: mean |a| {r.MeanAbsAction.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}, {(100 * r.SaturatedFraction).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}% of components within 5% of the box edge");
            if (starts[method].RecoveryCritic is { } recoveryCritic)
            {
                // The same uniform actions for both critics: a fresh generator per reading.
                string Read(SafetyCritic critic)
                {
                    var c = CriticActionProbe.Run(critic, suite.Test.Batch, probeStates, policy, environment.ActionSpace.Low, environment.ActionSpace.High,
                        CriticProbeActions, new Xoshiro256StarStar(Xoshiro256StarStar.DeriveSeed((ulong)seed, CriticProbeStream, 0)));
                    return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"at pi_rec {c.AtPolicy:0.000}, uniform mean {c.UniformMean:0.000}, uniform min {c.UniformMin:0.000}, flat {100 * c.FlatFraction:0.0}%");
                }
                notes.Add($"seed {seed}: {method} critics {when} on those states: Q_rec (gamma {safety.RecoveryGamma!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}) {Read(recoveryCritic)}; Q_risk {Read(starts[method].Critic!)}");
            }
        }
        foreach (var method in selected) Probe(method, "before online");

        foreach (var method in selected)
        {
            Report($"seed {seed}: online {method}", work.Online);
            var algorithm = method == "unconstrained" ? OnlineAlgorithm.Unconstrained : OnlineAlgorithm.Recovery;
            var options = new OnlineRunOptions(algorithm, budget.Episodes, seed, $"mesa-exp-{environment.Id}-{method}-s{seed}")
            {
                Sac = budget.Sac,
                Safety = safety,
                Compute = compute,
            };
            var env = environment.Create(suite.Test.Variant.Variant, (ulong)(7919 * (seed + 1)));
            runs.Add(new MethodRun(method, seed, new OnlineRunner(env, starts[method], options).Run(onEpisode: phases.Episodes(seed, budget.Episodes), ct: ct)));
            Probe(method, "after online"); // the online updates train the recovery policy in place
        }
        phases.End(seed);
        return runs;
    }

    /// <summary>Each phase's progress weight for one seed (<see cref="ExperimentBudget"/>'s units); 0 for a critic source not selected.</summary>
    private sealed record SeedWork(double Suite, double Mesa, double MultiTask, double Rrl, double MarginAgent, double Online);

    // "probe" in ASCII: the recovery probe's random held actions, the same for every method of a seed.
    private const ulong ProbeStream = 0x70726f6265;

    // "qprobe": the uniform actions the critic-surface probe scores (<see cref="CriticActionProbe"/>).
    private const ulong CriticProbeStream = 0x717072_6f6265;
    private const int CriticProbeActions = 32;

    private static OnlineStart Adapted(AdaptedCritic adapted, GeneratedSuite suite, RecoveryCloning? cloning) =>
        new(adapted.Critic, adapted.Recovery, suite.Test.Batch) { Cloning = cloning, RecoveryCritic = adapted.RecoveryCritic };
}
