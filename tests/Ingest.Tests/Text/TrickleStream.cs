namespace OfflineSafety.Ingest.Tests.Text;

/// <summary>
/// Hands out at most a few bytes per read, so a reader's window ends inside records, quotes and
/// "" escapes: the refill paths that a 1 MiB window never meets on small test files.
/// </summary>
internal sealed class TrickleStream(byte[] bytes, int bytesPerRead) : MemoryStream(bytes)
{
    public override int Read(byte[] buffer, int offset, int count) =>
        base.Read(buffer, offset, Math.Min(count, bytesPerRead));
}
