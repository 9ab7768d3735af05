using System.Text;
using OfflineSafety.Ingest.Text;

namespace OfflineSafety.Ingest.Tests.Text;

public sealed class CsvRecordReaderTests
{
    private const string Sample =
        "\uFEFFa,b,c\r\n" +
        "1,\"x, \"\"y\"\"\",\r\n" +
        "\r\n" +
        "\"two\nlines\",\"\"\"\",3\n" +
        "5\" screen,\"a\"junk,last";

    private static List<(long Line, bool Unterminated, string[] Fields)> ReadAll(string text, int bytesPerRead)
    {
        var records = new CsvRecordReader(new TrickleStream(Encoding.UTF8.GetBytes(text), bytesPerRead));
        var result = new List<(long, bool, string[])>();
        while (records.Read())
        {
            var fields = new string[records.FieldCount];
            for (int i = 0; i < fields.Length; i++) fields[i] = Encoding.UTF8.GetString(records.Field(i));
            result.Add((records.RecordLine, records.Unterminated, fields));
        }
        return result;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1 << 20)]
    public void Records_fields_and_line_numbers_do_not_depend_on_where_reads_end(int bytesPerRead)
    {
        var records = ReadAll(Sample, bytesPerRead);

        Assert.Equal(5, records.Count);
        Assert.Equal(1L, records[0].Line);
        Assert.Equal(new[] { "a", "b", "c" }, records[0].Fields);
        Assert.Equal(2L, records[1].Line);
        Assert.Equal(new[] { "1", "\"x, \"\"y\"\"\"", "" }, records[1].Fields);
        Assert.Equal(3L, records[2].Line);
        Assert.Equal(new[] { "" }, records[2].Fields);
        Assert.Equal(4L, records[3].Line);
        Assert.Equal(new[] { "\"two\nlines\"", "\"\"\"\"", "3" }, records[3].Fields);
        // A quote inside an unquoted field is text; text after a closing quote stays in its field.
        Assert.Equal(6L, records[4].Line);
        Assert.Equal(new[] { "5\" screen", "\"a\"junk", "last" }, records[4].Fields);
        Assert.All(records, r => Assert.False(r.Unterminated));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1 << 20)]
    public void An_unclosed_quote_runs_to_the_end_and_is_reported(int bytesPerRead)
    {
        var records = ReadAll("a,b\n1,\"open\n2,3\n", bytesPerRead);

        Assert.Equal(2, records.Count);
        Assert.True(records[1].Unterminated);
        // The unclosed field keeps everything to the end of input, its last line end included.
        Assert.Equal(2L, records[1].Line);
        Assert.Equal(new[] { "1", "\"open\n2,3\n" }, records[1].Fields);
    }

    [Fact]
    public void Quoting_problems_and_unquoting_are_worded_once()
    {
        byte[] scratch = new byte[1];
        Assert.Null(CsvRecordReader.QuotingProblem("plain \"text"u8));
        Assert.Null(CsvRecordReader.QuotingProblem("\"a\"\"b\""u8));
        Assert.Equal("quoted field not closed before end of file", CsvRecordReader.QuotingProblem("\"a\"\"b"u8));
        Assert.Equal("unexpected 'é' after a closing quote", CsvRecordReader.QuotingProblem("\"a\"é"u8));
        Assert.Equal("a\"b", Encoding.UTF8.GetString(CsvRecordReader.Unquote("\"a\"\"b\""u8, ref scratch)));
        Assert.Equal(" x ", Encoding.UTF8.GetString(CsvRecordReader.Unquote(" x "u8, ref scratch)));
    }
}
