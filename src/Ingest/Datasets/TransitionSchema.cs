using System.Buffers;
using System.Text.Json;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// The transition schema in Delta's JSON schema serialization (PROTOCOL.md, "Schema Serialization
/// Format"), and the partitioning every transition dataset uses.
/// </summary>
public static class TransitionSchema
{
    /// <summary>Data files are grouped by dynamics variant: meta-training reads one variant at a time.</summary>
    public static IReadOnlyList<string> PartitionColumns { get; } = [TransitionColumns.Variant];

    public static string DeltaSchemaString { get; } = BuildSchemaString();

    private static string BuildSchemaString()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            Scalar(w, TransitionColumns.EpisodeId, "long");
            Scalar(w, TransitionColumns.Step, "integer");
            Scalar(w, TransitionColumns.Variant, "string");
            Scalar(w, TransitionColumns.Source, "string");
            FloatList(w, TransitionColumns.Obs);
            FloatList(w, TransitionColumns.Action);
            FloatList(w, TransitionColumns.NextObs);
            Scalar(w, TransitionColumns.Reward, "float");
            Scalar(w, TransitionColumns.Cost, "float");
            Scalar(w, TransitionColumns.Unsafe, "boolean");
            Scalar(w, TransitionColumns.Terminal, "boolean");
            Scalar(w, TransitionColumns.Truncated, "boolean");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Scalar(Utf8JsonWriter w, string name, string type)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("type", type);
        w.WriteBoolean("nullable", false);
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void FloatList(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteStartObject("type");
        w.WriteString("type", "array");
        w.WriteString("elementType", "float");
        w.WriteBoolean("containsNull", false);
        w.WriteEndObject();
        w.WriteBoolean("nullable", false);
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
