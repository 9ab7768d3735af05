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

    public static ParquetSchema Schema { get; } = new(
        ParquetField.Int64(TransitionColumns.EpisodeId),
        ParquetField.Int32(TransitionColumns.Step),
        ParquetField.String(TransitionColumns.Variant),
        ParquetField.String(TransitionColumns.Source),
        ParquetField.List(TransitionColumns.Obs, ParquetField.Float("element")),
        ParquetField.List(TransitionColumns.Action, ParquetField.Float("element")),
        ParquetField.List(TransitionColumns.NextObs, ParquetField.Float("element")),
        ParquetField.Float(TransitionColumns.Reward),
        ParquetField.Float(TransitionColumns.Cost),
        ParquetField.Boolean(TransitionColumns.Unsafe),
        ParquetField.Boolean(TransitionColumns.Terminal),
        ParquetField.Boolean(TransitionColumns.Truncated));

    /// <summary>
    /// The file's bytes. Footer key/value metadata records the dimensions, and with
    /// <paramref name="metadata"/> the environment and label convention, so that an exported file
    /// describes itself.
    /// </summary>
    public static byte[] Write(TransitionBatch batch, DatasetMetadata? metadata = null)
    {
        var keyValues = new Dictionary<string, string>
        {
            [ObsDimKey] = batch.ObsDim.ToString(CultureInfo.InvariantCulture),
            [ActionDimKey] = batch.ActDim.ToString(CultureInfo.InvariantCulture),
            [DatasetMetadata.LabelConventionKey] = (metadata?.LabelConventionVersion ?? TransitionColumns.LabelConventionVersion).ToString(CultureInfo.InvariantCulture),
        };
        if (metadata is not null) keyValues[DatasetMetadata.EnvIdKey] = metadata.EnvId;
        var options = new ParquetWriteOptions { Compression = ParquetCompression.Snappy, Metadata = keyValues };

        var stream = new MemoryStream(64 + batch.Count * (4 * (2 * batch.ObsDim + batch.ActDim) + 32));
        using (var writer = new ParquetFileWriter(stream, Schema, options, leaveOpen: true))
        {
            var columns = new ParquetColumnBatch(batch.Count)
                .Add(TransitionColumns.EpisodeId, batch.EpisodeIdMemory)
                .Add(TransitionColumns.Step, batch.StepMemory)
                .Add(TransitionColumns.Variant, batch.VariantMemory)
                .Add(TransitionColumns.Source, batch.SourceMemory)
                .AddFixedSizeList(TransitionColumns.Obs, batch.ObsMemory, batch.ObsDim)
                .AddFixedSizeList(TransitionColumns.Action, batch.ActionMemory, batch.ActDim)
                .AddFixedSizeList(TransitionColumns.NextObs, batch.NextObsMemory, batch.ObsDim)
                .Add(TransitionColumns.Reward, batch.RewardMemory)
                .Add(TransitionColumns.Cost, batch.CostMemory)
                .Add(TransitionColumns.Unsafe, batch.UnsafeMemory)
                .Add(TransitionColumns.Terminal, batch.TerminalMemory)
                .Add(TransitionColumns.Truncated, batch.TruncatedMemory);
            writer.WriteBatch(columns);
        }
        return stream.ToArray();
    }

    /// <summary>Every row of a data file. <paramref name="source"/> names the file in errors.</summary>
    public static TransitionBatch Read(byte[] file, int obsDim, int actDim, string source)
    {
        using var reader = new ParquetFileReader(file, source);
        if (reader.RowGroupCount == 1) return ReadRowGroup(reader, 0, obsDim, actDim);
        var result = new TransitionBatch(obsDim, actDim, checked((int)reader.RowCount));
        for (int g = 0; g < reader.RowGroupCount; g++) result.AddRange(ReadRowGroup(reader, g, obsDim, actDim));
        return result;
    }

    /// <summary>Only episode_id, variant, source and unsafe: the columns counts need.</summary>
    public static TransitionLabels ReadLabels(byte[] file, string source)
    {
        using var reader = new ParquetFileReader(file, source);
        return ReadLabels(reader);
    }

    /// <summary>The same from a seekable stream: only the footer and the four label column chunks are read.</summary>
    public static TransitionLabels ReadLabels(Stream file, string source)
    {
        using var reader = new ParquetFileReader(file, source, leaveOpen: true);
        return ReadLabels(reader);
    }

    private static TransitionLabels ReadLabels(ParquetFileReader reader)
    {
        var parts = Enumerable.Range(0, reader.RowGroupCount).Select(g => new TransitionLabels(
            reader.ReadValues<long>(g, TransitionColumns.EpisodeId),
            reader.ReadValues<string>(g, TransitionColumns.Variant),
            reader.ReadValues<string>(g, TransitionColumns.Source),
            reader.ReadValues<bool>(g, TransitionColumns.Unsafe))).ToArray();
        return parts.Length == 1 ? parts[0] : new TransitionLabels(
            parts.SelectMany(p => p.EpisodeId).ToArray(), parts.SelectMany(p => p.Variant).ToArray(),
            parts.SelectMany(p => p.Source).ToArray(), parts.SelectMany(p => p.Unsafe).ToArray());
    }

    private static TransitionBatch ReadRowGroup(ParquetFileReader r, int g, int obsDim, int actDim) =>
        TransitionBatch.FromColumns(obsDim, actDim,
            r.ReadValues<long>(g, TransitionColumns.EpisodeId),
            r.ReadValues<int>(g, TransitionColumns.Step),
            r.ReadValues<string>(g, TransitionColumns.Variant),
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
