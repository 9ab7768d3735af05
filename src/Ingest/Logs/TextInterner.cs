using System.Text;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Returns one string per distinct UTF-8 value of a low-cardinality column (variant, source), so
/// rows share instances and reading allocates only when a new value appears.
/// </summary>
internal sealed class TextInterner
{
    private readonly List<(byte[] Utf8, string Text)> _values = [];

    public string Intern(ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, text) in _values)
            if (utf8.SequenceEqual(bytes)) return text;
        var s = Encoding.UTF8.GetString(utf8);
        // A high-cardinality column would make the scan slow; past a bound, stop caching.
        if (_values.Count < 64) _values.Add((utf8.ToArray(), s));
        return s;
    }
}
