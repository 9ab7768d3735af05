using System.CommandLine;
using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Plans;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe plans add | list | show | remove | run`: stored training jobs (docs/plans.md).</summary>
public static class PlansCommands
{
    public static Command Create()
    {
        var plans = new Command("plans", "Stored training jobs that run on a schedule, on new data, or on request.");
        plans.Subcommands.Add(Add());
        plans.Subcommands.Add(List());
        plans.Subcommands.Add(Show());
        plans.Subcommands.Add(Remove());
        plans.Subcommands.Add(Run());
        return plans;
    }

    private static Command Add()
    {
        var name = new Argument<string>("NAME") { Description = "The plan's name." };
        var training = new MetaTrainingOptions("NAME: the training dataset; each run reads its newest version.");
        var cron = new Option<string?>("--cron") { Description = "Quartz cron in UTC, seconds first, e.g. '0 0 2 * * ?' (02:00 daily)." };
        var onNewData = new Option<bool>("--on-new-data") { Description = "Run when the dataset gets a version newer than the model's." };
        var debounce = new Option<double>("--debounce-minutes") { Description = "New-data runs at most once per this many minutes, after the data settles.", DefaultValueFactory = _ => 10 };
        var eval = new Option<string?>("--eval-dataset") { Description = "NAME[@REF] of held-out data: scores every run and gates promotion." };
        var margin = new Option<double?>("--promotion-margin") { Description = "How much worse (AUC down, Brier up) a new model may be and still be published (default 0.01); needs --eval-dataset." };
        var cmd = new Command("add", "Store a training plan (validated now: dataset, settings, cron).") { name, cron, onNewData, debounce, eval, margin };
        training.AddTo(cmd);
        CommandAction.Set(cmd, async (p, ct) =>
        {
            if (p.GetValue(margin) is not null && p.GetValue(eval) is null)
                throw new BadInputException("--promotion-margin: a promotion gate needs --eval-dataset to compare models on");
            double minutes = p.GetValue(debounce);
            if (!double.IsFinite(minutes) || minutes < 0) throw new BadInputException($"--debounce-minutes: must be a finite number >= 0, got {minutes}");
            var plan = new TrainingPlan
            {
                Name = p.GetValue(name)!,
                Training = training.Build(p),
                Triggers = new PlanTriggers { Cron = p.GetValue(cron), OnNewData = p.GetValue(onNewData), Debounce = TimeSpan.FromMinutes(minutes) },
                EvaluationDataset = p.GetValue(eval),
                Gate = p.GetValue(margin) is { } m ? new PromotionGate { Margin = m } : new PromotionGate(),
                CreatedUtc = TimeProvider.System.GetUtcNow(),
            };
            await new PlanStore(OpenStore(p)).AddAsync(plan, ct);
            return EmitLine(p, new { plan = plan.Name }, $"plan '{plan.Name}' added: {Describe(plan)}");
        });
        return cmd;
    }

    private static Command List()
    {
        var cmd = new Command("list", "Every plan with its triggers and latest run.");
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var objects = OpenStore(p);
            var runs = new RunStore(objects);
            var rows = new List<object>();
            var table = NewTable("plan", "trains", "triggers", "latest run", "state");
            foreach (var plan in await new PlanStore(objects).ListAsync(ct))
            {
                var latest = (await runs.ListAsync(plan.Name, ct)).LastOrDefault();
                rows.Add(new { plan = plan.Name, dataset = plan.Training.Dataset, model = plan.Training.Model, algorithm = plan.Training.Algorithm, triggers = plan.Triggers, latestRun = latest?.Id, state = latest?.State.ToString().ToLowerInvariant() });
                table.AddRow(Markup.Escape(plan.Name), Markup.Escape($"{plan.Training.Algorithm} {plan.Training.Dataset} -> {plan.Training.Model}"),
                    Markup.Escape(Triggers(plan)), Markup.Escape(latest?.Id ?? "-"), Markup.Escape(latest?.State.ToString().ToLowerInvariant() ?? "-"));
            }
            return Emit(p, new { plans = rows }, console => console.Write(table));
        });
        return cmd;
    }

    private static Command Show()
    {
        var name = new Argument<string>("NAME");
        var cmd = new Command("show", "A plan's training job, triggers and gate.") { name };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var plan = await new PlanStore(OpenStore(p)).GetAsync(p.GetValue(name)!, ct);
            return Emit(p, plan, console =>
            {
                var table = NewTable("field", "value");
                void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
                Row("plan", plan.Name);
                Row("trains", Describe(plan));
                Row("triggers", Triggers(plan));
                Row("evaluation", plan.EvaluationDataset is { } e ? $"{e}, promotion margin {plan.Gate.Margin.ToString(CultureInfo.InvariantCulture)}" : "-");
                Row("created", plan.CreatedUtc.ToString("u", CultureInfo.InvariantCulture));
                console.Write(table);
            }, PlanJsonForCli);
        });
        return cmd;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("NAME");
        var cmd = new Command("remove", "Remove a plan (its run history stays).") { name };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            await new PlanStore(OpenStore(p)).RemoveAsync(p.GetValue(name)!, ct);
            return EmitLine(p, new { removed = p.GetValue(name) }, $"plan '{p.GetValue(name)}' removed");
        });
        return cmd;
    }

    private static Command Run()
    {
        var name = new Argument<string>("NAME");
        var force = new Option<bool>("--force") { Description = "Train even when the dataset has no version newer than the model's." };
        var cmd = new Command("run", "Run a plan now, in this process.") { name, force };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var objects = OpenStore(p);
            var plan = await new PlanStore(objects).GetAsync(p.GetValue(name)!, ct);
            var time = TimeProvider.System;
            var runner = new PlanRunner(objects, time, SchedulerCommand.WorkerName(), new PlanRunnerSettings());
            string id = RunStore.NewId(plan.Name, time.GetUtcNow(), "manual-" + Guid.NewGuid().ToString("N")[..6]);
            await runner.QueueAsync(plan, RunTrigger.Manual, id, p.GetValue(force), ct);
            var run = WithProgress($"plan {plan.Name}", progress => runner.TryRunAsync(plan, id, progress, ct).GetAwaiter().GetResult());
            if (run is null)
            {
                await new RunStore(objects).RequestCancelAsync(id, time.GetUtcNow(), ct);
                throw new ConflictException($"plan '{plan.Name}' is running elsewhere (see `offsafe runs list --plan {plan.Name}`)");
            }
            return RunsCommands.EmitRun(p, run);
        });
        return cmd;
    }

    internal static string Describe(TrainingPlan plan) =>
        $"{plan.Training.Algorithm} on {plan.Training.Dataset} -> {plan.Training.Model}";

    private static string Triggers(TrainingPlan plan)
    {
        var parts = new List<string>();
        if (plan.Triggers.Cron is { } c) parts.Add($"cron '{c}'");
        if (plan.Triggers.OnNewData) parts.Add($"new data (debounce {plan.Triggers.Debounce.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min)");
        return parts.Count == 0 ? "on request" : string.Join(", ", parts);
    }

    private static readonly System.Text.Json.JsonSerializerOptions PlanJsonForCli = new(SnakeCaseJson)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower) },
    };

    internal static System.Text.Json.JsonSerializerOptions JsonOptions => PlanJsonForCli;
}
