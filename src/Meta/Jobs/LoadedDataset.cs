using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Jobs;

/// <summary>One dataset version as the critic jobs read it, with what a model's lineage records.</summary>
public sealed record LoadedDataset(DatasetLineage Lineage, DatasetMetadata Metadata, TransitionBatch Batch)
{
    public ActionBox? ActionBox => Metadata.ActionLow is { } low && Metadata.ActionHigh is { } high ? new ActionBox(low, high) : null;
}
