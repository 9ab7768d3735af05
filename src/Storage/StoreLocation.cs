using OfflineSafety.Errors;

namespace OfflineSafety.Storage;

/// <summary>Turns a --store argument into an <see cref="IObjectStore"/>.</summary>
public static class StoreLocation
{
    public static IObjectStore Open(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        if (location.StartsWith("azure://", StringComparison.OrdinalIgnoreCase)
            || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && location.Contains(".blob.", StringComparison.OrdinalIgnoreCase))
            throw new BadInputException($"store '{location}': Azure Blob stores are not supported yet; use a local directory");
        if (location.Contains("://", StringComparison.Ordinal))
            throw new BadInputException($"store '{location}': unknown scheme; use a local directory");
        return new LocalObjectStore(location);
    }
}
