using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Safer;
using Polly.Timeout;

namespace OfflineSafety.Serve.Client;

/// <summary>
/// The critic service (docs/serve.md) as typed calls for online jobs: upload logs, adapt a critic,
/// read its card, fetch it to score locally, evaluate and filter remotely. Errors the service
/// answers with a problem document become the project's user errors with the service's detail line
/// (400, 401, 406, 411, 413, 415: <see cref="BadInputException"/>; 404: <see cref="NotFoundException"/>;
/// 409: <see cref="ConflictException"/>); a service that stays unreachable or failing after the
/// retries is an <see cref="IOException"/>. As an <see cref="ICriticSource"/> it hands a job the
/// service's critics as the registry hands it local ones.
/// </summary>
public sealed class ServeClient : ICriticSource, IPriorSource, IDisposable
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly ServeClientOptions _options;
    private readonly ServeHttp _http;

    public ServeClient(ServeClientOptions options)
    {
        options.Validate();
        _options = options;
        _http = new ServeHttp(options);
    }

    public ServeTransport Transport => _options.Transport;

    /// <summary>
    /// Uploads a log file as a new version of <paramref name="dataset"/> (created with
    /// <see cref="UploadOptions.Env"/> if new), with the validation, labels and atomicity of `offsafe ingest`.
    /// </summary>
    public async Task<UploadResult> UploadAsync(string dataset, string path, LogFormat format, UploadOptions options, CancellationToken ct = default)
    {
        FileStream file;
        try
        {
            file = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NotFoundException($"log file '{path}' not found");
        }
        await using (file) return await UploadAsync(dataset, file, format, options, ct).ConfigureAwait(false);
    }

    /// <summary>Uploads a log from a stream; a stream that cannot seek is spooled first, since a retry sends the body again.</summary>
    public async Task<UploadResult> UploadAsync(string dataset, Stream log, LogFormat format, UploadOptions options, CancellationToken ct = default)
    {
        DatasetNames.Validate(dataset);
        string key = options.IdempotencyKey ?? Guid.NewGuid().ToString("N");
        Stream body = log;
        FileStream? spool = null;
        if (!log.CanSeek)
        {
            spool = new FileStream(Path.Combine(Path.GetTempPath(), $"offsafe-upload-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await log.CopyToAsync(spool, ct).ConfigureAwait(false);
            spool.Position = 0;
            body = spool;
        }
        try
        {
            var query = new StringBuilder("?");
            Append(query, "env", options.Env);
            Append(query, "variant", options.Variant);
            Append(query, "source", options.Source);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/datasets/{dataset}/uploads{query.ToString().TrimEnd('?', '&')}");
            // The stream rewinds to here when a retry sends it again.
            var content = new StreamContent(new NonClosingStream(body));
            content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypeOf(format));
            request.Content = content;
            request.Headers.Add("Idempotency-Key", key);
            request.Options.Set(ServeHttp.RetrySafe, true);
            var result = await SendAsync<UploadResult>(request, ct).ConfigureAwait(false);
            return result with { IdempotencyKey = key };
        }
        finally
        {
            if (spool is not null) await spool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Uploads rows a job collected (an online run's transitions) as one Parquet log: float32 values
    /// as they are, each row's variant and source as the batch holds them.
    /// </summary>
    public async Task<UploadResult> UploadAsync(string dataset, TransitionBatch rows, UploadOptions options, CancellationToken ct = default)
    {
        using var log = new MemoryStream(TransitionParquet.Write(rows), writable: false);
        return await UploadAsync(dataset, log, LogFormat.Parquet, options, ct).ConfigureAwait(false);
    }

    /// <summary>Adapts <paramref name="baseModel"/> (NAME[@V]) on the service and returns the adapted critic's reference.</summary>
    public async Task<AdaptResult> AdaptAsync(string baseModel, AdaptRequest adapt, CancellationToken ct = default)
    {
        var reference = ModelReference.Parse(baseModel);
        var body = new JsonObject();
        if (adapt.Model is { } model) body["model"] = model;
        if (adapt.Steps is { } steps) body["steps"] = steps;
        if (adapt.LearningRate is { } lr) body["learning_rate"] = lr;
        if (adapt.BatchSize is { } batch) body["batch_size"] = batch;
        if (adapt.Seed is { } seed) body["seed"] = seed;
        body["train_recovery"] = adapt.TrainRecovery;
        switch (adapt.Data)
        {
            case AdaptData.StoredDataset stored:
                body["dataset"] = stored.Dataset;
                body["variant"] = stored.Variant;
                break;
            case AdaptData.Inline inline:
                if (inline.Variant is { } variant) body["variant"] = variant;
                if (inline.Env is { } env) body["env"] = env;
                body["transitions"] = await JsonRowsAsync(inline, ct).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentException($"unknown adaptation data {adapt.Data?.GetType().Name ?? "null"}", nameof(adapt));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/models/{reference}/adapt")
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, Json)) { Headers = { ContentType = new("application/json") } },
        };
        request.Options.Set(ServeHttp.RetrySafe, true);
        return await SendAsync<AdaptResult>(request, ct).ConfigureAwait(false);
    }

    /// <summary>model.json of NAME@V (or the latest version of NAME): settings, metrics, lineage.</summary>
    public async Task<ModelCard> GetModelAsync(string model, CancellationToken ct = default)
    {
        var reference = ModelReference.Parse(model);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/models/{reference}");
        var bytes = await SendForBytesAsync(request, ct).ConfigureAwait(false);
        return ModelCard.FromJson(bytes, $"{Transport} v1/models/{reference}");
    }

    /// <summary>
    /// The critic (and recovery policy) of NAME[@V] as Meta's own types, from the card and the
    /// weights of one version (the card's), so a job scores with it locally exactly as the service does.
    /// </summary>
    public async Task<StoredModel> FetchCriticAsync(string model, CancellationToken ct = default)
    {
        var card = await GetModelAsync(model, ct).ConfigureAwait(false);
        // Pinned to the card's version: a version published in between must not pair its weights with this card.
        string path = $"v1/models/{card.Reference}/weights";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        var weights = await SendForBytesAsync(request, ct).ConfigureAwait(false);
        return ModelRegistry.Decode(card, weights, $"{Transport} {path}");
    }

    Task<StoredModel> ICriticSource.LoadAsync(ModelReference reference, CancellationToken ct) => FetchCriticAsync(reference.ToString(), ct);

    /// <summary>
    /// The SAFER skill prior of NAME[@V] from its card and weights (one version, the card's), so an
    /// online job decodes latent actions locally; a prior has no /evaluate.
    /// </summary>
    public async Task<StoredPrior> FetchPriorAsync(string model, CancellationToken ct = default)
    {
        var card = await GetModelAsync(model, ct).ConfigureAwait(false);
        string path = $"v1/models/{card.Reference}/weights";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        var weights = await SendForBytesAsync(request, ct).ConfigureAwait(false);
        return new StoredPrior(card, SkillPriorStore.Decode(card, weights, $"{Transport} {path}"));
    }

    Task<StoredPrior> IPriorSource.LoadPriorAsync(ModelReference reference, CancellationToken ct) => FetchPriorAsync(reference.ToString(), ct);

    /// <summary>q_risk of each (obs[i], action[i]) pair, scored by the service.</summary>
    public async Task<EvaluateResult> EvaluateAsync(string model, float[][] obs, float[][] action, CancellationToken ct = default)
    {
        var reference = ModelReference.Parse(model);
        using var request = PureJsonPost($"v1/models/{reference}/evaluate", new { obs, action });
        return await SendAsync<EvaluateResult>(request, ct).ConfigureAwait(false);
    }

    /// <summary>The service's SQRL choice among <paramref name="actions"/> at <paramref name="obs"/>, or its recovery action.</summary>
    public async Task<FilterResult> FilterAsync(string model, float[] obs, float[][] actions, float[]? logProb = null, ulong? seed = null,
        CancellationToken ct = default)
    {
        var reference = ModelReference.Parse(model);
        using var request = PureJsonPost($"v1/models/{reference}/filter", new { obs, actions, log_prob = logProb, seed });
        return await SendAsync<FilterResult>(request, ct).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private static HttpRequestMessage PureJsonPost(string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        // Scoring has no effects: sending it twice answers the same.
        request.Options.Set(ServeHttp.RetrySafe, true);
        return request;
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        var bytes = await SendForBytesAsync(request, ct).ConfigureAwait(false);
        return JsonSerializer.Deserialize<T>(bytes, Json)
            ?? throw new InvalidDataException($"{Transport}: {request.Method} {request.RequestUri} answered null");
    }

    private async Task<byte[]> SendForBytesAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.Client.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new IOException($"{Transport}: {request.Method} {request.RequestUri}: {ex.Message} (after {_options.MaxRetries} retries)", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new IOException($"{Transport}: {request.Method} {request.RequestUri}: no answer in time (after {_options.MaxRetries} retries)", ex);
        }
        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return bytes;
            throw ServeProblems.ToException(response, bytes, $"{Transport}: {request.Method} {request.RequestUri}");
        }
    }

    private static async Task<JsonArray> JsonRowsAsync(AdaptData.Inline inline, CancellationToken ct)
    {
        // The JSONL log shape the service's readers take, one object per row.
        using var buffer = new MemoryStream();
        await TransitionExport.WriteJsonlAsync(inline.Rows, buffer, ct).ConfigureAwait(false);
        var rows = new JsonArray();
        foreach (var line in Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            rows.Add(JsonNode.Parse(line));
        return rows;
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (value is null) return;
        query.Append(name).Append('=').Append(Uri.EscapeDataString(value)).Append('&');
    }

    private static string MediaTypeOf(LogFormat format) => format switch
    {
        LogFormat.Csv => "text/csv",
        LogFormat.Jsonl => "application/x-ndjson",
        LogFormat.Parquet => "application/vnd.apache.parquet",
        LogFormat.Hdf5 => "application/x-hdf5",
        _ => "application/octet-stream",
    };

    /// <summary>Lets the content rewind and resend the caller's stream without closing it.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { }
    }
}
