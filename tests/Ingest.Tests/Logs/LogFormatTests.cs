using OfflineSafety.Errors;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Ingest.Tests.Logs;

public sealed class LogFormatTests : IDisposable
{
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static LogFormat Detect(string path)
    {
        using var s = File.OpenRead(path);
        var format = LogFormats.Detect(path, s);
        Assert.Equal(0, s.Position); // sniffing must not consume what the reader needs
        return format;
    }

    [Fact]
    public void Without_a_known_extension_the_first_bytes_decide()
    {
        Assert.Equal(LogFormat.Jsonl, Detect(_files.Write("run.log", "  {\"obs\": [1]}\n")));
        Assert.Equal(LogFormat.Csv, Detect(_files.Write("run.txt", "obs,action\n")));
        var parquet = Path.Combine(_files.Root, "run.bin");
        using (var w = ParquetFileWriter.Create(parquet, new ParquetSchema(ParquetField.Float("reward"))))
            w.WriteBatch(new ParquetColumnBatch(1).Add<float>("reward", new float[] { 1 }));
        Assert.Equal(LogFormat.Parquet, Detect(parquet));
        Assert.Equal(LogFormat.Csv, Detect(_files.Write("x.CSV", "{")));
    }

    [Fact]
    public void An_explicit_format_overrides_the_extension()
    {
        var path = _files.Write("rows.txt", "{\"obs\": [1], \"action\": [0], \"reward\": 0, \"cost\": 0, \"next_obs\": [2]}\n");
        var r = LogIngest.Read([path], new IngestSettings(new FieldMap()), LogFormat.Jsonl);
        Assert.Equal(1, r.Transitions.Count);
        Assert.Throws<BadInputException>(() => LogFormats.Parse("xlsx"));
    }
}
