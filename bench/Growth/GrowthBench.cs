using System.Diagnostics;
using OfflineSafety.Bench.Datasets;
using OfflineSafety.Bench.Parquet;
using OfflineSafety.Bench.Timing;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Adaptation;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Storage;

namespace OfflineSafety.Bench.Growth;

/// <summary>One workload at one size: wall time, process CPU time, and where it was sampled, the peak working set of the process.</summary>
public sealed record GrowthPoint(string Workload, string SizeName, long Size, double Seconds, double CpuSeconds, long? PeakWorkingSetBytes);

/// <summary>
/// How one workload's time grows between two sizes: time ratio over size ratio, and the exponent
/// e in time ~ size^e (1 linear, 0 flat, above 1 worse than linear). Taken on CPU time, which on a
/// shared machine keeps its shape where wall time drifts with the other work; the wall-time ratio
/// is kept beside it.
/// </summary>
public sealed record GrowthStep(string Workload, long FromSize, long ToSize, double TimeRatio, double WallTimeRatio)
{
    public double SizeRatio => (double)ToSize / FromSize;
    public double Exponent => Math.Log(TimeRatio) / Math.Log(SizeRatio);

    public string Shape => Exponent switch
    {
        < 0.3 => "flat",
        < 0.75 => "sublinear",
        <= 1.25 => "linear",
        _ => "worse than linear",
    };

    public static IEnumerable<GrowthStep> Between(IEnumerable<GrowthPoint> points) =>
        points.GroupBy(p => p.Workload).SelectMany(g => g.OrderBy(p => p.Size).Zip(g.OrderBy(p => p.Size).Skip(1),
            (a, b) => new GrowthStep(g.Key, a.Size, b.Size, b.CpuSeconds / a.CpuSeconds, b.Seconds / a.Seconds)));
}

/// <summary>Sizes for each workload of the growth table; the defaults are the issue's.</summary>
public sealed record GrowthSizes
{
    public IReadOnlyList<int> IngestRows { get; init; } = [1_000_000, 10_000_000];
    public IReadOnlyList<int> Commits { get; init; } = [100, 1_000, 10_000];
    public IReadOnlyList<int> TasksPerIteration { get; init; } = [5, 10, 20];
    public IReadOnlyList<int> AdaptationRows { get; init; } = [100, 1_000, 10_000];
    /// <summary>Meta-iterations timed at each K (after one untimed warm-up iteration).</summary>
    public int MetaIterations { get; init; } = 60;
    /// <summary>Adam steps of each adaptation.</summary>
    public int AdaptationSteps { get; init; } = 200;
}

/// <summary>
/// "Cost as work grows": the same workload at growing sizes, so its shape (ratios between sizes)
/// can be read even on a loaded machine where absolute times drift. Ingest: a Parquet log of N
/// transitions read, validated, labelled and committed as a dataset version (time and peak working
/// set). Snapshot: loading the latest snapshot of a log of N small commits, from checkpoints and by
/// replaying every JSON commit. MESA: one meta-iteration at K tasks (Navigation, the thesis'
/// 3x100 critic and batch sizes). Adaptation: MESA phase 2 on a test set of N rows.
/// </summary>
public sealed class GrowthBench(GrowthSizes sizes)
{
    private const string Environment = "navigation2";

    public async Task<IReadOnlyList<GrowthPoint>> RunAsync(string folder, Action<string> status, CancellationToken ct = default)
    {
        var points = new List<GrowthPoint>();
        status("ingest: warm-up (JIT, page cache)");
        await IngestAsync(Path.Combine(folder, "ingest-warm-up"), 20_000, ct);
        foreach (int rows in sizes.IngestRows)
        {
            status($"ingest: {rows:N0} rows");
            points.Add(await IngestAsync(Path.Combine(folder, $"ingest-{rows}"), rows, ct));
        }
        foreach (int commits in sizes.Commits)
        {
            status($"snapshot: building {commits:N0} commits twice (with and without checkpoints)");
            var f = await SnapshotLoadBench.RunAsync(Path.Combine(folder, $"snapshot-{commits}"), commits, repeats: 3, ct);
            points.Add(new GrowthPoint("snapshot load, checkpoints every 10", $"{commits:N0} commits", commits, f.WithCheckpointMs / 1e3, f.WithCheckpointCpuMs / 1e3, null));
            points.Add(new GrowthPoint("snapshot load, JSON replay", $"{commits:N0} commits", commits, f.JsonReplayMs / 1e3, f.JsonReplayCpuMs / 1e3, null));
        }
        status("MESA: generating the Navigation suite");
        points.AddRange(MesaIterations(status, ct));
        points.AddRange(Adaptations(status, ct));
        return points;
    }

