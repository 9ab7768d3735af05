using OfflineSafety.Errors;

namespace OfflineSafety.Storage;

/// <summary>Rules every store applies to keys, so that a key valid here is valid on every backend.</summary>
public static class ObjectKey
{
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0) throw new BadInputException("object key is empty");
        if (key[0] == '/' || key[^1] == '/') throw new BadInputException($"object key '{key}' must not start or end with '/'");
        if (key.Contains('\\')) throw new BadInputException($"object key '{key}' contains '\\'; keys are '/'-separated");
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
                throw new BadInputException($"object key '{key}' has an empty, '.' or '..' segment");
        }
    }

    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0) return;
        if (prefix[0] == '/' || prefix.Contains('\\') || prefix.Contains("//") || prefix.Contains("../") || prefix == "..")
            throw new BadInputException($"object key prefix '{prefix}' is not a valid prefix");
    }
}
