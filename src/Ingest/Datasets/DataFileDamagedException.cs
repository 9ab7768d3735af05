namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// A data file that a committed version references is missing or differs from what its add action
/// recorded. An I/O fault of the store, not a user error and not a bug: front ends print the one
/// line, which names the table, the version and the file.
/// </summary>
public sealed class DataFileDamagedException(string message) : IOException(message);
