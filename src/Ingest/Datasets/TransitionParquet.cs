using System.Globalization;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>The label columns of a data file, read without the vector columns (for counting).</summary>
public sealed record TransitionLabels(long[] EpisodeId, string[] Variant, string[] Source, bool[] Unsafe)
{
    public int Count => EpisodeId.Length;
}

/// <summary>
/// Transition data files: a <see cref="TransitionBatch"/> as one Parquet file (the transition
/// schema, vectors as LIST&lt;FLOAT&gt;, Snappy pages) through the codec's columnar path, and back.
/// </summary>
public static class TransitionParquet
{
    public const string ObsDimKey = "offsafe.obsDim";
    public const string ActionDimKey = "offsafe.actionDim";

    /// <summary>The whole transition schema: exported files carry every column, variant included.</summary>
    public static ParquetSchema Schema { get; } = BuildSchema(withVariant: true);

    /// <summary>
    /// A table's data files: the transition schema without the partition column. As in Delta's
    /// reference writers, a file's variant is its `add` action's partitionValues entry (and its
    /// folder name), never a column of the file.
    /// </summary>
    public static ParquetSchema PartitionFileSchema { get; } = BuildSchema(withVariant: false);

    private static ParquetSchema BuildSchema(bool withVariant) => new(new ParquetField?[]
    {
        ParquetField.Int64(TransitionColumns.EpisodeId),
        ParquetField.Int32(TransitionColumns.Step),
        withVariant ? ParquetField.String(TransitionColumns.Variant) : null,
        ParquetField.String(TransitionColumns.Source),
        ParquetField.List(TransitionColumns.Obs, ParquetField.Float("element")),
        ParquetField.List(TransitionColumns.Action, ParquetField.Float("element")),
        ParquetField.List(TransitionColumns.NextObs, ParquetField.Float("element")),
        ParquetField.Float(TransitionColumns.Reward),
        ParquetField.Float(TransitionColumns.Cost),
        ParquetField.Boolean(TransitionColumns.Unsafe),
        ParquetField.Boolean(TransitionColumns.Terminal),
        ParquetField.Boolean(TransitionColumns.Truncated),
    }.OfType<ParquetField>().ToArray());

    /// <summary>
    /// The file's bytes. Footer key/value metadata records the dimensions, and with
    /// <paramref name="metadata"/> the environment and label convention, so that an exported file
    /// describes itself.
    /// </summary>
    public static byte[] Write(TransitionBatch batch, DatasetMetadata? metadata = null) => Write(batch, metadata, withVariant: true);

    /// <summary>
    /// A data file of the partition every row of <paramref name="batch"/> belongs to (one variant),
    /// without the variant column.
    /// </summary>
    public static byte[] WritePartitionFile(TransitionBatch batch) => Write(batch, null, withVariant: false);

    /// <summary>
    /// The same partition file, written to <paramref name="output"/> a row group at a time, so that a
    /// store can take in the first row groups while later ones are still being encoded.
    /// </summary>
    public static void WritePartitionFile(TransitionBatch batch, Stream output, CancellationToken ct = default) =>
        Write(batch, null, withVariant: false, output, StreamedRowGroupBytes, ct);

    /// <summary>
    /// Row groups of streamed partition files: one blob block's worth (8 MiB), so encoding and upload
    /// overlap in block-sized steps; large enough that footers stay small and scans stay sequential.
    /// </summary>
    private const long StreamedRowGroupBytes = 8L << 20;

    private static byte[] Write(TransitionBatch batch, DatasetMetadata? metadata, bool withVariant)
    {
        var stream = new MemoryStream(64 + batch.Count * (4 * (2 * batch.ObsDim + batch.ActDim) + 32));
        Write(batch, metadata, withVariant, stream, rowGroupBytes: null, CancellationToken.None);
        return stream.ToArray();
    }

