using System.Text.Json;
using System.Text.Json.Serialization;

namespace OfflineSafety.Serve.Http;

/// <summary>The service's JSON conventions: snake_case names, like model.json and the CLI's --json.</summary>
public static class ServeJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // NaN arrives as a named literal so the validation can name the field instead of a parser position.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
