using System.Diagnostics;
using System.Text;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Parquet;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;
using OfflineSafety.Storage;
using Xunit.Abstractions;

namespace OfflineSafety.Ingest.Tests.Logs;

/// <summary>
/// Step 8, deliverable 6: a seeded corpus of mutated CSV, JSONL and Parquet logs pushed through the
/// ingest readers. Every mutant either reads to values identical to its original (mutations that
/// cannot change meaning) or any values (the others), or fails with a one-line error of a
/// user-facing type; never hangs (per-file timeout) and allocates a bounded amount; and a rejected
/// ingest into a store leaves no new version. OFFSAFE_FUZZ_CASES sets the number of mutants
/// (default 300) and OFFSAFE_FUZZ_SEED the seed (default 8); a failure names the case, seed and mutation.
/// </summary>
public sealed class IngestFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PerFile = TimeSpan.FromSeconds(10);
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    private enum Kind { Csv, Jsonl, Parquet }

    private sealed record Mutant(Kind Kind, string Name, byte[] Bytes, bool KeepsMeaning);

    [Fact]
    public async Task Mutated_logs_fail_cleanly_or_read_as_their_original()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("OFFSAFE_FUZZ_CASES"), out int n) && n > 0 ? n : 300;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("OFFSAFE_FUZZ_SEED"), out int s) ? s : 8;
        var originals = new Dictionary<Kind, byte[]>
        {
            [Kind.Csv] = Encoding.UTF8.GetBytes(CsvSeed()),
            [Kind.Jsonl] = Encoding.UTF8.GetBytes(JsonlSeed()),
            [Kind.Parquet] = ParquetSeed(),
        };
        var expected = originals.ToDictionary(o => o.Key, o => Read(WriteCase("original", o.Key, o.Value)).Transitions);

        var store = new DatasetStore(new LocalObjectStore(Path.Combine(_files.Root, "store")));
        await store.CreateAsync("fuzz", new DatasetMetadata("fuzz-env", 2, 1));
        var ingest = new DatasetIngest(store);

        var rng = new Random(seed);
        var clock = Stopwatch.StartNew();
        int rejected = 0, identical = 0, changed = 0;
        var failures = new List<string>();
        for (int i = 0; i < cases; i++)
        {
            try
            {
                (int r, int same, int other) = await RunCase(i);
                rejected += r; identical += same; changed += other;
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
            {
                failures.Add(ex.Message);
            }
        }
        output.WriteLine($"{cases} mutants (seed {seed}) in {clock.Elapsed.TotalSeconds:F1} s: {rejected} rejected, {identical} identical, {changed} read with other values");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} mutants failed:\n{string.Join("\n", failures.Take(10))}");
        Assert.True(identical > 0 && rejected > 0, "the corpus exercises both outcomes");

        async Task<(int, int, int)> RunCase(int i)
        {
            var kind = (Kind)(i % 3);
            var mutant = Mutate(kind, originals[kind], rng);
            string where = $"case {i} (seed {seed}, {mutant.Name})";
            string path = WriteCase($"case{i}", kind, mutant.Bytes);

            long allocated = 0;
            Exception? error = null;
            LogIngestResult? result = null;
            var run = Task.Run(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                try { result = Read(path); }
                catch (Exception ex) { error = ex; }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            try { await run.WaitAsync(PerFile); }
            catch (TimeoutException) { Assert.Fail($"{where}: no answer within {PerFile.TotalSeconds} s; the mutant is {path}"); }
            // Reading a small log may allocate its fixed buffers plus a multiple of its size, never more.
            Assert.True(allocated < (64L << 20) + 64L * mutant.Bytes.Length, $"{where}: allocated {allocated} bytes for a {mutant.Bytes.Length}-byte file; {path}");

            if (error is not null)
            {
                Assert.True(IsUserFacing(error), $"{where}: {error.GetType().Name} is not a user-facing error; {path}\n{error}");
                Assert.False(error.Message.Contains('\n') || error.Message.Contains('\r'), $"{where}: message has several lines: {error.Message}");
                Assert.True(error.Message.Length < 4000, $"{where}: message of {error.Message.Length} characters");
                if (error is LogRejectedException lr)
                    foreach (var e in lr.Errors) Assert.False(e.ToString().Contains('\n'), $"{where}: error line has a line break: {e}");
                Assert.True(mutant.KeepsMeaning is false, $"{where}: a mutation that keeps the meaning was rejected: {error.Message}");
            }
            else if (mutant.KeepsMeaning) AssertSame(expected[kind], result!.Transitions, where);

            // Through the dataset store too (every fifth case, to keep the run short): a rejection leaves no new version.
            if (i % 5 == 0)
            {
                long versionBefore = (await store.SnapshotAsync(DatasetReference.Parse("fuzz"))).Version;
                try
                {
                    await ingest.RunAsync(new IngestRequest([path], "fuzz", new FieldMap(), Source: "fuzz"));
                }
                catch (Exception ex)
                {
                    Assert.True(IsUserFacing(ex), $"{where}: DatasetIngest threw {ex.GetType().Name}: {ex.Message}; {path}");
                    Assert.Equal(versionBefore, (await store.SnapshotAsync(DatasetReference.Parse("fuzz"))).Version);
                }
            }
            File.Delete(path);
            return error is not null ? (1, 0, 0) : mutant.KeepsMeaning ? (0, 1, 0) : (0, 0, 1);
        }
    }

    private static bool IsUserFacing(Exception ex) =>
        ex is UserError or LogRejectedException or ParquetFormatException or IOException or InvalidDataException;

    private static LogIngestResult Read(string path) =>
        LogIngest.Read([path], new IngestSettings(new FieldMap(), Source: "fuzz"));

    private string WriteCase(string name, Kind kind, byte[] bytes)
    {
        var path = Path.Combine(_files.Root, name + kind switch { Kind.Csv => ".csv", Kind.Jsonl => ".jsonl", _ => ".parquet" });
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertSame(TransitionBatch a, TransitionBatch b, string where)
    {
        Assert.True(a.Count == b.Count, $"{where}: {b.Count} transitions, expected {a.Count}");
        Assert.True(a.Obs.SequenceEqual(b.Obs) && a.Action.SequenceEqual(b.Action) && a.NextObs.SequenceEqual(b.NextObs)
            && a.Reward.SequenceEqual(b.Reward) && a.Cost.SequenceEqual(b.Cost) && a.EpisodeId.SequenceEqual(b.EpisodeId)
            && a.Step.SequenceEqual(b.Step) && a.Unsafe.SequenceEqual(b.Unsafe) && a.Terminal.SequenceEqual(b.Terminal)
            && a.Truncated.SequenceEqual(b.Truncated) && a.Variant.SequenceEqual(b.Variant) && a.Source.SequenceEqual(b.Source),
            $"{where}: values differ from the original");
    }

    private static string CsvSeed()
    {
        var sb = new StringBuilder("episode_id,step,variant,obs_0,obs_1,action_0,reward,cost,terminal\n");
        for (int e = 0; e < 3; e++)
            for (int t = 0; t < 6; t++)
                sb.Append($"{e},{t},\"b1={e}.5,b2=1\",{t * 0.25},{-t},{(t % 2 == 0 ? 0.5 : -0.5)},{t - 1.5},{(t == 5 && e == 1 ? 1 : 0)},{(t == 5 ? "true" : "false")}\n");
        return sb.ToString();
    }

    private static string JsonlSeed()
    {
        var sb = new StringBuilder();
        for (int e = 0; e < 3; e++)
            for (int t = 0; t < 6; t++)
                sb.Append($"{{\"episode_id\": {e}, \"step\": {t}, \"variant\": \"v{e}\", \"obs\": [{t * 0.25}, {-t}], \"action\": [{(t % 2 == 0 ? 0.5 : -0.5)}], "
                    + $"\"reward\": {t - 1.5}, \"cost\": {(t == 5 && e == 1 ? 1 : 0)}, \"terminal\": {(t == 5 ? "true" : "false")}}}\n");
        // One Minari-style episode line as well.
        sb.Append("{\"episode_id\": 9, \"variant\": \"m\", \"obs\": [[0, 0], [1, 1], [2, 2]], \"action\": [[1], [1]], \"reward\": [0.5, 0.5], \"cost\": [0, 0]}\n");
        return sb.ToString();
    }

    private byte[] ParquetSeed()
    {
        var path = Path.Combine(_files.Root, "seed.parquet");
        var schema = new ParquetSchema(
            ParquetField.Int64("episode_id"), ParquetField.Int32("step"), ParquetField.String("variant"),
            ParquetField.List("obs", ParquetField.Float("element")), ParquetField.List("action", ParquetField.Double("element")),
            ParquetField.Float("reward"), ParquetField.Double("cost"), ParquetField.Boolean("terminal"));
        const int rows = 12;
        var episode = new long[rows];
        var step = new int[rows];
        var variant = new string[rows];
        var obs = new float[rows * 2];
        var action = new double[rows];
        var reward = new float[rows];
        var cost = new double[rows];
        var terminal = new bool[rows];
        for (int r = 0; r < rows; r++)
        {
            episode[r] = r / 6;
            step[r] = r % 6;
            variant[r] = $"v{r / 6}";
            obs[2 * r] = r;
            obs[2 * r + 1] = -r * 0.5f;
            action[r] = r % 2 == 0 ? 1 : -1;
            reward[r] = r * 0.1f;
            cost[r] = r == 5 ? 1 : 0;
            terminal[r] = r % 6 == 5;
        }
        using (var w = ParquetFileWriter.Create(path, schema))
            w.WriteBatch(new ParquetColumnBatch(rows).Add<long>("episode_id", episode).Add<int>("step", step).Add<string>("variant", variant)
                .AddFixedSizeList<float>("obs", obs, 2).AddFixedSizeList<double>("action", action, 1)
                .Add<float>("reward", reward).Add<double>("cost", cost).Add<bool>("terminal", terminal));
        return File.ReadAllBytes(path);
    }

    private static readonly byte[] Interesting = [0, 0xFF, 0x80, 0xC3, (byte)'"', (byte)',', (byte)'\n', (byte)'\r', (byte)'[', (byte)']',
        (byte)'{', (byte)'}', (byte)':', (byte)'-', (byte)'.', (byte)'e', (byte)'9', (byte)' ', (byte)'\\', 0x7F];

    private static Mutant Mutate(Kind kind, byte[] original, Random rng)
    {
        // Text formats get a share of mutations that cannot change what the file means.
        if (kind != Kind.Parquet && rng.Next(4) == 0) return Harmless(kind, original, rng);
        var b = new List<byte>(original);
        string name;
        switch (rng.Next(9))
        {
            case 0:
                int at = rng.Next(b.Count);
                b[at] ^= (byte)(1 << rng.Next(8));
                name = $"flip a bit at {at}";
                break;
            case 1:
                at = rng.Next(b.Count);
                b[at] = Interesting[rng.Next(Interesting.Length)];
                name = $"set byte {at} to 0x{b[at]:X2}";
                break;
            case 2:
                at = rng.Next(b.Count);
                int count = 1 + rng.Next(8);
                for (int k = 0; k < count; k++) b.Insert(at, (byte)rng.Next(256));
                name = $"insert {count} random bytes at {at}";
                break;
            case 3:
                at = rng.Next(b.Count);
                count = Math.Min(1 + rng.Next(32), b.Count - at);
                b.RemoveRange(at, count);
                name = $"delete {count} bytes at {at}";
                break;
            case 4:
                int cut = rng.Next(b.Count);
                b.RemoveRange(cut, b.Count - cut);
                name = $"truncate to {cut} bytes";
                break;
            case 5:
                at = rng.Next(b.Count);
                count = Math.Min(1 + rng.Next(64), b.Count - at);
                b.InsertRange(rng.Next(b.Count), b.GetRange(at, count));
                name = $"duplicate {count} bytes from {at}";
                break;
            case 6:
                // A long run: an oversized cell, name or page length.
                at = rng.Next(b.Count);
                count = 1000 + rng.Next(200_000);
                b.InsertRange(at, Enumerable.Repeat(Interesting[rng.Next(Interesting.Length)], count));
                name = $"insert a run of {count} bytes at {at}";
                break;
            case 7:
                at = rng.Next(Math.Max(1, b.Count - 4));
                int value = rng.Next(3) switch { 0 => int.MaxValue, 1 => -1, _ => rng.Next() };
                for (int k = 0; k < 4 && at + k < b.Count; k++) b[at + k] = (byte)(value >> (8 * k));
                name = $"write int {value} at {at}";
                break;
            default:
                for (int k = 0; k < 1 + rng.Next(6); k++) b[rng.Next(b.Count)] = (byte)rng.Next(256);
                name = "scramble a few bytes";
                break;
        }
        return new Mutant(kind, name, b.ToArray(), KeepsMeaning: false);
    }

    private static Mutant Harmless(Kind kind, byte[] original, Random rng)
    {
        var text = Encoding.UTF8.GetString(original);
        var lines = text.Split('\n');
        switch (rng.Next(4))
        {
            case 0:
                return new Mutant(kind, "CRLF line ends", Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n")), true);
            case 1:
                int at = 1 + rng.Next(lines.Length - 1);
                var list = lines.ToList();
                list.Insert(at, rng.Next(2) == 0 ? "" : "   ");
                return new Mutant(kind, $"blank line at {at}", Encoding.UTF8.GetBytes(string.Join('\n', list)), true);
            case 2 when kind == Kind.Jsonl:
                // Extra white space between JSON tokens.
                return new Mutant(kind, "spaces after ':' and ','", Encoding.UTF8.GetBytes(text.Replace(":", ":  ").Replace(", ", " ,\t ")), true);
            case 2:
                // Spaces around unquoted numbers: ingest trims cells.
                var spaced = string.Join('\n', lines.Select((l, i) => i == 0 ? l : l.Replace(",0,", ", 0 ,")));
                return new Mutant(kind, "spaces around numbers", Encoding.UTF8.GetBytes(spaced), true);
            default:
                return new Mutant(kind, "no final line break", Encoding.UTF8.GetBytes(text.TrimEnd('\n')), true);
        }
    }
}
