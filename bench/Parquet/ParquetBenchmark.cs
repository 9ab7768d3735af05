using System.Diagnostics;
using System.Numerics.Tensors;
using OfflineSafety.Bench.Anchors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Bench.Parquet;

/// <summary>
/// `offsafe-bench parquet`: times our codec writing the transition table (snappy) and scanning it
/// back into typed arrays (every value of every column), then runs DuckDB on the same table shape
/// in the same process tree so both sets of figures share the machine's conditions.
/// </summary>
public static class ParquetBenchmark
{
    // The benchmark writes exactly the layout the dataset store writes.
    public static ParquetSchema Schema => TransitionParquet.Schema;

    public static ParquetBenchReport Run(ParquetBenchOptions options, IProgress<string> progress, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.RowGroupRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Rounds);
        string ours = Path.Combine(options.WorkDirectory, "ours.parquet");
        var generator = new TransitionTableGenerator();
        var writeOptions = new ParquetWriteOptions { Compression = ParquetCompression.Snappy, MaxRowGroupRows = options.RowGroupRows };

        TransitionTable? table = null;
        var expected = default(TransitionChecksum);
        if (!options.Streaming)
        {
            progress.Report($"generating {options.Rows:N0} rows");
            table = TransitionTableGenerator.Allocate(checked((int)options.Rows));
            generator.Fill(table, 0, table.Capacity);
            expected = TransitionChecksum.Of(table);
        }

