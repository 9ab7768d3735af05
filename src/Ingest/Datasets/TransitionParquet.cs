using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>The label columns of a data file, read without the vector columns (for counting).</summary>
public sealed record TransitionLabels(long[] EpisodeId, string[] Variant, string[] Source, bool[] Unsafe)
{
    public int Count => EpisodeId.Length;
}

/// <summary>Transition data files: a <see cref="TransitionBatch"/> as one Parquet file and back.</summary>
public static class TransitionParquet
{
    public static byte[] Write(TransitionBatch batch, DatasetMetadata? metadata = null) =>
        throw new NotImplementedException("waiting for the Parquet codec");

    public static TransitionBatch Read(byte[] file, int obsDim, int actDim, string source) =>
        throw new NotImplementedException("waiting for the Parquet codec");

    public static TransitionLabels ReadLabels(byte[] file, string source) =>
        throw new NotImplementedException("waiting for the Parquet codec");
}
