namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>Classic single-file Delta checkpoints (V1 spec) in Parquet.</summary>
public static class DeltaCheckpoint
{
    public static byte[] Write(IReadOnlyList<DeltaAction> actions) =>
        throw new NotImplementedException("waiting for the Parquet codec");

    public static IReadOnlyList<DeltaAction> Read(byte[] file, string source) =>
        throw new NotImplementedException("waiting for the Parquet codec");
}