    private static async Task<GrowthPoint> IngestAsync(string folder, int rows, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "log.parquet");
            new IngestBench(rows).Formats.Single(f => f.Format == "parquet").Write(path);
            var store = new DatasetStore(new LocalObjectStore(Path.Combine(folder, "store")));
            var request = new IngestRequest([path], "growth", new FieldMap(), CreateWithEnv: "Bench");
            using var probe = PeakMemoryProbe.Start();
            var cpu = ProcessCpu.Now();
            var clock = Stopwatch.StartNew();
            await new DatasetIngest(store).RunAsync(request, null, ct);
            clock.Stop();
            cpu = ProcessCpu.Now() - cpu;
            var peak = probe.Stop();
            return new GrowthPoint("ingest (Parquet log -> dataset version)", $"{rows:N0} rows", rows, clock.Elapsed.TotalSeconds, cpu.TotalSeconds, peak.WorkingSetBytes);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private IEnumerable<GrowthPoint> MesaIterations(Action<string> status, CancellationToken ct)
    {
        int variants = sizes.TasksPerIteration.Max();
        var (training, _) = Suite(variants, transitionsPerVariant: 2_000, testRows: 500);
        foreach (int k in sizes.TasksPerIteration)
        {
            status($"MESA: {sizes.MetaIterations} meta-iterations at K = {k}");
            var settings = new MesaSettings { MetaIterations = sizes.MetaIterations + 1, TasksPerIteration = k, Seed = 1 };
            var (seconds, cpu) = TimeAfterFirstStep(progress => new MesaTrainer(settings).Train(training, progress: progress, ct: ct));
            yield return new GrowthPoint("MESA meta-iteration", $"K = {k}", k, seconds / sizes.MetaIterations, cpu / sizes.MetaIterations, null);
        }
    }

    private IEnumerable<GrowthPoint> Adaptations(Action<string> status, CancellationToken ct)
    {
        var (training, _) = Suite(2, transitionsPerVariant: 2_000, testRows: 100);
        var baseCritic = new MesaTrainer(new MesaSettings { MetaIterations = 1, TasksPerIteration = 2, Seed = 1 }).Train(training, ct: ct).Critic;
        var adaptation = new CriticAdaptation(new AdaptationSettings { Steps = sizes.AdaptationSteps, Seed = 1 });
        adaptation.Adapt(baseCritic, 0.8f, Suite(2, 200, 100).Test, ct: ct);   // warm-up: JIT
        foreach (int rows in sizes.AdaptationRows)
        {
            status($"adaptation: {sizes.AdaptationSteps} steps on {rows:N0} rows");
            var (_, test) = Suite(2, transitionsPerVariant: 200, testRows: rows);
            var cpu = ProcessCpu.Now();
            var clock = Stopwatch.StartNew();
            adaptation.Adapt(baseCritic, 0.8f, test, ct: ct);
            yield return new GrowthPoint($"adaptation ({sizes.AdaptationSteps} steps)", $"{rows:N0} rows", rows, clock.Elapsed.TotalSeconds,
                (ProcessCpu.Now() - cpu).TotalSeconds, null);
        }
    }

    // The first step carries the set-up (normalisation fit, allocations, JIT): time the steps after it.
    private static (double Seconds, double CpuSeconds) TimeAfterFirstStep(Action<Action<TrainingProgress>> train)
    {
        var clock = new Stopwatch();
        TimeSpan cpuStart = default, cpuEnd = default;
        train(p =>
        {
            if (p.Step == 1)
            {
                cpuStart = ProcessCpu.Now();
                clock.Restart();
            }
            else if (p.Step == p.TotalSteps)
            {
                clock.Stop();
                cpuEnd = ProcessCpu.Now();
            }
        });
        return (clock.Elapsed.TotalSeconds, (cpuEnd - cpuStart).TotalSeconds);
    }

    private static (IReadOnlyList<TaskRows> Training, TaskRows Test) Suite(int trainingVariants, int transitionsPerVariant, int testRows)
    {
        var environment = EnvironmentRegistry.Default.Get(Environment);
        var suite = new SuiteGenerator().Generate(new SuiteRequest(Environment, trainingVariants, transitionsPerVariant, "auto", testRows, Seed: 5));
        var all = new TransitionBatch(environment.ObservationSpace.Dim, environment.ActionSpace.Dim, suite.All.Sum(v => v.Batch.Count));
        foreach (var v in suite.All) all.AddRange(v.Batch);
        return (TaskRows.PerVariant(all, suite.Training.Select(v => v.Variant.Variant.Id).ToArray()),
            TaskRows.Select(all, [suite.Test.Variant.Variant.Id], "test"));
    }
}
