using System.Text;
using OfflineSafety.Ingest.Text;

namespace OfflineSafety.Ingest.Tests.Text;

public sealed class Utf8LineReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(1 << 20)]
    public void Lines_lose_their_line_ends_and_are_numbered_whatever_the_read_sizes(int bytesPerRead)
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFF{\"a\": 1}\r\n\n{\"b\": \"\u00e9\"}\nlast");
        using var lines = new Utf8LineReader(new TrickleStream(bytes, bytesPerRead));
        var seen = new List<(long, string, string)>();
        while (lines.TryReadLine(out var line)) seen.Add((lines.LineNumber, Encoding.UTF8.GetString(line), lines.LineText()));

        Assert.Equal(
            [(1L, "{\"a\": 1}", "{\"a\": 1}"), (2L, "", ""), (3L, "{\"b\": \"\u00e9\"}", "{\"b\": \"\u00e9\"}"), (4L, "last", "last")],
            seen);
    }
}
