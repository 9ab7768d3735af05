using System.Globalization;
using OfflineSafety.Errors;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// "NAME", "NAME@VERSION", "NAME@TAG" or "NAME@TIMESTAMP" as users write them. Which of the last
/// three a REF is gets decided when it is resolved: digits are a version, then a tag of that name,
/// then an ISO-8601 timestamp (without an offset it is read as UTC).
/// </summary>
public sealed record DatasetReference(string Name, string? Ref)
{
    public static DatasetReference Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new BadInputException("dataset name is empty");
        int at = text.IndexOf('@');
        string name = at < 0 ? text : text[..at];
        string? reference = at < 0 ? null : text[(at + 1)..];
        DatasetNames.Validate(name);
        if (reference is { Length: 0 }) throw new OfflineSafety.Errors.BadInputException($"dataset reference {Excerpts.Of(text)}: nothing after '@' (expected a version, tag or timestamp)");
        return new DatasetReference(name, reference);
    }

    public bool IsVersion(out long version) =>
        long.TryParse(Ref, NumberStyles.None, CultureInfo.InvariantCulture, out version);

    /// <summary>An ISO-8601 date or date-time (yyyy-MM-dd...); looser forms like "1.5" are not times.</summary>
    public bool IsTimestamp(out DateTimeOffset time)
    {
        time = default;
        return Ref is { Length: >= 10 } r && char.IsAsciiDigit(r[0]) && r[4] == '-' && r[7] == '-'
            && DateTimeOffset.TryParse(r, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    public override string ToString() => Ref is null ? Name : $"{Name}@{Ref}";
}

/// <summary>Rules for dataset and tag names: they become key segments in every backend.</summary>
public static class DatasetNames
{
    public static void Validate(string name)
    {
        if (!IsValid(name))
            throw new OfflineSafety.Errors.BadInputException($"dataset name {Excerpts.Of(name)} is invalid: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most {MaxLength} characters");
    }

    public static bool IsValidTag(string tag) => IsValid(tag) && !tag.All(char.IsAsciiDigit);

    public static void ValidateTag(string tag)
    {
        if (!IsValidTag(tag))
            throw new OfflineSafety.Errors.BadInputException($"tag {Excerpts.Of(tag)} is invalid: use letters, digits, '.', '_' or '-', not all digits (those are versions)");
    }

    /// <summary>Most characters of a dataset name or tag (all ASCII, so also bytes).</summary>
    public const int MaxLength = 128;

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
