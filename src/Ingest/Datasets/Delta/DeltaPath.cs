using System.Text;

namespace OfflineSafety.Ingest.Datasets.Delta;

/// <summary>
/// Names inside a table: log file names, and the Hive-style partition directories of data files
/// (PROTOCOL.md, "Data Files" and "Partition Value Serialization").
/// </summary>
public static class DeltaPath
{
    public const string LogFolder = "_delta_log/";
    public const string LastCheckpointName = "_delta_log/_last_checkpoint";
    public const string NullPartition = "__HIVE_DEFAULT_PARTITION__";

    public static string Commit(long version) => $"{LogFolder}{version:D20}.json";
    public static string Checkpoint(long version) => $"{LogFolder}{version:D20}.checkpoint.parquet";

    /// <summary>Parses "000..042.json" or "000..042.checkpoint.parquet" (a log-relative name).</summary>
    public static bool TryParseLogName(string name, out long version, out bool isCheckpoint)
    {
        version = 0;
        isCheckpoint = false;
        if (name.Length < 25 || !long.TryParse(name.AsSpan(0, 20), System.Globalization.NumberStyles.None, null, out version)) return false;
        var rest = name.AsSpan(20);
        if (rest.SequenceEqual(".json")) return true;
        if (rest.SequenceEqual(".checkpoint.parquet")) { isCheckpoint = true; return true; }
        return false;
    }

    /// <summary>`column=value/` with the value escaped the way Hive/Spark escape partition directories.</summary>
    public static string PartitionFolder(string column, string? value) =>
        $"{column}={(string.IsNullOrEmpty(value) ? NullPartition : EscapePartitionValue(value))}/";

    /// <summary>
    /// A table-relative object path as an add/remove `path` (an RFC 2396 URI reference): bytes
    /// outside the URI path characters are %-escaped, so `variant=a b%` becomes `variant=a%20b%25`
    /// while `=` stays as other engines write it.
    /// </summary>
    public static string ToLogPath(string relativePath)
    {
        var sb = new StringBuilder(relativePath.Length + 8);
        foreach (byte b in Encoding.UTF8.GetBytes(relativePath))
        {
            char c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:@/".Contains(c))) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    /// <summary>The table-relative object path an add/remove `path` names.</summary>
    public static string FromLogPath(string logPath)
    {
        if (logPath.Contains("://", StringComparison.Ordinal) || logPath.StartsWith('/'))
            throw new OfflineSafety.Errors.BadInputException($"data file path '{logPath}' is absolute; only table-relative paths are supported");
        return Uri.UnescapeDataString(logPath);
    }

    private static string EscapePartitionValue(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c < 0x20 || c == 0x7F || "\"#%'*/:=?\\{[]^".Contains(c))
                sb.Append('%').Append(((int)c).ToString("X2"));
            else
                sb.Append(c);
        }
        return sb.ToString();
    }
}
