using OfflineSafety.Errors;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>The named dataset does not exist in the store.</summary>
public sealed class DatasetNotFoundException(string name, string location)
    : NotFoundException($"dataset '{name}' not found in store '{location}'");
