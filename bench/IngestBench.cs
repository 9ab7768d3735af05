using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;
using OfflineSafety.Storage;

namespace OfflineSafety.Bench;

/// <summary>
/// One format's ingest figure: rows and bytes per second of wall time, plus the process CPU time
/// of the same pass, which stays meaningful when other work competes for the cores. Stage "read"
/// is reading, validating and labelling; "read+commit" adds writing the dataset version
/// (Parquet data files and the Delta commit) to a local store.
/// </summary>
public sealed record IngestFigure(string Format, string Stage, long Rows, long Bytes, double Seconds, double CpuSeconds, long RowsIngested)
{
    public double RowsPerSecond => Rows / Seconds;
    public double MegabytesPerSecond => Bytes / 1e6 / Seconds;
    public double RowsPerCpuSecond => Rows / CpuSeconds;
}

/// <summary>
/// Measures log ingest (read, validate, derive labels, assemble transitions; then the same plus the
/// commit to a local dataset store) on generated files of N rows in each format. The files hold flattened vectors, the layout most
/// exported logs use, with seeded values so every run reads the same bytes.
/// </summary>
public sealed class IngestBench(int rows, int obsDim = 8, int actDim = 2, int seed = 1)
{
    /// <summary>Writers for the formats measured: text formats flattened, Parquet with list columns (its natural layout).</summary>
    public IReadOnlyList<(string Format, Action<string> Write)> Formats =>
    [
        ("csv", WriteCsv),
        ("jsonl", WriteJsonl),
        ("parquet", WriteParquet),
    ];

    public async Task<IReadOnlyList<IngestFigure>> RunAsync(string folder, Action<string>? status = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(folder);
        var figures = new List<IngestFigure>();
        foreach (var (format, write) in Formats)
        {
            string path = Path.Combine(folder, $"bench.{format}");
            status?.Invoke($"writing {rows} rows of {format}");
            write(path);
            long bytes = new FileInfo(path).Length;
            status?.Invoke($"reading {format} ({bytes / 1e6:F0} MB)");
            var settings = new IngestSettings(new FieldMap());
            // One untimed pass warms the JIT and the page cache, as a repeated ingest would find them.
            LogIngest.Read([path], settings, LogFormat.Auto, null, ct);
            var (seconds, cpuSeconds, read) = await MeasureAsync(() => Task.FromResult((long)LogIngest.Read([path], settings, LogFormat.Auto, null, ct).Transitions.Count));
            figures.Add(new IngestFigure(format, "read", rows, bytes, seconds, cpuSeconds, read));

            status?.Invoke($"ingesting {format} into a local store");
            var store = new DatasetStore(new LocalObjectStore(Path.Combine(folder, $"store-{format}")));
            var request = new IngestRequest([path], "bench", new FieldMap(), CreateWithEnv: "Bench");
            (seconds, cpuSeconds, long committed) = await MeasureAsync(async () => (await new DatasetIngest(store).RunAsync(request, null, ct)).Rows);
            figures.Add(new IngestFigure(format, "read+commit", rows, bytes, seconds, cpuSeconds, committed));
            File.Delete(path);
            Directory.Delete(Path.Combine(folder, $"store-{format}"), recursive: true);
        }
        return figures;
    }