        DuckDbParquetRounds? duckDb = null;
        if (options.RunDuckDb)
        {
            progress.Report("DuckDB is building the same table");
            duckDb = DuckDbParquetAnchor.Locate().Start(options.Rows, options.DuckDbThreads,
                Path.Combine(options.WorkDirectory, "duckdb.parquet"), ours, ct);
        }
        using (duckDb)
        {
            // Rounds alternate ours and DuckDB's, so a change in the machine's load reaches both
            // sides; the first round of ours also carries the JIT's first compilations.
            var rounds = new List<ParquetBenchRound>();
            PeakMemory? memory = null;
            int rowGroups = 0;
            for (int round = 1; round <= options.Rounds; round++)
            {
                string stage = $"round {round} of {options.Rounds}: ";
                double writeSeconds;
                PeakMemory roundMemory;
                if (options.Streaming)
                {
                    progress.Report(stage + $"writing {options.Rows:N0} rows, one row group at a time");
                    (writeSeconds, expected, roundMemory) = WriteStreaming(ours, generator, options, writeOptions, ct);
                }
                else
                {
                    progress.Report(stage + "writing");
                    (writeSeconds, roundMemory) = Write(ours, table!, writeOptions, ct);
                }
                memory ??= roundMemory;

                // Each timed phase starts from a collected heap, so none pays for the previous
                // phase's garbage (the write's pages, the full scan's arrays) in a collection.
                Collect();
                progress.Report(stage + "scanning our file");
                var (scanSeconds, actual, groups) = Scan(ours, keepColumns: !options.Streaming, ct);
                if (actual != expected)
                    throw new InvalidDataException($"{ours}: the scan read back different values than were written ({actual} vs {expected})");
                rowGroups = groups;

                Collect();
                progress.Report(stage + "projected scan of our file");
                double projectedSeconds = ProjectedScan(ours, ct);

                DuckDbParquetFigures? duckDbRound = null;
                if (duckDb is not null)
                {
                    progress.Report(stage + "DuckDB");
                    duckDbRound = duckDb.Next(ct);
                }
                rounds.Add(new ParquetBenchRound(writeSeconds, scanSeconds, projectedSeconds, duckDbRound));
            }
            return new ParquetBenchReport(options.Rows, options.Streaming, rounds, new FileInfo(ours).Length, rowGroups, memory!,
                InputBytes(Math.Min(options.Rows, options.RowGroupRows)));
        }
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static (double Seconds, PeakMemory Memory) Write(string path, TransitionTable table, ParquetWriteOptions writeOptions, CancellationToken ct)
    {
        using var probe = PeakMemoryProbe.Start();
        var clock = Stopwatch.StartNew();
        using (var writer = ParquetFileWriter.Create(path, Schema, writeOptions))
        {
            writer.WriteBatch(BatchOf(table), ct);
            writer.Close();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return (seconds, probe.Stop());
    }

    private static (double Seconds, TransitionChecksum Expected, PeakMemory Memory) WriteStreaming(
        string path, TransitionTableGenerator generator, ParquetBenchOptions options, ParquetWriteOptions writeOptions, CancellationToken ct)
    {
        // Generation is outside the timed span but inside the memory probe: the buffer of one row
        // group is part of what a streaming writer's caller holds. Live memory is sampled here
        // (forced collections), so streaming write times run slower than the plain write's.
        using var probe = PeakMemoryProbe.Start(sampleLive: true);
        var table = TransitionTableGenerator.Allocate((int)Math.Min(options.Rows, options.RowGroupRows));
        var expected = default(TransitionChecksum);
        var clock = new Stopwatch();
        using (var writer = ParquetFileWriter.Create(path, Schema, writeOptions))
        {
            for (long first = 0; first < options.Rows; first += table.Capacity)
            {
                ct.ThrowIfCancellationRequested();
                generator.Fill(table, first, (int)Math.Min(table.Capacity, options.Rows - first));
                expected += TransitionChecksum.Of(table);
                clock.Start();
                writer.WriteBatch(BatchOf(table), ct);
                clock.Stop();
            }
            clock.Start();
            writer.Close();
            clock.Stop();
        }
        return (clock.Elapsed.TotalSeconds, expected, probe.Stop());
    }

    private static ParquetColumnBatch BatchOf(TransitionTable t)
    {
        int n = t.Count;
        return new ParquetColumnBatch(n)
            .Add(TransitionColumns.EpisodeId, Head(t.EpisodeId, n))
            .Add(TransitionColumns.Step, Head(t.Step, n))
            .Add(TransitionColumns.Variant, Head(t.Variant, n))
            .Add(TransitionColumns.Source, Head(t.Source, n))
            .AddFixedSizeList(TransitionColumns.Obs, Head(t.Obs, n * t.ObsDim), t.ObsDim)
            .AddFixedSizeList(TransitionColumns.Action, Head(t.Action, n * t.ActDim), t.ActDim)
            .AddFixedSizeList(TransitionColumns.NextObs, Head(t.NextObs, n * t.ObsDim), t.ObsDim)
            .Add(TransitionColumns.Reward, Head(t.Reward, n))
            .Add(TransitionColumns.Cost, Head(t.Cost, n))
            .Add(TransitionColumns.Unsafe, Head(t.Unsafe, n))
            .Add(TransitionColumns.Terminal, Head(t.Terminal, n))
            .Add(TransitionColumns.Truncated, Head(t.Truncated, n));
    }

    private static ReadOnlyMemory<T> Head<T>(T[] values, int count) => values.AsMemory(0, count);

    /// <summary>
    /// Reads every column of every row group into typed arrays, (row group, column) pairs spread
    /// over the cores as DuckDB spreads its scan over its threads. Non-streaming scans keep all
    /// arrays (the table in memory, as a trainer would load it); streaming scans drop each after use.
    /// </summary>
    private static (double Seconds, TransitionChecksum Checksum, int RowGroups) Scan(string path, bool keepColumns, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var reader = ParquetFileReader.Open(path);
        int groups = reader.RowGroupCount;
        int columns = Schema.Fields.Count;
        var kept = keepColumns ? new Array[groups * columns] : null;
        var partial = new TransitionChecksum[groups * columns];
        Parallel.For(0, groups * columns, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
        {
            int g = item / columns;
            string name = Schema.Fields[item % columns].Name;
            Array values = name switch
            {
                TransitionColumns.EpisodeId => reader.ReadValues<long>(g, name, ct),
                TransitionColumns.Step => reader.ReadValues<int>(g, name, ct),
                TransitionColumns.Variant or TransitionColumns.Source => reader.ReadValues<string>(g, name, ct),
                TransitionColumns.Obs or TransitionColumns.NextObs => reader.ReadFixedSizeList<float>(g, name, TransitionTableGenerator.ObsDim, ct),
                TransitionColumns.Action => reader.ReadFixedSizeList<float>(g, name, TransitionTableGenerator.ActDim, ct),
                TransitionColumns.Reward or TransitionColumns.Cost => reader.ReadValues<float>(g, name, ct),
                _ => reader.ReadValues<bool>(g, name, ct),
            };
            partial[item] = TransitionChecksum.OfColumn(name, values);
            if (kept is not null) kept[item] = values;
        });
        double seconds = clock.Elapsed.TotalSeconds;
        var total = default(TransitionChecksum);
        foreach (var p in partial) total += p;
        GC.KeepAlive(kept);
        return (seconds, total, groups);
    }

    /// <summary>
    /// Reads only <see cref="ParquetBenchReport.ProjectedColumns"/>, (row group, column) pairs over
    /// the cores as in the full scan, and sums them so nothing is skipped: the other columns' pages
    /// are never read, so the time should fall with the bytes the columns hold. Like DuckDB's
    /// aggregate, each worker streams row groups through buffers of its own, reused for every
    /// row group, and sums them with vectorised loops.
    /// </summary>
    private static double ProjectedScan(string path, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var reader = ParquetFileReader.Open(path);
        var columns = ParquetBenchReport.ProjectedColumns;
        int groups = reader.RowGroupCount;
        int maxRows = 0;
        for (int g = 0; g < groups; g++) maxRows = Math.Max(maxRows, checked((int)reader.GetRowGroupRowCount(g)));
        var sums = new double[groups * columns.Length];
        Parallel.For(0, sums.Length, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new ProjectionBuffers(maxRows),
            (item, _, buffers) =>
            {
                int g = item / columns.Length;
                string name = columns[item % columns.Length];
                sums[item] = name switch
                {
                    TransitionColumns.EpisodeId => TensorPrimitives.Sum<long>(buffers.Longs.AsSpan(0, reader.ReadValues<long>(g, name, buffers.Longs, ct))),
                    TransitionColumns.Unsafe => buffers.Flags.AsSpan(0, reader.ReadValues<bool>(g, name, buffers.Flags, ct)).Count(true),
                    _ => TensorPrimitives.Sum(buffers.Floats.AsSpan(0, reader.ReadValues<float>(g, name, buffers.Floats, ct))),
                };
                return buffers;
            },
            _ => { });
        double seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sums);
        return seconds;
    }

    private sealed class ProjectionBuffers(int rows)
    {
        public long[] Longs { get; } = new long[rows];
        public float[] Floats { get; } = new float[rows];
        public bool[] Flags { get; } = new bool[rows];
    }

    /// <summary>Bytes of generator input for <paramref name="rows"/> rows: what one row group's caller buffer holds.</summary>
    private static long InputBytes(long rows) =>
        rows * (sizeof(long) + sizeof(int) + 2 * IntPtr.Size + (2 * TransitionTableGenerator.ObsDim + TransitionTableGenerator.ActDim + 2) * sizeof(float) + 3);
}
