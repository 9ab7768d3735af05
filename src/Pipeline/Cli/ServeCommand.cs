using System.CommandLine;
using OfflineSafety.Errors;
using OfflineSafety.Serve;
using OfflineSafety.Serve.Sidecar;
using OfflineSafety.Storage;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe serve --urls URL [--store DIR] [--api-key-env VAR]`: hosts the critic service (docs/serve.md) until stopped.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string[]>("--urls")
        {
            Description = "Addresses to listen on, e.g. http://127.0.0.1:8080 (several allowed).",
            DefaultValueFactory = _ => ["http://127.0.0.1:8080"],
            AllowMultipleArgumentsPerToken = true,
        };
        var apiKeyEnv = new Option<string?>("--api-key-env")
        {
            Description = "Environment variable holding the API key that write endpoints require (X-Api-Key header); unset: no key.",
        };
        var maxUpload = new Option<long>("--max-upload-mb") { Description = "Largest upload body in MiB.", DefaultValueFactory = _ => 256 };
        var noScheduler = new Option<bool>("--no-scheduler") { Description = "Do not run training plans in this process (docs/plans.md); another replica or `offsafe scheduler` does." };
        var noDapr = new Option<bool>("--no-dapr") { Description = "Run standalone even when DAPR_GRPC_PORT or DAPR_GRPC_ENDPOINT announces a Dapr sidecar." };
        var pubSub = new Option<string>("--dapr-pubsub") { Description = "The Dapr pub/sub component for the service's topics.", DefaultValueFactory = _ => DaprSidecar.DefaultPubSub };
        var stateStore = new Option<string>("--dapr-state") { Description = "The Dapr state store component for adaptation-cache entries and idempotency keys.", DefaultValueFactory = _ => DaprSidecar.DefaultStateStore };
        var cmd = new Command("serve", "Serve datasets and critics over HTTP: uploads, rows, adapt, evaluate, filter (docs/serve.md).");
        foreach (var o in new Option[] { urls, apiKeyEnv, maxUpload, noScheduler, noDapr, pubSub, stateStore }) cmd.Options.Add(o);
        CommandAction.Set(cmd, async (p, ct) =>
        {
            string? key = null;
            if (p.GetValue(apiKeyEnv) is { } variable)
            {
                key = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrEmpty(key)) throw new BadInputException($"--api-key-env: environment variable '{variable}' is not set or empty");
            }
            long mb = p.GetValue(maxUpload);
            if (mb <= 0) throw new BadInputException($"--max-upload-mb must be positive, got {mb}");
            // A sidecar announces itself through the environment (`dapr run`, the Kubernetes injector): docs/serve.md, "With Dapr".
            var dapr = p.GetValue(noDapr) ? null : DaprSidecar.FromEnvironment(Environment.GetEnvironmentVariable, p.GetValue(pubSub)!, p.GetValue(stateStore)!);
            var settings = new ServeSettings { Store = p.GetValue(CommonOptions.Store)!, ApiKey = key, MaxUploadBytes = mb << 20, Dapr = dapr };
            await using var app = ServeApp.Build(settings, p.GetValue(urls)!, Microsoft.Extensions.Logging.LogLevel.Information);
            await app.StartAsync(ct);
            foreach (var url in app.Urls) Console.Error.WriteLine($"offsafe serve: listening on {url} (store {settings.Store}{(key is null ? "" : ", API key required for writes")}{(dapr is null ? "" : $", Dapr sidecar at {dapr.GrpcEndpoint}")})");
            // The same scheduler as `offsafe scheduler`: every replica may run one, the plan lease keeps one run per plan.
            var scheduler = p.GetValue(noScheduler)
                ? Task.CompletedTask
                : new OfflineSafety.Meta.Plans.PlanScheduler(StoreLocation.Open(settings.Store), TimeProvider.System, SchedulerCommand.WorkerName(),
                    new OfflineSafety.Meta.Plans.SchedulerSettings(), line => Console.Error.WriteLine($"offsafe scheduler: {line}")).RunAsync(ct);
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            await scheduler;
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return cmd;
    }
}
