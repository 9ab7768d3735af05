using OfflineSafety.Envs;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.DualAgent;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Safer;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// One online run end to end, for every front end: resolve the environment and held-out variant,
/// the offline rows (a stored dataset, or rows collected with the environment's recipe) and the
/// safety critic (from the model registry, e.g. a MESA-adapted one, or pretrained here on the
/// offline rows, Recovery RL's offline phase); run Recovery RL or a baseline; evaluate; and commit
/// the executed transitions as a new dataset version (source = run id). A critic named in the request
/// comes from <paramref name="critics"/>: this store's registry, or a critic service's client.
/// </summary>
public sealed class OnlineJob(IObjectStore objects, ICriticSource critics)
{
    public OnlineJob(IObjectStore objects) : this(objects, new ModelRegistry(objects)) { }

    private static readonly int[] DefaultHidden = [256, 256];

    public async Task<OnlineJobResult> RunAsync(OnlineRunRequest request, IOnlineJobProgress? progress = null, CancellationToken ct = default)
    {
        progress ??= SilentOnlineJobProgress.Instance;
        var definition = EnvironmentRegistry.Default.Get(request.Environment);
        var variant = VariantSampling.TestVariant(definition.Variants, request.Variant);
        if (request.Episodes <= 0) throw new BadInputException($"--episodes must be positive, got {request.Episodes}");
        // Before any collection or pretraining: a bad --baseline fails in a moment, not after minutes.
        var baseline = ResolveBaseline(request, definition, new SquashedActionBox(definition.ActionSpace.Low, definition.ActionSpace.High));
        int[] hidden = request.Hidden ?? DefaultHidden;
        var sac = new SacSettings { Hidden = hidden, BatchSize = request.BatchSize ?? 256, LearnAlpha = request.LearnAlpha };
        var variation = request.RecoveryVariation;
        var safety = variation.ApplyTo(SafetySettings.For(definition.Id) with
        {
            CriticBatchSize = sac.BatchSize,
            RecoveryHidden = hidden,
            PretrainSteps = request.PretrainSteps ?? 10_000,
        });
        if (request.Algorithm != OnlineAlgorithm.Recovery && variation.FirstChangedFlag() is { } flag)
            throw new BadInputException($"{flag} applies to --algo recovery only, not {request.Algorithm.Name()}");
        if (variation.Gamma is not null) Recovery.RecoveryCritic.CheckModelFree(request.Recovery);
        var margin = variation.Objective == RecoveryObjective.Margin ? definition.RequireMargin("--recovery-objective margin") : null;
        Recovery.MarginRecoveryAgent.CheckSupported(request.Recovery, safety, cloning: false);
        string runId = $"online-{definition.Id}-{request.Algorithm.Name()}-s{request.Seed}-{DateTime.UtcNow:yyyyMMddHHmmss}";

        if ((request.Algorithm == OnlineAlgorithm.Safer) != (request.Prior is not null))
            throw new BadInputException(request.Prior is null ? "safer needs --prior NAME[@V] (fit one with `offsafe fit-prior`)" : $"--prior applies to --algo safer only, not {request.Algorithm.Name()}");
        if (request.Algorithm == OnlineAlgorithm.Safer)
            return await RunSaferAsync(request, definition, variant, sac, safety, runId, progress, ct).ConfigureAwait(false);

        var offline = request.Dataset is { } dataset
            ? await LoadOfflineAsync(dataset, variant.Id, ct).ConfigureAwait(false)
            : OnlineStartTraining.CollectOffline(definition, variant, request.OfflineTransitions ?? definition.Defaults.TransitionsPerVariant,
                (ulong)(1000 + request.Seed), ct);
        (var start, safety, string? critic) = await ResolveStartAsync(request, definition, offline, safety, progress, ct).ConfigureAwait(false);
        // The override applies online only: a critic pretrained here was trained with the environment's eps.
        if (request.EpsRisk is { } eps) safety = safety with { EpsRisk = eps };
        if (margin is not null)
            // On the rows the critic buffer starts with, for the same steps as the critic's offline pretraining.
            start = start with
            {
                MarginRecovery = Recovery.MarginRecoveryAgent.Pretrain(margin, start.Critic!.Normalization, TaskRows.Select(offline, null), sac, safety,
                    safety.MarginPretrainSteps, request.Seed, ct: ct),
            };
        start = start with { Baseline = baseline };
        var options = new OnlineRunOptions(request.Algorithm, request.Episodes, request.Seed, runId)
        {
            Recovery = request.Recovery,
            Sac = sac,
            Safety = safety,
            DualAgent = request.DualAgent,
        };
        return await RunAsync(request, definition, variant, start, options, critic, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// SAFER downstream (Algorithm 1): the registry's prior, frozen, decodes SAC's latent actions; no
    /// critic and no offline rows are needed.
    /// </summary>
    private async Task<OnlineJobResult> RunSaferAsync(OnlineRunRequest request, EnvironmentDefinition definition, DynamicsVariant variant,
        SacSettings sac, SafetySettings safety, string runId, IOnlineJobProgress progress, CancellationToken ct)
    {
        var stored = await new SkillPriorStore(new ModelRegistry(objects)).LoadAsync(ModelReference.Parse(request.Prior!), ct).ConfigureAwait(false);
        if (stored.Prior.StateSize != definition.ObservationSpace.Dim || stored.Prior.ActionSize != definition.ActionSpace.Dim)
            throw new BadInputException($"prior {stored.Card.Reference} decodes ({stored.Prior.StateSize}, {stored.Prior.ActionSize}) states and actions; {definition.Id} has ({definition.ObservationSpace.Dim}, {definition.ActionSpace.Dim})");
        var options = new OnlineRunOptions(request.Algorithm, request.Episodes, request.Seed, runId) { Sac = sac, Safety = safety };
        var start = new OnlineStart(null, null, null) { Prior = stored.Prior };
        return await RunAsync(request, definition, variant, start, options, stored.Card.Reference, progress, ct).ConfigureAwait(false);
    }

    private async Task<OnlineJobResult> RunAsync(OnlineRunRequest request, EnvironmentDefinition definition, DynamicsVariant variant,
        OnlineStart start, OnlineRunOptions options, string? model, IOnlineJobProgress progress, CancellationToken ct)
    {
        string runId = options.RunId;
        var runner = new OnlineRunner(definition.Create(variant, (ulong)(7919 * (request.Seed + 1))), start, options);
        var recorded = request.Record || request.KeepTransitions
            ? new TransitionCollector(definition.ObservationSpace.Dim, definition.ActionSpace.Dim, request.Episodes * definition.Horizon)
            : null;
        var run = progress.Episodes(request.Algorithm, request.Episodes, onEpisode => runner.Run(recorded, onEpisode, ct));
        var evaluation = request.EvaluationEpisodes > 0 ? runner.Evaluate(request.EvaluationEpisodes, ct) : null;
        if (request.SaveBaseline is { } path && runner.Method is DualAgentMethod { Baseline: Td3Baseline td3 })
            BaselineFile.Save(path, td3.Actor, runner.TaskPolicy.Observations);

        string? version = null;
        if (recorded is not null && request.Record)
        {
            var commit = await SuiteDataset.WriteAsync(new DatasetStore(objects), request.RecordAs ?? $"online-{definition.Id}", definition,
                recorded.Batch, [variant], "ONLINE", ct: ct).ConfigureAwait(false);
            version = commit.Version.ToString();
        }
        return new OnlineJobResult(runId, definition.Id, variant.Id, run, evaluation, version)
        {
            Critic = model,
            Transitions = request.KeepTransitions ? recorded!.Batch : null,
        };
    }

    /// <summary>Dual-agent's fixed baseline, or null for a TD3 one; --baseline and --save-baseline are refused for other methods.</summary>
    private static FixedBaseline? ResolveBaseline(OnlineRunRequest request, EnvironmentDefinition definition, SquashedActionBox box)
    {
        if (request.Algorithm != OnlineAlgorithm.DualAgent)
        {
            if (request.Baseline is not null) throw new BadInputException($"--baseline applies to --algo dual-agent only, not {request.Algorithm.Name()}");
            if (request.SaveBaseline is not null) throw new BadInputException($"--save-baseline applies to --algo dual-agent only, not {request.Algorithm.Name()}");
            return null;
        }
        var baseline = request.Baseline ?? "td3";
        if (request.SaveBaseline is not null && baseline != "td3")
            throw new BadInputException($"--save-baseline stores a TD3 baseline; --baseline {baseline} is fixed and needs no saving");
        return baseline switch
        {
            "td3" => null,
            "controller" => new ControllerBaseline(definition.Controller
                ?? throw new BadInputException($"{definition.Id} has no scripted controller (--baseline td3 or FILE)"), box),
            _ => BaselineFile.Load(baseline, definition.ObservationSpace.Dim, definition.ActionSpace.Dim),
        };
    }

    /// <summary>
    /// The critic (and recovery policy) the run starts from, and the safety settings that go with it:
    /// a registry critic brings its own gamma_risk and eps_risk.
    /// </summary>
    private async Task<(OnlineStart Start, SafetySettings Safety, string? Critic)> ResolveStartAsync(OnlineRunRequest request, EnvironmentDefinition definition,
        TransitionBatch offline, SafetySettings safety, IOnlineJobProgress progress, CancellationToken ct)
    {
        if (request.Critic is { } reference)
        {
            var stored = await critics.LoadAsync(ModelReference.Parse(reference), ct).ConfigureAwait(false);
            if (stored.Critic.ObsDim != definition.ObservationSpace.Dim || stored.Critic.ActDim != definition.ActionSpace.Dim)
                throw new BadInputException($"critic {stored.Card.Reference} scores ({stored.Critic.ObsDim}, {stored.Critic.ActDim}) inputs; {definition.Id} has ({definition.ObservationSpace.Dim}, {definition.ActionSpace.Dim})");
            safety = safety with { GammaRisk = stored.Card.GammaRisk, EpsRisk = stored.Card.EpsRisk };
            var recovery = stored.Recovery;
            // Registry critics adapted without a recovery policy get one trained against them here.
            if (recovery is null && request.Algorithm == OnlineAlgorithm.Recovery)
                recovery = progress.Training("recovery policy", _ =>
                    OnlineStartTraining.TrainRecovery(stored.Critic, TaskRows.Select(offline, null), safety, safety.PretrainSteps, request.Seed, ct: ct));
            return (new OnlineStart(stored.Critic, recovery, offline), safety, stored.Card.Reference);
        }
        if (!request.Algorithm.UsesCritic()) return (new OnlineStart(null, null, offline), safety, null);
        var architecture = CriticArchitecture.TwoBy256 with { Hidden = request.Hidden ?? DefaultHidden };
        var pretrained = progress.Training("critic pretraining", report =>
            OnlineStartTraining.Pretrain(offline, safety, architecture, request.Seed, report, ct: ct));
        return (pretrained, safety, null);
    }

    /// <summary>Offline rows of one variant from one snapshot of a stored dataset.</summary>
    private async Task<TransitionBatch> LoadOfflineAsync(string reference, string variant, CancellationToken ct)
    {
        var store = new DatasetStore(objects);
        var parsed = DatasetReference.Parse(reference);
        var snapshot = await store.SnapshotAsync(parsed, ct).ConfigureAwait(false);
        var rows = await store.ReadAsync(parsed.Name, snapshot, variant, ct: ct).ConfigureAwait(false);
        return rows.Count > 0 ? rows : throw new BadInputException($"dataset {parsed.Name}@{snapshot.Version} variant '{variant}' has no rows");
    }
}
