using System.CommandLine;
using System.Globalization;
using OfflineSafety.Meta.Plans;
using Spectre.Console;
using static OfflineSafety.Pipeline.Cli.CriticCommandSupport;
using static OfflineSafety.Pipeline.Cli.Output.CliOutput;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe runs list | show | cancel`: the history of plan runs.</summary>
public static class RunsCommands
{
    public static Command Create()
    {
        var runs = new Command("runs", "Runs of training plans: state, timings, data, model, metrics, progress.");
        runs.Subcommands.Add(List());
        runs.Subcommands.Add(Show());
        runs.Subcommands.Add(Cancel());
        return runs;
    }

    private static Command List()
    {
        var plan = new Option<string?>("--plan") { Description = "Only this plan's runs." };
        var cmd = new Command("list", "Runs, oldest first.") { plan };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var objects = OpenStore(p);
            var names = p.GetValue(plan) is { } one ? [one] : (await new PlanStore(objects).ListAsync(ct)).Select(x => x.Name).ToArray();
            var all = new List<TrainingRun>();
            foreach (string name in names) all.AddRange(await new RunStore(objects).ListAsync(name, ct));
            var table = NewTable("run", "trigger", "state", "data", "model", "reason");
            foreach (var r in all)
                table.AddRow(Markup.Escape(r.Id), r.Trigger.ToString().ToLowerInvariant(), r.State.ToString().ToLowerInvariant(),
                    Markup.Escape(r.Dataset?.ToString() ?? "-"), Markup.Escape(r.PublishedModel is { } m ? (r.Candidate ? $"{m} (candidate)" : m) : "-"),
                    Markup.Escape(r.Reason ?? ""));
            return Emit(p, new { runs = all }, console => console.Write(table), PlansCommands.JsonOptions);
        });
        return cmd;
    }

    private static Command Show()
    {
        var id = new Argument<string>("RUN") { Description = "PLAN/STAMP, as `runs list` prints it." };
        var cmd = new Command("show", "One run: state, timings, progress (step, loss, ETA), metrics, log tail.") { id };
        CommandAction.Set(cmd, async (p, ct) => EmitRun(p, await new RunStore(OpenStore(p)).GetAsync(p.GetValue(id)!, ct)));
        return cmd;
    }

    private static Command Cancel()
    {
        var id = new Argument<string>("RUN");
        var cmd = new Command("cancel", "Cancel a queued run now, or a running one at its next heartbeat.") { id };
        CommandAction.Set(cmd, async (p, ct) =>
        {
            var run = await new RunStore(OpenStore(p)).RequestCancelAsync(p.GetValue(id)!, TimeProvider.System.GetUtcNow(), ct);
            return EmitLine(p, new { run = run.Id, state = run.State.ToString().ToLowerInvariant() },
                run.State == RunState.Cancelled ? $"{run.Id}: cancelled" : $"{run.Id}: cancel requested; its worker stops at the next heartbeat");
        });
        return cmd;
    }

    internal static int EmitRun(ParseResult p, TrainingRun run) => Emit(p, run, console =>
    {
        var table = NewTable("field", "value");
        void Row(string k, string? v) { if (v is not null) table.AddRow(Markup.Escape(k), Markup.Escape(v)); }
        Row("run", run.Id);
        Row("state", run.State.ToString().ToLowerInvariant() + (run.Reason is { } r ? $": {r}" : ""));
        Row("trigger", run.Trigger.ToString().ToLowerInvariant());
        Row("queued / started / ended", $"{T(run.QueuedUtc)} / {T(run.StartedUtc)} / {T(run.EndedUtc)}");
        Row("worker", run.Worker);
        Row("dataset", run.Dataset?.ToString());
        Row("model", run.PublishedModel is { } m ? (run.Candidate ? $"{m} (candidate)" : m) : null);
        if (run.Progress is { } g)
            Row("progress", $"step {g.Step}/{g.TotalSteps}, loss {F(g.Loss, "0.00000")}" + (g.EtaSeconds is { } eta ? $", ETA {F(eta, "0")} s" : ""));
        foreach (var (k, v) in run.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Row(k, F(v));
        console.Write(table);
        foreach (string line in run.LogTail) console.WriteLine(line);
    }, PlansCommands.JsonOptions);

    private static string T(DateTimeOffset? t) => t?.ToString("u", CultureInfo.InvariantCulture) ?? "-";
}
