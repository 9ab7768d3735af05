using System.Text.Json;
using System.Text.Json.Serialization;
using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Plans;

/// <summary>How plans, runs and leases are written: the registry's snake_case JSON, enums as names.</summary>
internal static class PlanJson
{
    public static readonly JsonSerializerOptions Options = new(ModelCard.JsonOptions)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Reads a stored record; a damaged file is named rather than surfacing as a parser error.</summary>
    public static T Deserialize<T>(byte[] bytes, string location, string key)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options) ?? throw new InvalidDataException($"store '{location}': {key} is empty (null)");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"store '{location}': {key} is not a valid {typeof(T).Name} ({e.Message.Split('\n')[0]})", e);
        }
    }
}
