using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Pipeline.ParquetFiles;

namespace OfflineSafety.Interop.Tests.Parquet;

/// <summary>Rows as JSON objects in the shared value contract, from our reader or from values we are about to write.</summary>
public static class OurRows
{
    /// <summary>Every row of <paramref name="path"/> read by our codec's row API.</summary>
    public static List<JsonObject> Read(string path)
    {
        using var reader = ParquetFileReader.Open(path);
        return ToJson(reader.Schema, reader.ReadRows());
    }

    /// <summary>Rows in the row API's shapes (the writer takes the same), as JSON.</summary>
    public static List<JsonObject> ToJson(ParquetSchema schema, IEnumerable<object?[]> rows)
    {
        var result = new List<JsonObject>();
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var row in rows)
        {
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                for (int i = 0; i < row.Length; i++)
                {
                    json.WritePropertyName(schema.Fields[i].Name);
                    ParquetRowJson.WriteField(json, schema.Fields[i], row[i]);
                }
                json.WriteEndObject();
            }
            result.Add(JsonNode.Parse(buffer.WrittenSpan)!.AsObject());
        }
        return result;
    }

    public static List<JsonObject> ParseJsonLines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
}
