using System.CommandLine;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Online;
using OfflineSafety.Pipeline.Experiments;
using OfflineSafety.Serve.Client;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.OnlineCommandSupport;
using OfflineSafety.Pipeline.Cli.Output;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe online`: one online run (Recovery RL or a baseline) in an environment variant. The
/// safety critic comes from the model registry (--critic NAME[@V], e.g. a MESA-adapted critic) or
/// is pretrained here on offline rows (a stored dataset, or rows collected with the environment's
/// recipe). With --server the named critic is fetched from a critic service (docs/serve.md) through
/// <see cref="ServeClient"/> and the run learns with it locally, scoring without a round trip. Executed transitions become a new version of a dataset (source = run id). The command
/// only parses options and prints; <see cref="OnlineJob"/> does the work, as it does for other front ends.
/// </summary>
public static class OnlineCommand
{
    public static Command Create()
    {
        var env = new Option<string>("--env") { Description = "Environment id (see `offsafe envs list`).", Required = true };
        var variant = new Option<string>("--variant") { Description = "Dynamics variant id, or 'auto' (the held-out test variant).", DefaultValueFactory = _ => "auto" };
        var algo = new Option<string>("--algo") { Description = "recovery | unconstrained | lr | sqrl | rp | rcpo | rspo | safer | dual-agent | csac | ppo-lagrangian.", Required = true };
        algo.AcceptOnlyFromAmong(OnlineAlgorithms.Names);
        var critic = new Option<string?>("--critic") { Description = "MODEL[@V] from the registry, or from --server (default: pretrain one on offline rows)." };
        critic.Aliases.Add("--model");
        var prior = new Option<string?>("--prior") { Description = "MODEL[@V]: the skill prior `safer` acts through (from `offsafe fit-prior`)." };
        var server = new Option<string?>("--server")
        {
            Description = "Critic service (`offsafe serve`) to fetch --critic from: http(s)://HOST:PORT, or dapr://APP-ID through the local Dapr sidecar.",
        };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding the service's API key (X-Api-Key)." };
        var uploadDataset = new Option<string?>("--upload-dataset")
        {
            Description = "With --server: upload the run's transitions to the service at the end, as a new version of NAME (created for --env when new; variant = the run's, source = the run id).",
        };
        var dataset = new Option<string?>("--dataset") { Description = "NAME[@REF]: offline rows (default: collect them with the environment's recipe)." };
        var recovery = new Option<string>("--recovery") { Description = "model-free | model-based (PETS + CEM).", DefaultValueFactory = _ => "model-free" };
        recovery.AcceptOnlyFromAmong("model-free", "model-based");
        var episodes = new Option<int>("--episodes") { Description = "Training episodes.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var offline = new Option<int?>("--offline-transitions") { Description = "Rows to collect when no --dataset is given (default: the paper's per-variant size)." };
        var pretrain = new Option<int?>("--pretrain-steps") { Description = "Critic pretraining steps (default 10000)." };
        var hidden = new Option<string?>("--hidden") { Description = "SAC / recovery hidden widths, e.g. 256,256 (default)." };
        var batch = new Option<int?>("--batch-size") { Description = "SAC and critic batch size (default 256)." };
        var learnAlpha = new Option<bool>("--learn-alpha") { Description = "Learn the SAC temperature (default: fixed 0.2)." };
        var evalEpisodes = new Option<int>("--eval-episodes") { Description = "Deterministic evaluation episodes after training.", DefaultValueFactory = _ => 0 };
        var record = new Option<string?>("--record") { Description = "Dataset to append the run's transitions to (default online-<env>)." };
        var noRecord = new Option<bool>("--no-record") { Description = "Do not write the run's transitions to the store." };
        var baseline = new Option<string?>("--baseline") { Description = "dual-agent: td3 (default, learns alongside) | controller (the environment's scripted one) | FILE (.safetensors from --save-baseline)." };
        var saveBaseline = new Option<string?>("--save-baseline") { Description = "dual-agent with a td3 baseline: write the trained baseline actor to FILE." };
        var epsRisk = new Option<float?>("--eps-risk") { Description = "Override eps_risk (default per environment, or the registry critic's)." };
        var recoveryRl = new RecoveryRlOptions();

        var cmd = new Command("online", "Run Recovery RL or a baseline online and record the experience as a dataset version.")
        {
            env, variant, algo, critic, prior, server, apiKeyEnv, uploadDataset, dataset, recovery, episodes, seed, offline, pretrain, hidden, batch, learnAlpha, evalEpisodes,
            record, noRecord, epsRisk, baseline, saveBaseline,
        };
        foreach (var option in recoveryRl.All) cmd.Options.Add(option);
        var dualOptions = new DualAgentOptions();
        foreach (var option in dualOptions.All) cmd.Options.Add(option);
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var algorithm = OnlineAlgorithms.Parse(p.GetValue(algo)!);
            if (algorithm != OnlineAlgorithm.DualAgent && dualOptions.FirstGiven(p) is { } flag)
                throw new BadInputException($"{flag} applies to --algo dual-agent only, not {algorithm.Name()}");
            var request = new OnlineRunRequest(p.GetValue(env)!, algorithm, p.GetValue(episodes))
            {
                DualAgent = dualOptions.Read(p),
                Variant = p.GetValue(variant)!,
                Seed = p.GetValue(seed),
                Critic = p.GetValue(critic),
                Prior = p.GetValue(prior),
                Dataset = p.GetValue(dataset),
                Recovery = OnlineAlgorithms.ParseRecovery(p.GetValue(recovery)!),
                OfflineTransitions = p.GetValue(offline),
                PretrainSteps = p.GetValue(pretrain),
                Hidden = p.GetValue(hidden) is { } h ? CriticArchitecture.Parse(h).Hidden : null,
                BatchSize = p.GetValue(batch),
                LearnAlpha = p.GetValue(learnAlpha),
                EvaluationEpisodes = p.GetValue(evalEpisodes),
                RecordAs = p.GetValue(record),
                Record = !p.GetValue(noRecord),
                EpsRisk = p.GetValue(epsRisk),
                RecoveryVariation = recoveryRl.Variation(p),
                Baseline = p.GetValue(baseline),
                SaveBaseline = p.GetValue(saveBaseline),
                KeepTransitions = p.GetValue(uploadDataset) is not null,
            };
            string? upload = p.GetValue(uploadDataset);
            var store = OpenStore(p);
            using var client = ServerClient(p.GetValue(server), p.GetValue(apiKeyEnv), request.Critic, upload);
            var job = await (client is null ? new OnlineJob(store) : new OnlineJob(store, client)).RunAsync(request, new OnlineCommandProgress(), ct);
            var uploaded = upload is null ? null : await UploadTransitionsAsync(client!, upload, job, ct);

            var result = job.Run;
            var run = new MethodRun(request.Algorithm.Name(), request.Seed, result);
            return Emit(p, new
            {
                results = new[] { ResultJson(run) },
                runId = job.RunId,
                critic = job.Critic,
                env = job.Environment,
                variant = job.Variant,
                episodes = result.Episodes.Count,
                steps = result.Steps,
                seconds = result.Seconds,
                recoverySteps = job.RecoverySteps,
                lifetimeRegret = result.LifetimeRegret,
                evaluation = job.Evaluation,
                dataset = job.RecordedVersion,
                uploaded = uploaded is null ? null : new
                {
                    dataset = uploaded.Dataset,
                    version = uploaded.Version,
                    committed = uploaded.Committed,
                    rows = uploaded.Rows,
                    idempotencyKey = uploaded.IdempotencyKey,
                },
            }, console =>
            {
                console.Write(SummaryTable(ExperimentReport.Summarize([run])));
                if (job.Critic is { } used)
                    console.WriteLine(request.Algorithm == OnlineAlgorithm.Safer ? $"prior {used}" : $"critic {used}{(client is null ? "" : $" from {client.Transport}")}");
                console.WriteLine($"{job.RunId}: {result.Steps} steps in {F(result.Seconds, "0.0")} s, recovery actions {job.RecoverySteps}");
                if (job.Evaluation is { } evaluation)
                    console.WriteLine($"evaluation: {evaluation.Episodes} episodes, {evaluation.Violations} violations, {evaluation.Successes} successes, mean return {F(evaluation.MeanReturn, "0.0")}, mean cost {F(evaluation.MeanCost, "0.0")}");
                if (job.RecordedVersion is { } recorded) console.WriteLine($"transitions recorded as {recorded}");
                if (uploaded is not null)
                    console.WriteLine($"transitions uploaded to {client!.Transport} as {uploaded.Dataset}@{uploaded.Version} ({uploaded.Rows} rows{(uploaded.Committed ? "" : ", already there")})");
            });
        });
        return cmd;
    }

    /// <summary>
    /// The service client when --server is given: the critic then comes from the service, and the run
    /// learns with it locally; with --upload-dataset the run's transitions go back to it. Checked before
    /// the run, so a bad name fails in a moment rather than after the training.
    /// </summary>
    private static ServeClient? ServerClient(string? server, string? apiKeyEnv, string? critic, string? upload)
    {
        if (server is null)
        {
            if (apiKeyEnv is not null) throw new BadInputException("--api-key-env applies to --server only");
            if (upload is not null) throw new BadInputException("--upload-dataset needs --server URL: the service to upload the run's transitions to");
            return null;
        }
        if (critic is null && upload is null)
            throw new BadInputException("--server needs --critic (or --model) NAME[@V], the critic to fetch from the service, or --upload-dataset NAME");
        if (upload is not null) DatasetNames.Validate(upload);
        string? key = null;
        if (apiKeyEnv is not null)
        {
            key = Environment.GetEnvironmentVariable(apiKeyEnv);
            if (string.IsNullOrEmpty(key)) throw new BadInputException($"--api-key-env: environment variable '{apiKeyEnv}' is not set or empty");
        }
        return new ServeClient(new ServeClientOptions { Transport = ServeTransport.Parse(server), ApiKey = key });
    }

    /// <summary>
    /// One upload at the end of the run, keyed by the run id: the client's retries, and any retry of
    /// this upload with the same run id, answer with the version the first one committed.
    /// </summary>
    private static async Task<UploadResult> UploadTransitionsAsync(ServeClient client, string dataset, OnlineJobResult job, CancellationToken ct)
    {
        var options = new UploadOptions { Env = job.Environment, Variant = job.Variant, Source = job.RunId, IdempotencyKey = UploadKey(job.RunId) };
        try
        {
            return await client.UploadAsync(dataset, job.Transitions!, options, ct);
        }
        catch (Exception ex) when (CommandAction.IsUserFacing(ex) && job.RecordedVersion is { } kept)
        {
            // The run is not lost with the upload: say where its rows are, then fail as the upload did.
            CliOutput.Stderr().WriteLine($"{job.RunId}: the upload failed; the transitions are recorded locally as {kept}");
            throw;
        }
    }

    /// <summary>The Idempotency-Key of a run's upload (docs/serve.md).</summary>
    public static string UploadKey(string runId) => $"offsafe-online:{runId}";
}
