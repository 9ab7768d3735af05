using System.Text;
using System.Text.Unicode;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Rules for text that becomes part of a dataset: variant and source values (a variant is also a
/// folder name, <c>variant=&lt;escaped&gt;</c>) and environment ids. Checked before anything is
/// written; a reason never echoes more than <see cref="Excerpts.MaxChars"/> characters of the value.
/// </summary>
public static class PartitionValues
{
    /// <summary>Most UTF-8 bytes a variant or source value may have.</summary>
    public const int MaxBytes = 200;

    /// <summary>Most UTF-8 bytes of a folder name on common file systems (ext4, APFS, NTFS in UTF-16 units).</summary>
    public const int MaxFolderBytes = 255;

    /// <summary>Why a raw UTF-8 cell cannot be stored as text: a NUL byte or invalid UTF-8, 1-based; null when fine.</summary>
    public static string? BytesProblem(ReadOnlySpan<byte> utf8)
    {
        int nul = utf8.IndexOf((byte)0);
        if (nul >= 0) return $"contains a NUL byte (at byte {nul + 1})";
        if (!Utf8.IsValid(utf8)) return $"invalid UTF-8 (at byte {FirstInvalidByte(utf8) + 1})";
        return null;
    }

    /// <summary>Why a variant or source value read as UTF-8 bytes is refused; null when it is fine.</summary>
    public static string? Problem(ReadOnlySpan<byte> utf8, bool isVariant)
    {
        if (utf8.Length > MaxBytes) return $"longer than {MaxBytes} bytes ({utf8.Length} bytes): {Excerpts.Of(utf8)}";
        if (BytesProblem(utf8) is { } reason) return reason;
        return Problem(Encoding.UTF8.GetString(utf8), isVariant);
    }

    /// <summary>Why a variant or source value is refused; null when it is fine.</summary>
    public static string? Problem(string value, bool isVariant)
    {
        if (value.Length == 0) return "empty";
        int bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxBytes) return $"longer than {MaxBytes} bytes ({bytes} bytes): {Excerpts.Of(value, withLength: false)}";
        foreach (var rune in value.EnumerateRunes())
        {
            // A source is only a column value, and multi-line ones exist (a quoted CSV cell); a variant is a folder name.
            if (Rune.IsControl(rune) && (isVariant || rune.Value is not ('\t' or '\n' or '\r'))) return $"contains a control character (U+{rune.Value:X4})";
            if (rune == Rune.ReplacementChar) return "contains U+FFFD, the mark of text that was not valid UTF-8";
        }
        if (isVariant)
        {
            string folder = DeltaPath.PartitionFolder("variant", value).TrimEnd('/');
            int folderBytes = Encoding.UTF8.GetByteCount(folder);
            if (folderBytes > MaxFolderBytes)
                return $"its folder name {Excerpts.Of(folder, withLength: false)} would have {folderBytes} bytes, more than the file system limit of {MaxFolderBytes} ('\"#%'*/:=?\\{{[]^' take 3 bytes each)";
        }
        return null;
    }

    /// <summary>Checks a value given for every row (--variant, --source); <paramref name="option"/> names it in the error.</summary>
    public static void Validate(string option, string? value, bool isVariant)
    {
        if (value is not null && Problem(value, isVariant) is { } reason)
            throw new BadInputException($"{option}: {reason}");
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> utf8)
    {
        int i = 0;
        while (i < utf8.Length)
        {
            var status = Rune.DecodeFromUtf8(utf8[i..], out _, out int consumed);
            if (status != System.Buffers.OperationStatus.Done) return i;
            i += consumed;
        }
        return i;
    }
}

/// <summary>
/// Names that differ only by case. A dataset name and a variant are folder names, and a store on a
/// case-insensitive file system (macOS, Windows), or one copied there, would fold `Heavy` and
/// `heavy` into one folder: two datasets would share a log, and Hive-style readers would give one
/// variant's rows the other's name. So a new name that differs only by case from one already in
/// use is refused; the same spelling is of course fine.
/// </summary>
public static class CaseTwins
{
    /// <summary>The first of <paramref name="added"/> that equals a different name of <paramref name="existing"/> (or of <paramref name="added"/>) ignoring case.</summary>
    public static (string Added, string Existing)? Find(IEnumerable<string> existing, IEnumerable<string> added)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in existing) seen.TryAdd(name, name);
        foreach (var name in added)
        {
            if (seen.TryGetValue(name, out var other) && other != name) return (name, other);
            seen.TryAdd(name, name);
        }
        return null;
    }
}

/// <summary>Environment ids recorded in dataset metadata: dataset-name characters, at most 128 of them.</summary>
public static class EnvironmentIds
{
    public static void Validate(string envId)
    {
        if (envId.Length is 0 or > 128 || !char.IsAsciiLetterOrDigit(envId[0])
            || !envId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new BadInputException($"environment id {Excerpts.Of(envId)} is invalid: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128 characters");
    }
}

/// <summary>Short, printable quotes of user values for one-line errors.</summary>
public static class Excerpts
{
    /// <summary>Most characters of a value an error message shows.</summary>
    public const int MaxChars = 80;

    /// <summary>'value', or 'first 80 characters…' (N characters) when longer; control characters are shown as '?'.</summary>
    public static string Of(string value, bool withLength = true)
    {
        bool cut = value.Length > MaxChars;
        var head = cut ? value[..MaxChars] : value;
        if (cut && char.IsHighSurrogate(head[^1])) head = head[..^1];
        head = string.Create(head.Length, head, (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = char.IsControl(src[i]) ? '?' : src[i];
        });
        return !cut ? $"'{head}'" : withLength ? $"'{head}…' ({value.Length} characters)" : $"'{head}…'";
    }

    /// <summary>Like <see cref="Of(string)"/> for raw bytes: decodes at most the first bytes needed; the length is in bytes.</summary>
    public static string Of(ReadOnlySpan<byte> utf8)
    {
        bool cut = utf8.Length > MaxChars;
        var text = Encoding.UTF8.GetString(cut ? utf8[..MaxChars] : utf8);
        var quoted = Of(text, withLength: false);
        return cut && !quoted.EndsWith("…'", StringComparison.Ordinal) ? $"{quoted[..^1]}…'" : quoted;
    }
}
