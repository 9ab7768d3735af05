using System.Text.Json;
using OfflineSafety.Ingest.Datasets.Delta;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Where and how a tag is stored: one small JSON file per tag under the log's `_tags/` folder.
/// Resolving a reference reads tags and tagging writes them, so both go through here.
/// </summary>
internal static class TagFile
{
    public const string Folder = "_delta_log/_tags/";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Key(DeltaLog log, string tag) => log.Key(Folder + tag + ".json");

    public static byte[] Serialize(DatasetTag tag) =>
        JsonSerializer.SerializeToUtf8Bytes(new TagDocument(tag.Name, tag.Version, tag.Created.ToUnixTimeMilliseconds()), Json);

    /// <summary>The tag, or null when no file names it.</summary>
    public static async Task<DatasetTag?> TryReadAsync(DeltaLog log, string name, string tag, CancellationToken ct)
    {
        var bytes = await log.Store.TryReadAsync(Key(log, tag), ct).ConfigureAwait(false);
        if (bytes is null) return null;
        var doc = JsonSerializer.Deserialize<TagDocument>(bytes, Json)
            ?? throw new InvalidDataException($"dataset '{name}': tag file for '{tag}' is empty");
        return new DatasetTag(doc.Tag, doc.Version, DateTimeOffset.FromUnixTimeMilliseconds(doc.CreatedTime));
    }

    private sealed record TagDocument(string Tag, long Version, long CreatedTime);
}
