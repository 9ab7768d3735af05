using System.CommandLine;
using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Plans;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `offsafe scheduler`: runs plans when they are due, without the HTTP app (`offsafe serve` runs the
/// same scheduler in-process). Any number may run over one store; the plan lease keeps one run per plan.
/// </summary>
public static class SchedulerCommand
{
    public static string WorkerName() => $"{Environment.MachineName}:{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";

    public static Command Create()
    {
        var poll = new Option<double>("--poll-seconds") { Description = "How often to look at plans, queued runs and datasets.", DefaultValueFactory = _ => 30 };
        var cmd = new Command("scheduler", "Run training plans on their triggers until stopped (Ctrl-C).") { poll };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            double seconds = p.GetValue(poll);
            if (!double.IsFinite(seconds) || seconds <= 0) throw new BadInputException($"--poll-seconds: must be a positive number, got {seconds}");
            var scheduler = new PlanScheduler(OpenStore(p), TimeProvider.System, WorkerName(),
                new SchedulerSettings { PollInterval = TimeSpan.FromSeconds(seconds) },
                line => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z {line}"));
            Console.Error.WriteLine($"offsafe scheduler: worker {WorkerName()}, polling every {seconds.ToString(CultureInfo.InvariantCulture)} s");
            await scheduler.RunAsync(ct);
            return 0;
        });
        return cmd;
    }
}
