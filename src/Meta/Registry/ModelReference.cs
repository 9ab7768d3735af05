using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;

namespace OfflineSafety.Meta.Registry;

/// <summary>"NAME" (the latest version) or "NAME@V" as users write them.</summary>
public sealed record ModelReference(string Name, int? Version)
{
    public static ModelReference Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new BadInputException("model name is empty");
        int at = text.IndexOf('@');
        string name = at < 0 ? text : text[..at];
        ValidateName(name);
        if (at < 0) return new ModelReference(name, null);
        string version = text[(at + 1)..];
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
            throw new BadInputException($"model reference {Excerpts.Of(text)}: version {Excerpts.Of(version)} is not a positive integer");
        return new ModelReference(name, v);
    }

    /// <summary>Model names follow dataset names' rules: they become key segments in every store backend.</summary>
    public static void ValidateName(string name)
    {
        try { DatasetNames.Validate(name); }
        catch (BadInputException) { throw new BadInputException($"model name {Excerpts.Of(name)} is invalid: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most {DatasetNames.MaxLength} characters"); }
    }

    public override string ToString() => Version is { } v ? $"{Name}@{v}" : Name;
}
