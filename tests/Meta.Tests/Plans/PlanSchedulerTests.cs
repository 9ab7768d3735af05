using Microsoft.Extensions.Time.Testing;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Meta.Jobs;
using OfflineSafety.Meta.Plans;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Tests.Plans;

/// <summary>Plans, runs and the scheduler on a temp store, driven by a fake clock rather than sleeps.</summary>
public sealed class PlanSchedulerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 1, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-plans-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);
    private readonly SchedulerSettings _settings = new() { PollInterval = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private async Task<LocalObjectStore> StoreAsync()
    {
        var objects = new LocalObjectStore(_root);
        var store = new DatasetStore(objects);
        await store.CreateAsync("walk", new DatasetMetadata("navigation2", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        await store.AppendAsync("walk", WallWalk.Generate([("g1", 0.3f), ("g2", 0.6f)], 30, 3));
        await store.CreateAsync("walk-eval", new DatasetMetadata("navigation2", 1, 1) { ActionLow = [-1f], ActionHigh = [1f] });
        await store.AppendAsync("walk-eval", WallWalk.Generate([("g3", 0.45f)], 30, 11));
        return objects;
    }

    private static Task AppendAsync(IObjectStore objects, ulong seed) =>
        new DatasetStore(objects).AppendAsync("walk", WallWalk.Generate([("g1", 0.3f)], 10, seed));

    private TrainingPlan Plan(string name, string? cron = null, bool onNewData = false, int steps = 3, string model = "walk-critic", string? eval = null) => new()
    {
        Name = name,
        Training = new MetaTrainingRequest { Dataset = "walk", Algorithm = "multitask", Model = model, Steps = steps, BatchSize = 8, Architecture = "8,8" },
        Triggers = new PlanTriggers { Cron = cron, OnNewData = onNewData, Debounce = TimeSpan.FromMinutes(5) },
        EvaluationDataset = eval,
        Gate = new PromotionGate { Margin = 0 },
        CreatedUtc = _time.GetUtcNow(),
    };

    private PlanScheduler Scheduler(IObjectStore objects, string worker = "w1") => new(objects, _time, worker, _settings);

    private static async Task<IReadOnlyList<TrainingRun>> Finished(IReadOnlyList<Task<TrainingRun?>> started) =>
        (await Task.WhenAll(started)).Select(r => r!).ToArray();

    [Fact]
    public async Task A_cron_plan_fires_at_its_times_and_a_run_without_new_data_is_skipped_with_the_reason()
    {
        var objects = await StoreAsync();
        await new PlanStore(objects).AddAsync(Plan("hourly", cron: "0 0 * * * ?"));
        var scheduler = Scheduler(objects);

        Assert.Empty(await scheduler.TickAsync());
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(await scheduler.TickAsync());
        _time.Advance(TimeSpan.FromMinutes(1));
        var first = Assert.Single(await Finished(await scheduler.TickAsync()));
        Assert.Equal((RunState.Succeeded, RunTrigger.Cron, "walk-critic@1"), (first.State, first.Trigger, first.PublishedModel));
        Assert.Equal("hourly/20261205-020000-cron", first.Id);
        Assert.Equal(1, first.Dataset!.Version);

        Assert.Empty(await scheduler.TickAsync());
        _time.Advance(TimeSpan.FromHours(1));
        var second = Assert.Single(await Finished(await scheduler.TickAsync()));
        Assert.Equal(RunState.Skipped, second.State);
        Assert.Contains("no version newer than @1", second.Reason);
        Assert.Equal(2, (await new RunStore(objects).ListAsync("hourly")).Count);
    }

    [Fact]
    public async Task A_new_dataset_version_triggers_exactly_one_run_after_the_debounce()
    {
        var objects = await StoreAsync();
        await new PlanStore(objects).AddAsync(Plan("on-data", onNewData: true));
        var scheduler = Scheduler(objects);
        // The dataset has never been trained on: that is new data too, after the debounce.
        Assert.Empty(await scheduler.TickAsync());
        _time.Advance(TimeSpan.FromMinutes(5));
        var first = Assert.Single(await Finished(await scheduler.TickAsync()));
        Assert.Equal((RunState.Succeeded, 1L), (first.State, first.Dataset!.Version));

        await AppendAsync(objects, 21);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await scheduler.TickAsync());
        await AppendAsync(objects, 22); // a burst: still one run
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(await scheduler.TickAsync());
        _time.Advance(TimeSpan.FromMinutes(3));
        var second = Assert.Single(await Finished(await scheduler.TickAsync()));
        Assert.Equal((RunState.Succeeded, RunTrigger.NewData, 3L, "walk-critic@2"), (second.State, second.Trigger, second.Dataset!.Version, second.PublishedModel));
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(await scheduler.TickAsync());
        Assert.Equal("walk@3", (await new ModelRegistry(objects).ResolveAsync(new ModelReference("walk-critic", null))).Lineage.Dataset.ToString());
    }

    [Fact]
    public async Task A_dead_workers_run_is_failed_after_its_lease_expires_and_the_next_run_proceeds()
    {
        var objects = await StoreAsync();
        var plan = await new PlanStore(objects).AddAsync(Plan("p"));
        var runs = new RunStore(objects);
        var dead = new PlanRunner(objects, _time, "dead-worker", _settings.Runner);
        string deadId = RunStore.NewId("p", _time.GetUtcNow(), "manual1");
        await dead.QueueAsync(plan, RunTrigger.Manual, deadId);
        // The dead worker took the lease and marked its run running, then was killed.
        Assert.NotNull(await new PlanLease(objects, _time).TryAcquireAsync("p", "dead-worker", deadId, _settings.Runner.LeaseDuration));
        await runs.SaveAsync(await runs.GetAsync(deadId) with { State = RunState.Running, Worker = "dead-worker", StartedUtc = _time.GetUtcNow() });
        string nextId = RunStore.NewId("p", _time.GetUtcNow(), "manual2");
        await dead.QueueAsync(plan, RunTrigger.Manual, nextId);

        var scheduler = Scheduler(objects, "w2");
        Assert.All(await Task.WhenAll(await scheduler.TickAsync()), Assert.Null);
        Assert.Equal(RunState.Running, (await runs.GetAsync(deadId)).State);
        Assert.Equal(RunState.Queued, (await runs.GetAsync(nextId)).State);

        _time.Advance(_settings.Runner.LeaseDuration + TimeSpan.FromSeconds(1));
        var next = Assert.Single(await Finished(await scheduler.TickAsync()));
        var failed = await runs.GetAsync(deadId);
        Assert.Equal(RunState.Failed, failed.State);
        Assert.Contains("dead-worker", failed.Reason);
        Assert.Equal((nextId, RunState.Succeeded), (next.Id, next.State));
    }

    [Fact]
    public async Task Two_schedulers_on_one_store_never_run_a_plan_twice_at_once()
    {
        var objects = await StoreAsync();
        await new PlanStore(objects).AddAsync(Plan("shared", cron: "0 * * * * ?", steps: 40));
        var a = Scheduler(objects, "a");
        var b = Scheduler(new LocalObjectStore(_root), "b");
        for (int minute = 0; minute < 4; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            var started = (await a.TickAsync()).Concat(await b.TickAsync()).ToArray();
            await Task.WhenAll(started);
            if (minute == 0) await AppendAsync(objects, 30);
        }
        var runs = await new RunStore(objects).ListAsync("shared");
        Assert.Equal(4, runs.Count); // one run per fire time, whichever scheduler made it
        var ran = runs.Where(r => r.StartedUtc is not null).OrderBy(r => r.StartedUtc).ToArray();
        for (int i = 1; i < ran.Length; i++) Assert.True(ran[i].StartedUtc >= ran[i - 1].EndedUtc, $"{ran[i].Id} overlaps {ran[i - 1].Id}");
        Assert.Equal(2, runs.Count(r => r.State == RunState.Succeeded));
    }

    [Fact]
    public async Task The_promotion_gate_keeps_a_worse_model_as_a_candidate()
    {
        var objects = await StoreAsync();
        var plans = new PlanStore(objects);
        var good = await plans.AddAsync(Plan("good", steps: 300, eval: "walk-eval"));
        var poor = await plans.AddAsync(Plan("poor", steps: 1, eval: "walk-eval"));
        var runner = new PlanRunner(objects, _time, "w", _settings.Runner);
        await runner.QueueAsync(good, RunTrigger.Manual, "good/1-manual");
        var first = (await runner.TryRunAsync(good, "good/1-manual"))!;
        Assert.Equal(("walk-critic@1", false), (first.PublishedModel, first.Candidate));

        await AppendAsync(objects, 40);
        await runner.QueueAsync(poor, RunTrigger.Manual, "poor/2-manual");
        var second = (await runner.TryRunAsync(poor, "poor/2-manual"))!;
        Assert.Equal((RunState.Succeeded, true, "walk-critic-candidate@1"), (second.State, second.Candidate, second.PublishedModel));
        Assert.Contains("promotion margin", second.Reason);
        Assert.True(second.Metrics["held_out_auc"] < second.Metrics["incumbent_auc"] || second.Metrics["held_out_brier"] > second.Metrics["incumbent_brier"]);
        Assert.Equal(1, (await new ModelRegistry(objects).ResolveAsync(new ModelReference("walk-critic", null))).Version);
    }

    [Fact]
    public async Task A_cancelled_queued_run_never_starts()
    {
        var objects = await StoreAsync();
        var plan = await new PlanStore(objects).AddAsync(Plan("p"));
        var runner = new PlanRunner(objects, _time, "w", _settings.Runner);
        await runner.QueueAsync(plan, RunTrigger.Manual, "p/1-manual");
        var cancelled = await new RunStore(objects).RequestCancelAsync("p/1-manual", _time.GetUtcNow());
        Assert.Equal(RunState.Cancelled, cancelled.State);
        Assert.Equal(RunState.Cancelled, (await runner.TryRunAsync(plan, "p/1-manual"))!.State);
        await Assert.ThrowsAsync<ConflictException>(() => new RunStore(objects).RequestCancelAsync("p/1-manual", _time.GetUtcNow()));
    }

    [Theory]
    [InlineData("dataset", "--dataset")]
    [InlineData("dataset-ref", "--dataset")]
    [InlineData("eval", "--eval-dataset")]
    [InlineData("cron", "--cron")]
    [InlineData("algo", "--algo")]
    [InlineData("steps", "--steps")]
    [InlineData("lr", "--lr")]
    [InlineData("name", "plan name")]
    public async Task Bad_plan_definitions_are_rejected_at_add_time_naming_the_field(string fault, string field)
    {
        var objects = await StoreAsync();
        var plan = Plan("p");
        plan = fault switch
        {
            "dataset" => plan with { Training = plan.Training with { Dataset = "nope" } },
            "dataset-ref" => plan with { Training = plan.Training with { Dataset = "walk@1" } },
            "eval" => plan with { EvaluationDataset = "nope" },
            "cron" => plan with { Triggers = plan.Triggers with { Cron = "every day" } },
            "algo" => plan with { Training = plan.Training with { Algorithm = "sgd" } },
            "steps" => plan with { Training = plan.Training with { Steps = 0 } },
            "lr" => plan with { Training = plan.Training with { LearningRate = float.NaN } },
            _ => plan with { Name = "../x" },
        };
        var e = await Assert.ThrowsAsync<BadInputException>(() => new PlanStore(objects).AddAsync(plan));
        Assert.StartsWith(field, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(await new PlanStore(objects).ListAsync());
    }
}
