namespace OfflineSafety.Pipeline.Conversion;

/// <summary>
/// An output file written under a temporary name beside its destination and renamed into place
/// only when complete, so a failed or cancelled write never leaves a partial file behind.
/// </summary>
public sealed class StagedOutputFile : IDisposable
{
    private bool _committed;

    public StagedOutputFile(string destination)
    {
        Destination = Path.GetFullPath(destination);
        string directory = Path.GetDirectoryName(Destination)!;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{destination}: folder {directory} does not exist");
        TemporaryPath = Path.Combine(directory, $".{Path.GetFileName(Destination)}.{Guid.NewGuid():N}.partial");
        Stream = new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    public string Destination { get; }
    public string TemporaryPath { get; }
    public FileStream Stream { get; }

    /// <summary>Flushes to disk and moves the file to its destination (replacing what was there).</summary>
    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(TemporaryPath, Destination, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Stream.Dispose();
        File.Delete(TemporaryPath);
    }
}
