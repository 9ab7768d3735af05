namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// One problem `datasets check` found. <see cref="Object"/> is a path under the table root (a data
/// file, a log file) or, for store-wide leftovers, under the store root (e.g. `.staging/NAME`).
/// </summary>
/// <param name="Repairable">Whether `check --repair` fixes it (the others need vacuum or a person).</param>
/// <param name="Repaired">Whether this run fixed it.</param>
public sealed record DatasetFinding(string Object, string Problem, bool Repairable, bool Repaired);
