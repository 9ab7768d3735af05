using System.Text.RegularExpressions;
using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Ingest;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;

namespace OfflineSafety.Serve.Datasets;

/// <summary>
/// One upload of a log into a dataset, as POST /v1/datasets/{name}/uploads and the dashboard's form
/// both describe it. <see cref="FileExtension"/> names the spooled file (".csv"; ".bin" when unknown),
/// which the commit's history records and format detection reads.
/// </summary>
public sealed partial record DatasetUpload(
    string Dataset,
    LogFormat Format,
    string FileExtension,
    string? Env = null,
    bool AllowUnknownEnv = false,
    string? Variant = null,
    string? Source = null,
    string? Map = null,
    bool Quarantine = false,
    string? IdempotencyKey = null)
{
    /// <summary>Everything that can be checked without the body, so a bad request is refused before it is read.</summary>
    public void Validate()
    {
        DatasetNames.Validate(Dataset);
        if (Env is not null)
        {
            EnvironmentIds.Validate(Env);
            if (!AllowUnknownEnv && !EnvironmentRegistry.Default.All.Any(d => d.Id == Env))
                throw new BadInputException($"unknown environment {Excerpts.Of(Env)} (known: {string.Join(", ", EnvironmentRegistry.Default.All.Select(d => d.Id))}); add allow_unknown_env=true for another environment");
        }
        PartitionValues.Validate("variant", Variant, isVariant: true);
        PartitionValues.Validate("source", Source, isVariant: false);
        FieldMap.Parse(Map);
        if (IdempotencyKey is not null && !IdempotencyKeyPattern().IsMatch(IdempotencyKey))
            throw new BadInputException("Idempotency-Key: use 1 to 255 printable ASCII characters");
        if (!ExtensionPattern().IsMatch(FileExtension))
            throw new BadInputException($"file extension {Excerpts.Of(FileExtension)} is not '.' and 1 to 10 letters or digits");
    }

    /// <summary>The spool file's extension for a format named by the client (a content type or ?format=).</summary>
    public static string ExtensionOf(LogFormat format) => format switch
    {
        LogFormat.Csv => ".csv",
        LogFormat.Jsonl => ".jsonl",
        LogFormat.Parquet => ".parquet",
        LogFormat.Hdf5 => ".h5",
        _ => ".bin",
    };

    /// <summary>The extension of a client's file name when it is a plain one, else ".bin" (the content decides).</summary>
    public static string ExtensionOf(string? fileName)
    {
        string ext = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        return ExtensionPattern().IsMatch(ext) ? ext : ".bin";
    }

    [GeneratedRegex("^[\\x21-\\x7E]{1,255}$")]
    private static partial Regex IdempotencyKeyPattern();

    [GeneratedRegex("^\\.[a-z0-9]{1,10}$", RegexOptions.IgnoreCase)]
    private static partial Regex ExtensionPattern();
}

/// <summary>
/// Runs uploads: the body is spooled whole into a fresh temp folder by the caller's writer, then
/// given to <see cref="DatasetIngest"/>, so an upload gets exactly the validation, labels and
/// atomicity of `offsafe ingest`; the spool is removed afterwards whatever happened.
/// </summary>
public sealed class DatasetUploads(ServeSettings settings, DatasetStore store)
{
    public async Task<IngestOutcome> RunAsync(DatasetUpload upload, Func<string, Task> writeBody, CancellationToken ct)
    {
        upload.Validate();
        string folder = Path.Combine(settings.SpoolFolder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // The file name is what the commit's history records as the ingested file.
            string path = Path.Combine(folder, "upload" + upload.FileExtension);
            await writeBody(path).ConfigureAwait(false);
            var request = new IngestRequest([path], upload.Dataset, FieldMap.Parse(upload.Map), upload.Format, upload.Variant, upload.Source ?? "upload",
                Quarantine: upload.Quarantine, CreateWithEnv: upload.Env, RequestKey: upload.IdempotencyKey);
            try
            {
                return await new DatasetIngest(store).RunAsync(request, ct: ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException && ex is not OperationCanceledException)
            {
                // The ingest read only the spooled body: a damaged or unreadable file is the client's input.
                throw new BadInputException($"upload: {ex.Message}", ex);
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
        }
    }
}
