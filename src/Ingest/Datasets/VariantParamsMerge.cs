using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Folds an append's variant parameters into the table metadata. Recorded parameters never change:
/// a variant's dynamics are part of what its rows mean.
/// </summary>
internal static class VariantParamsMerge
{
    /// <summary>The updated metadata action, or null when every variant is already recorded (identically).</summary>
    public static MetadataAction? Merge(string name, Snapshot snapshot,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? incoming)
    {
        if (incoming is null || incoming.Count == 0) return null;
        var configuration = new Dictionary<string, string>(snapshot.Metadata.Configuration, StringComparer.Ordinal);
        bool changed = false;
        foreach (var (variant, parameters) in incoming.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string key = DatasetMetadata.VariantParamsKeyPrefix + variant;
            string json = JsonSerializer.Serialize(new SortedDictionary<string, double>(parameters.ToDictionary(), StringComparer.Ordinal));
            if (configuration.TryGetValue(key, out var existing))
            {
                var known = JsonSerializer.Deserialize<Dictionary<string, double>>(existing)!;
                if (known.Count != parameters.Count || known.Any(kv => !parameters.TryGetValue(kv.Key, out double v) || v != kv.Value))
                    throw new ConflictException($"dataset '{name}': variant '{variant}' is recorded with parameters {existing}, the append says {json}");
                continue;
            }
            configuration[key] = json;
            changed = true;
        }
        return changed ? snapshot.Metadata with { Configuration = configuration } : null;
    }
}
