using System.Diagnostics;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Hyperparameters;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Meta.Training;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Bench.Meta;

/// <summary>Time per MESA meta-iteration: wall, and CPU time of the whole process (all threads).</summary>
public sealed record MesaIterationResult(string Environment, int Iterations, int Rounds, Timing.Spread WallMs, Timing.Spread CpuMs, float FinalLoss, ulong ParameterChecksum)
{
    /// <summary>10,000 meta-iterations (the paper's budget) at the median wall time.</summary>
    public double TenThousandSeconds => WallMs.Median * 10;
}

/// <summary>
/// `offsafe-bench mesa`: MESA phase 1 in the paper's configuration for one environment (MesaSettings
/// defaults: K = 5 variants, one second-order inner step, batch 256, learned inner rates; the
/// environment's risk settings), on a generated suite. Each round trains from scratch for a fixed
/// number of meta-iterations after a short untimed warm-up run, so JIT and first-touch costs stay out.
/// </summary>
public static class MesaIterationBench
{
    public static MesaIterationResult Run(string environment, int iterations, int rounds, int rowsPerVariant, ComputeOptions compute, IProgress<string>? progress, CancellationToken ct)
    {
        var suite = new SuiteGenerator().Generate(new SuiteRequest(environment, 20, rowsPerVariant, "auto", 100, 100), ct: ct);
        var all = new TransitionBatch(suite.Environment.ObservationSpace.Dim, suite.Environment.ActionSpace.Dim, suite.All.Sum(v => v.Batch.Count));
        foreach (var v in suite.All) all.AddRange(v.Batch);
        var training = TaskRows.PerVariant(all, suite.Training.Select(v => v.Variant.Variant.Id).ToArray());
        var risk = DomainHyperparameterTable.For(environment).Risk;
        var config = new MesaSettings { GammaRisk = risk.GammaRisk, EpsRisk = risk.EpsRisk, MetaIterations = iterations };

        progress?.Report("warm-up");
        new MesaTrainer(config with { MetaIterations = 20 }, compute).Train(training, ct: ct);
        var wall = new List<double>();
        var cpu = new List<double>();
        float loss = 0;
        ulong checksum = 0;
        using var process = Process.GetCurrentProcess();
        for (int round = 1; round <= rounds; round++)
        {
            progress?.Report($"round {round}/{rounds}: {iterations} meta-iterations");
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            var trained = new MesaTrainer(config, compute).Train(training, ct: ct);
            wall.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / iterations);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds / iterations);
            loss = trained.FinalLoss;
            checksum = Checksum(trained.Critic.Parameters.Data);
        }
        return new MesaIterationResult(environment, iterations, rounds, Timing.Spread.Of(wall), Timing.Spread.Of(cpu), loss, checksum);
    }

    // FNV-1a over the parameters' bits: equal checksums across runs and code changes mean bit-identical training.
    private static ulong Checksum(ReadOnlySpan<float> values)
    {
        ulong hash = 14695981039346656037;
        foreach (float v in values) hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
        return hash;
    }
}