    private static void Write(TransitionBatch batch, DatasetMetadata? metadata, bool withVariant, Stream stream, long? rowGroupBytes, CancellationToken ct)
    {
        using var writer = new ParquetFileWriter(stream, withVariant ? Schema : PartitionFileSchema,
            WriteOptions(batch.ObsDim, batch.ActDim, metadata, rowGroupBytes), leaveOpen: true);
        writer.WriteBatch(Columns(batch, withVariant), ct);
    }

    private static ParquetWriteOptions WriteOptions(int obsDim, int actDim, DatasetMetadata? metadata, long? rowGroupBytes)
    {
        var keyValues = new Dictionary<string, string>
        {
            [ObsDimKey] = obsDim.ToString(CultureInfo.InvariantCulture),
            [ActionDimKey] = actDim.ToString(CultureInfo.InvariantCulture),
            [DatasetMetadata.LabelConventionKey] = (metadata?.LabelConventionVersion ?? TransitionColumns.LabelConventionVersion).ToString(CultureInfo.InvariantCulture),
        };
        if (metadata is not null) keyValues[DatasetMetadata.EnvIdKey] = metadata.EnvId;
        var options = new ParquetWriteOptions { Compression = ParquetCompression.Snappy, Metadata = keyValues };
        return rowGroupBytes is { } bytes ? options with { RowGroupSizeBytes = bytes } : options;
    }

    private static ParquetColumnBatch Columns(TransitionBatch batch, bool withVariant)
    {
        var columns = new ParquetColumnBatch(batch.Count)
            .Add(TransitionColumns.EpisodeId, batch.EpisodeIdMemory)
            .Add(TransitionColumns.Step, batch.StepMemory);
        if (withVariant) columns.Add(TransitionColumns.Variant, batch.VariantMemory);
        return columns
            .Add(TransitionColumns.Source, batch.SourceMemory)
            .AddFixedSizeList(TransitionColumns.Obs, batch.ObsMemory, batch.ObsDim)
            .AddFixedSizeList(TransitionColumns.Action, batch.ActionMemory, batch.ActDim)
            .AddFixedSizeList(TransitionColumns.NextObs, batch.NextObsMemory, batch.ObsDim)
            .Add(TransitionColumns.Reward, batch.RewardMemory)
            .Add(TransitionColumns.Cost, batch.CostMemory)
            .Add(TransitionColumns.Unsafe, batch.UnsafeMemory)
            .Add(TransitionColumns.Terminal, batch.TerminalMemory)
            .Add(TransitionColumns.Truncated, batch.TruncatedMemory);
    }

    /// <summary>
    /// A partition file written batch by batch while its rows still arrive: the same bytes as
    /// <see cref="WritePartitionFile(TransitionBatch, Stream, CancellationToken)"/> over all the
    /// batches at once (row groups end by size, not at batch boundaries). <see cref="Close"/>
    /// writes the footer; a writer abandoned without it leaves an incomplete file, which the
    /// caller's store must then discard.
    /// </summary>
    public sealed class PartitionFileWriter(Stream output, int obsDim, int actDim)
    {
        private readonly ParquetFileWriter _writer = new(output, PartitionFileSchema, WriteOptions(obsDim, actDim, null, StreamedRowGroupBytes), leaveOpen: true);

        public void Write(TransitionBatch batch, CancellationToken ct = default)
        {
            if (batch.ObsDim != obsDim || batch.ActDim != actDim)
                throw new ArgumentException($"batch has dims {batch.ObsDim}/{batch.ActDim}, the file {obsDim}/{actDim}", nameof(batch));
            _writer.WriteBatch(Columns(batch, withVariant: false), ct);
        }

        public void Close() => _writer.Dispose();
    }