    private static async Task<(double Seconds, double CpuSeconds, long Rows)> MeasureAsync(Func<Task<long>> run)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long rows = await run();
        clock.Stop();
        process.Refresh();
        return (clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds, rows);
    }

    private IEnumerable<string> Columns(string name, int n) => Enumerable.Range(0, n).Select(i => $"{name}_{i}");

    private void WriteCsv(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var header = string.Join(',', new[] { "episode_id", "step" }.Concat(Columns("obs", obsDim)).Concat(Columns("action", actDim))
            .Concat(Columns("next_obs", obsDim)).Concat(["reward", "cost", "terminal", "truncated"]));
        file.Write(Encoding.UTF8.GetBytes(header + "\n"));
        WriteRows(file, (buf, row) => FormatRow(buf, row, csv: true));
    }

    private void WriteJsonl(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteRows(file, (buf, row) => FormatRow(buf, row, csv: false));
    }

    private void WriteRows(Stream file, Func<Span<byte>, Row, int> format)
    {
        var buffer = new byte[64 * 1024];
        Generate(row => file.Write(buffer, 0, format(buffer, row)));
    }

    private void WriteParquet(string path)
    {
        const int chunk = 128 * 1024;
        var schema = new ParquetSchema(
            ParquetField.Int64("episode_id"), ParquetField.Int32("step"),
            ParquetField.List("obs", ParquetField.Float("element")), ParquetField.List("action", ParquetField.Float("element")),
            ParquetField.List("next_obs", ParquetField.Float("element")),
            ParquetField.Float("reward"), ParquetField.Float("cost"), ParquetField.Boolean("terminal"), ParquetField.Boolean("truncated"));
        using var writer = ParquetFileWriter.Create(path, schema);
        var episode = new long[chunk];
        var step = new int[chunk];
        var obs = new float[chunk * obsDim];
        var action = new float[chunk * actDim];
        var next = new float[chunk * obsDim];
        var reward = new float[chunk];
        var cost = new float[chunk];
        var terminal = new bool[chunk];
        var truncated = new bool[chunk];
        int n = 0;
        void Flush()
        {
            if (n == 0) return;
            writer.WriteBatch(new ParquetColumnBatch(n)
                .Add<long>("episode_id", episode.AsMemory(0, n)).Add<int>("step", step.AsMemory(0, n))
                .AddFixedSizeList<float>("obs", obs.AsMemory(0, n * obsDim), obsDim).AddFixedSizeList<float>("action", action.AsMemory(0, n * actDim), actDim)
                .AddFixedSizeList<float>("next_obs", next.AsMemory(0, n * obsDim), obsDim)
                .Add<float>("reward", reward.AsMemory(0, n)).Add<float>("cost", cost.AsMemory(0, n))
                .Add<bool>("terminal", terminal.AsMemory(0, n)).Add<bool>("truncated", truncated.AsMemory(0, n)));
            n = 0;
        }
        Generate(row =>
        {
            episode[n] = row.Episode;
            step[n] = row.Step;
            row.Obs.CopyTo(obs, n * obsDim);
            row.Action.CopyTo(action, n * actDim);
            row.Next.CopyTo(next, n * obsDim);
            reward[n] = row.Reward;
            cost[n] = row.Cost;
            terminal[n] = row.Terminal;
            truncated[n] = row.Truncated;
            if (++n == chunk) Flush();
        });
        Flush();
    }

    /// <summary>Seeded episodes of at most 100 steps, 1% of steps ending in a violation.</summary>
    private void Generate(Action<Row> emit)
    {
        var rng = new Random(seed);
        var obs = new float[obsDim];
        var next = new float[obsDim];
        var action = new float[actDim];
        for (int i = 0; i < obsDim; i++) obs[i] = (float)rng.NextDouble();
        long episode = 0;
        int step = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < actDim; i++) action[i] = (float)(rng.NextDouble() * 2 - 1);
            for (int i = 0; i < obsDim; i++) next[i] = obs[i] + 0.01f * action[i % actDim];
            bool crash = rng.NextDouble() < 0.01;
            bool timeUp = step == 99;
            emit(new Row(episode, step, obs, action, next, -(float)rng.NextDouble(), crash ? 1f : 0f, crash, timeUp && !crash));
            if (crash || timeUp)
            {
                episode++;
                step = 0;
                for (int i = 0; i < obsDim; i++) obs[i] = (float)rng.NextDouble();
            }
            else
            {
                step++;
                (obs, next) = (next, obs);
            }
        }
    }

    private readonly record struct Row(long Episode, int Step, float[] Obs, float[] Action, float[] Next, float Reward, float Cost, bool Terminal, bool Truncated);

    private int FormatRow(Span<byte> buf, Row row, bool csv)
    {
        int n = 0;
        void Text(ReadOnlySpan<byte> s, Span<byte> b) { s.CopyTo(b[n..]); n += s.Length; }
        void Key(string name, int index, Span<byte> b)
        {
            if (csv) { if (n > 0) b[n++] = (byte)','; return; }
            byte open = n == 0 ? (byte)'{' : (byte)',';
            b[n++] = open;
            b[n++] = (byte)'"';
            n += Encoding.UTF8.GetBytes(name, b[n..]);
            if (index >= 0) { b[n++] = (byte)'_'; Utf8Formatter.TryFormat(index, b[n..], out int w); n += w; }
            b[n++] = (byte)'"';
            b[n++] = (byte)':';
        }
        void Number(float v, Span<byte> b) { Utf8Formatter.TryFormat(v, b[n..], out int w); n += w; }
        Key("episode_id", -1, buf); Utf8Formatter.TryFormat(row.Episode, buf[n..], out int we); n += we;
        Key("step", -1, buf); Utf8Formatter.TryFormat(row.Step, buf[n..], out int ws); n += ws;
        for (int i = 0; i < obsDim; i++) { Key("obs", i, buf); Number(row.Obs[i], buf); }
        for (int i = 0; i < actDim; i++) { Key("action", i, buf); Number(row.Action[i], buf); }
        for (int i = 0; i < obsDim; i++) { Key("next_obs", i, buf); Number(row.Next[i], buf); }
        Key("reward", -1, buf); Number(row.Reward, buf);
        Key("cost", -1, buf); Number(row.Cost, buf);
        Key("terminal", -1, buf); Text(row.Terminal ? "true"u8 : "false"u8, buf);
        Key("truncated", -1, buf); Text(row.Truncated ? "true"u8 : "false"u8, buf);
        if (!csv) buf[n++] = (byte)'}';
        buf[n++] = (byte)'\n';
        return n;
    }
}
