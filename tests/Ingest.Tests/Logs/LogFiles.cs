using OfflineSafety.Ingest.Logs;

namespace OfflineSafety.Ingest.Tests.Logs;

/// <summary>Real files in a fresh temporary folder, removed when the test ends.</summary>
public sealed class LogFiles : IDisposable
{
    public LogFiles() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "offsafe-logs-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, string text)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    public LogIngestResult Read(string name, string text, string? map = null, bool quarantine = false, string? variant = null) =>
        LogIngest.Read([Write(name, text)], new IngestSettings(FieldMap.Parse(map), Variant: variant, Quarantine: quarantine));

    /// <summary>The rejection of a single bad file, as the user sees it.</summary>
    public LogRejectedException Reject(string name, string text, string? map = null) =>
        Assert.Throws<LogRejectedException>(() => Read(name, text, map));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