    /// <summary>Every row of a data file. <paramref name="source"/> names the file in errors.</summary>
    /// <param name="partitionVariant">
    /// The file's variant from its `add` action, which wins over any variant column in the file
    /// (Delta: partition values are read from the log). Null for a standalone file (an export),
    /// whose variant column is then required. Tables written before partition files left the
    /// column out still hold it; it is simply not read.
    /// </param>
    public static TransitionBatch Read(byte[] file, int obsDim, int actDim, string source, string? partitionVariant = null)
    {
        using var reader = new ParquetFileReader(file, source);
        RequireVariant(reader, partitionVariant, source);
        if (reader.RowGroupCount == 1) return ReadRowGroup(reader, 0, obsDim, actDim, partitionVariant);
        var result = new TransitionBatch(obsDim, actDim, checked((int)reader.RowCount));
        for (int g = 0; g < reader.RowGroupCount; g++) result.AddRange(ReadRowGroup(reader, g, obsDim, actDim, partitionVariant));
        return result;
    }

    /// <summary>Only episode_id, variant, source and unsafe: the columns counts need.</summary>
    public static TransitionLabels ReadLabels(byte[] file, string source, string? partitionVariant = null)
    {
        using var reader = new ParquetFileReader(file, source);
        return ReadLabels(reader, source, partitionVariant);
    }

    /// <summary>The same from a seekable stream: only the footer and the four label column chunks are read.</summary>
    public static TransitionLabels ReadLabels(Stream file, string source, string? partitionVariant = null)
    {
        using var reader = new ParquetFileReader(file, source, leaveOpen: true);
        return ReadLabels(reader, source, partitionVariant);
    }

    private static TransitionLabels ReadLabels(ParquetFileReader reader, string source, string? partitionVariant)
    {
        RequireVariant(reader, partitionVariant, source);
        var parts = Enumerable.Range(0, reader.RowGroupCount).Select(g => new TransitionLabels(
            reader.ReadValues<long>(g, TransitionColumns.EpisodeId),
            Variants(reader, g, partitionVariant),
            reader.ReadValues<string>(g, TransitionColumns.Source),
            reader.ReadValues<bool>(g, TransitionColumns.Unsafe))).ToArray();
        return parts.Length == 1 ? parts[0] : new TransitionLabels(
            parts.SelectMany(p => p.EpisodeId).ToArray(), parts.SelectMany(p => p.Variant).ToArray(),
            parts.SelectMany(p => p.Source).ToArray(), parts.SelectMany(p => p.Unsafe).ToArray());
    }

    private static void RequireVariant(ParquetFileReader reader, string? partitionVariant, string source)
    {
        if (partitionVariant is null && !reader.Schema.TryGetColumn(TransitionColumns.Variant, out _))
            throw new OfflineSafety.Parquet.ParquetFormatException($"no '{TransitionColumns.Variant}' column and no partition value for it", source);
    }

    private static string[] Variants(ParquetFileReader r, int g, string? partitionVariant)
    {
        if (partitionVariant is null) return r.ReadValues<string>(g, TransitionColumns.Variant);
        var variants = new string[checked((int)r.GetRowGroupRowCount(g))];
        Array.Fill(variants, partitionVariant);
        return variants;
    }

    private static TransitionBatch ReadRowGroup(ParquetFileReader r, int g, int obsDim, int actDim, string? partitionVariant) =>
        TransitionBatch.FromColumns(obsDim, actDim,
            r.ReadValues<long>(g, TransitionColumns.EpisodeId),
            r.ReadValues<int>(g, TransitionColumns.Step),
            Variants(r, g, partitionVariant),
            r.ReadValues<string>(g, TransitionColumns.Source),
            r.ReadFixedSizeList<float>(g, TransitionColumns.Obs, obsDim),
            r.ReadFixedSizeList<float>(g, TransitionColumns.Action, actDim),
            r.ReadFixedSizeList<float>(g, TransitionColumns.NextObs, obsDim),
            r.ReadValues<float>(g, TransitionColumns.Reward),
            r.ReadValues<float>(g, TransitionColumns.Cost),
            r.ReadValues<bool>(g, TransitionColumns.Unsafe),
            r.ReadValues<bool>(g, TransitionColumns.Terminal),
            r.ReadValues<bool>(g, TransitionColumns.Truncated));
}
