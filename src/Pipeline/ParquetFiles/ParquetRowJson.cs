using System.Text.Json;
using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Pipeline.ParquetFiles;

/// <summary>
/// Writes one value of the codec's row API (<see cref="ParquetFileReader.ReadRows"/>) as JSON,
/// following its schema field: lists as arrays, structs as objects, maps as arrays of
/// {"key","value"}, leaves as <see cref="ParquetJsonValues"/> prints them.
/// </summary>
public static class ParquetRowJson
{
    public static void WriteField(Utf8JsonWriter json, ParquetField field, object? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
            return;
        }
        if (field.Repetition != ParquetRepetition.Repeated)
        {
            WritePresent(json, field, value);
            return;
        }
        // A bare repeated field (no LIST annotation): its value is the list of its occurrences.
        json.WriteStartArray();
        foreach (var occurrence in (List<object?>)value) WritePresent(json, field, occurrence);
        json.WriteEndArray();
    }

    private static void WritePresent(Utf8JsonWriter json, ParquetField field, object? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
            return;
        }
        switch (field)
        {
            case ParquetPrimitiveField leaf:
                ParquetJsonValues.WriteLeaf(json, leaf, value);
                return;
            case ParquetGroupField group when ListShape.Of(group) is { } list:
                json.WriteStartArray();
                foreach (var item in (List<object?>)value)
                {
                    if (list.ElementIsRepeated) WritePresent(json, list.Element, item);
                    else WriteField(json, list.Element, item);
                }
                json.WriteEndArray();
                return;
            case ParquetGroupField group when MapShape.Of(group) is { } map:
                json.WriteStartArray();
                foreach (var (key, item) in (List<KeyValuePair<object, object?>>)value)
                {
                    json.WriteStartObject();
                    json.WritePropertyName("key");
                    WritePresent(json, map.Key, key);
                    json.WritePropertyName("value");
                    if (map.Value is null) json.WriteNullValue();
                    else WriteField(json, map.Value, item);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                return;
            case ParquetGroupField group:
                var fields = (Dictionary<string, object?>)value;
                json.WriteStartObject();
                foreach (var child in group.Children)
                {
                    json.WritePropertyName(child.Name);
                    WriteField(json, child, fields.GetValueOrDefault(child.Name));
                }
                json.WriteEndObject();
                return;
        }
    }
}

/// <summary>
/// Where a LIST group's items come from (LogicalTypes.md, with its backward-compatibility rules):
/// normally the single field of the repeated group; the repeated node itself when it is a
/// primitive, has several fields, or is named "array" or "&lt;list&gt;_tuple".
/// </summary>
public sealed record ListShape(ParquetField Element, bool ElementIsRepeated)
{
    public static ListShape? Of(ParquetGroupField group)
    {
        if (group.LogicalType?.Kind != ParquetLogicalKind.List || group.Children is not [{ Repetition: ParquetRepetition.Repeated } repeated])
            return null;
        if (repeated is not ParquetGroupField inner || inner.Children.Count != 1 || inner.Name == "array" || inner.Name == group.Name + "_tuple")
            return new ListShape(repeated, ElementIsRepeated: true);
        return new ListShape(inner.Children[0], ElementIsRepeated: false);
    }
}

/// <summary>A MAP group's key and (optional) value fields inside its repeated key_value group.</summary>
public sealed record MapShape(ParquetField Key, ParquetField? Value)
{
    public static MapShape? Of(ParquetGroupField group) =>
        group.LogicalType?.Kind == ParquetLogicalKind.Map
        && group.Children is [ParquetGroupField { Repetition: ParquetRepetition.Repeated, Children.Count: 1 or 2 } keyValue]
            ? new MapShape(keyValue.Children[0], keyValue.Children.Count > 1 ? keyValue.Children[1] : null)
            : null;
}
