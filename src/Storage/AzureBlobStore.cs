using System.Runtime.CompilerServices;
using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using OfflineSafety.Errors;

namespace OfflineSafety.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> over one Azure Blob container (and an optional key prefix inside
/// it), on the Azure SDK. A commit is a PUT with If-None-Match: *, large writes are block uploads
/// whose blocks stay invisible until the block list is committed, reads are ranged GETs. There is
/// no staging area: blocks that are never committed expire on their own (after seven days), and
/// data blobs no commit references are found by `datasets check` and removed by `datasets vacuum`.
/// </summary>
public sealed class AzureBlobStore : IObjectStore
{
    /// <summary>
    /// The REST API version every request asks for, pinned here and nowhere else: the SDK's
    /// newest (2026-10-06) is refused by Azurite 3.37, whose newest is 2026-06-06; every feature
    /// the store uses is far older.
    /// </summary>
    public const BlobClientOptions.ServiceVersion ApiVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>Objects up to this size go up in one PUT; larger ones in blocks of this size.</summary>
    public const int BlockBytes = 8 << 20;

    private readonly BlobContainerClient _container;
    private readonly string _prefix;

    /// <param name="container">The container; it must exist (the store never creates containers: a SAS scoped to one cannot).</param>
    /// <param name="prefix">Key prefix inside the container, without slashes at either end; empty for none.</param>
    /// <param name="location">The address as the user wrote it, for messages.</param>
    public AzureBlobStore(BlobContainerClient container, string prefix, string location)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
        _prefix = prefix.Length == 0 ? "" : prefix.Trim('/') + "/";
        Location = location;
    }

    public string Location { get; }

    /// <summary>
    /// Client options every store uses: the pinned API version, MD5-checked uploads, and the SDK's
    /// own retry policy limited so that a wrong endpoint fails within seconds instead of retrying for minutes.
    /// Only transient faults (timeouts, 408/429/5xx, dropped connections) are retried; the SDK decides which.
    /// </summary>
    public static BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions(ApiVersion);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(20);
        // Every uploaded block and blob carries its MD5 (transactional Content-MD5), which the
        // service checks before accepting it: a body damaged in transit is refused, not stored.
        // It costs us one MD5 pass over the bytes (about 0.15 CPU-s per 76 MB here). Without it the
        // service computes a CRC-64 of each block for its answer instead; Azurite does that in
        // JavaScript, which tripled its CPU per ingest on our two cores (docs/benchmarks.md).
        options.TransferValidation.Upload.ChecksumAlgorithm = Azure.Storage.StorageChecksumAlgorithm.MD5;
        return options;
    }

    public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken ct = default) => Guard(async () =>
    {
        try
        {
            var properties = (await Blob(key).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false)).Value;
            return new ObjectInfo(key, properties.ContentLength, properties.LastModified);
        }
        catch (RequestFailedException ex) when (IsBlobMissing(ex))
        {
            return (ObjectInfo?)null;
        }
    });

    public Task<byte[]?> TryReadAsync(string key, CancellationToken ct = default) => Guard(async () =>
    {
        BlobDownloadStreamingResult result;
        try
        {
            result = (await Blob(key).DownloadStreamingAsync(cancellationToken: ct).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (IsBlobMissing(ex))
        {
            return null;
        }
        // Straight into an array of the blob's length: a buffered download would grow a buffer and copy it again.
        await using var content = result.Content;
        var bytes = new byte[result.Details.ContentLength];
        int total = await ReadFullyAsync(content, bytes, ct).ConfigureAwait(false);
        if (total != bytes.Length || content.ReadByte() != -1)
            throw new IOException($"store '{Location}': '{key}' ended after {total} of the {bytes.Length} bytes its response announced");
        return (byte[]?)bytes;
    });

    public Task<int> ReadRangeAsync(string key, long offset, Memory<byte> buffer, CancellationToken ct = default) => Guard(async () =>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (buffer.IsEmpty) return 0;
        BlobDownloadStreamingResult result;
        try
        {
            result = (await Blob(key).DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset, buffer.Length) }, ct).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (IsBlobMissing(ex))
        {
            throw new ObjectNotFoundException(Location, key);
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            return 0; // the range starts at or past the end
        }
        await using var content = result.Content;
        return await ReadFullyAsync(content, buffer, ct).ConfigureAwait(false);
    });

    private static async Task<int> ReadFullyAsync(Stream content, Memory<byte> buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await content.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public Task WriteAsync(string key, Stream content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var blob = Blob(key);
        return Guard(async () =>
        {
            // Above BlockBytes the SDK stages blocks (Put Block) and commits the list (Put Block
            // List): nothing is visible until that last request, which replaces the blob whole.
            var options = new BlobUploadOptions
            {
                TransferOptions = new Azure.Storage.StorageTransferOptions
                {
                    InitialTransferSize = BlockBytes,
                    MaximumTransferSize = BlockBytes,
                    MaximumConcurrency = 4,
                },
            };
            await blob.UploadAsync(content, options, ct).ConfigureAwait(false);
            return true;
        });
    }

    public Task<bool> CreateIfAbsentAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var blob = Blob(key);
        return Guard(async () =>
        {
            var options = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
            try
            {
                await blob.UploadAsync(BinaryData.FromBytes(content), options, ct).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // A retried PUT whose first attempt landed (the response was lost) also meets
                // "already exists": the object is then ours, byte for byte. Commit contents carry
                // fresh file names and a timestamp, so another writer's never match.
                var existing = await TryReadAsync(key, ct).ConfigureAwait(false);
                return existing is not null && existing.AsSpan().SequenceEqual(content.Span);
            }
        });
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var found = await Guard(async () =>
        {
            var items = new List<ObjectInfo>();
            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = _prefix + prefix }, ct).ConfigureAwait(false))
                items.Add(new ObjectInfo(item.Name[_prefix.Length..], item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? DateTimeOffset.MinValue));
            return items;
        }).ConfigureAwait(false);
        // The service lists in UTF-8 byte order; the seam promises ordinal order.
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var info in found) yield return info;
    }

    public async IAsyncEnumerable<string> ListCommonPrefixesAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var found = await Guard(async () =>
        {
            var items = new List<string>();
            var options = new GetBlobsByHierarchyOptions { Prefix = _prefix + prefix, Delimiter = "/" };
            await foreach (var item in _container.GetBlobsByHierarchyAsync(options, ct).ConfigureAwait(false))
                if (item.IsPrefix) items.Add(item.Prefix[_prefix.Length..]);
            return items;
        }).ConfigureAwait(false);
        found.Sort(string.CompareOrdinal);
        foreach (var p in found) yield return p;
    }

    public Task<bool> DeleteAsync(string key, CancellationToken ct = default)
    {
        var blob = Blob(key);
        return Guard(async () => (await blob.DeleteIfExistsAsync(cancellationToken: ct).ConfigureAwait(false)).Value);
    }

    private BlobClient Blob(string key)
    {
        ObjectKey.Validate(key);
        return _container.GetBlobClient(_prefix + key);
    }

    private static bool IsBlobMissing(RequestFailedException ex) =>
        ex.Status == 404 && ex.ErrorCode != BlobErrorCode.ContainerNotFound.ToString();

    /// <summary>
    /// Turns the service's and the network's refusals into one-line user errors naming the store:
    /// a missing container, refused credentials, an endpoint that cannot be reached. Everything
    /// else (a bug, a real outage after the SDK's retries) keeps its type.
    /// </summary>
    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == BlobErrorCode.ContainerNotFound.ToString())
        {
            throw new NotFoundException($"store '{Location}': container '{_container.Name}' does not exist at {_container.Uri.GetLeftPart(UriPartial.Authority)}; create it first (the store never creates containers)", ex);
        }
        catch (RequestFailedException ex) when (ex.Status is 401 or 403)
        {
            throw new BadInputException($"store '{Location}': the service refused the credentials ({ex.ErrorCode ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}); check AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_SAS_TOKEN", ex);
        }
        catch (Exception ex) when (Unreachable(ex) is { } reason)
        {
            throw new BadInputException($"store '{Location}': cannot reach {_container.Uri.GetLeftPart(UriPartial.Authority)}: {reason}", ex);
        }
    }

    // After its retries the SDK raises the transport failure (status 0), or an AggregateException
    // of them, or a timeout; those mean the endpoint is wrong or down.
    private static string? Unreachable(Exception ex) => ex switch
    {
        RequestFailedException { Status: 0 } r => FirstLine(r.InnerException?.Message ?? r.Message),
        AggregateException a when a.InnerExceptions.All(i => Unreachable(i) is not null) => Unreachable(a.InnerExceptions[^1]),
        HttpRequestException h => FirstLine(h.Message),
        TaskCanceledException { InnerException: TimeoutException } or TimeoutException => "no answer before the network timeout",
        _ => null,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
