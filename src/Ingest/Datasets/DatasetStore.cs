using System.Globalization;
using System.Text.Json;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Versioned transition datasets in an object store: each dataset is a Delta table under
/// `datasets/NAME/`, partitioned by variant. Every mutating operation writes its data files first
/// (under fresh names) and then commits one log entry, so a crash leaves the last version intact.
/// </summary>
public sealed class DatasetStore
{
    public const string Prefix = "datasets/";
    private const string TagFolder = "_delta_log/_tags/";
    private static readonly JsonSerializerOptions TagJson = new(JsonSerializerDefaults.Web);

    public DatasetStore(IObjectStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Objects = store;
    }

    public IObjectStore Objects { get; }

    /// <summary>How long vacuum keeps unreferenced files by default (Delta's default: one week).</summary>
    public static TimeSpan DefaultRetention { get; } = TimeSpan.FromHours(168);

    public DeltaLog Log(string name)
    {
        DatasetNames.Validate(name);
        return new DeltaLog(Objects, Prefix + name + "/");
    }

    // ---- create / list ---------------------------------------------------------------------

    /// <summary>Creates an empty dataset (version 0); fails when it already exists.</summary>
    public async Task<DatasetVersion> CreateAsync(string name, DatasetMetadata metadata, CancellationToken ct = default)
    {
        metadata.Validate();
        var log = Log(name);
        if (await log.ExistsAsync(ct).ConfigureAwait(false))
            throw new InvalidOperationException($"dataset '{name}' already exists in store '{Objects.Location}'");
        var tx = new DeltaTransaction(log, readSnapshot: null);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        tx.Add(ProtocolAction.Supported);
        tx.Add(new MetadataAction(Guid.NewGuid().ToString(), TransitionSchema.DeltaSchemaString, TransitionSchema.PartitionColumns,
            metadata.ToConfiguration(), now, Description: metadata.Description));
        var parameters = new Dictionary<string, string>
        {
            ["partitionBy"] = JsonSerializer.Serialize(TransitionSchema.PartitionColumns),
            ["envId"] = metadata.EnvId,
        };
        long version = await tx.CommitAsync("CREATE TABLE", parameters, new Dictionary<string, string>(), ct).ConfigureAwait(false);
        return await ResolveVersionAsync(name, version, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the dataset unless it exists; when it exists, checks that its environment and
    /// dimensions match <paramref name="metadata"/>. Safe when several processes race to create.
    /// </summary>
    public async Task<DatasetVersion> EnsureCreatedAsync(string name, DatasetMetadata metadata, CancellationToken ct = default)
    {
        metadata.Validate();
        var log = Log(name);
        if (!await log.ExistsAsync(ct).ConfigureAwait(false))
        {
            try
            {
                return await CreateAsync(name, metadata, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DeltaConflictException or InvalidOperationException)
            {
                // Another process created it between our check and our commit; fall through and validate.
            }
        }
        var snapshot = await log.GetSnapshotAsync(null, ct).ConfigureAwait(false);
        var existing = MetadataOf(name, snapshot);
        if (existing.EnvId != metadata.EnvId || existing.ObsDim != metadata.ObsDim || existing.ActionDim != metadata.ActionDim)
            throw new InvalidOperationException(
                $"dataset '{name}' exists with env '{existing.EnvId}' obs dim {existing.ObsDim} action dim {existing.ActionDim}; "
                + $"the data has env '{metadata.EnvId}' obs dim {metadata.ObsDim} action dim {metadata.ActionDim}");
        return ToVersion(name, snapshot);
    }

    /// <summary>Names of the datasets in the store, sorted.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken ct = default)
    {
        var names = new List<string>();
        await foreach (var prefix in Objects.ListCommonPrefixesAsync(Prefix, ct).ConfigureAwait(false))
        {
            string name = prefix[Prefix.Length..^1];
            if (await new DeltaLog(Objects, prefix).ExistsAsync(ct).ConfigureAwait(false)) names.Add(name);
        }
        return names;
    }

    // ---- resolve -----------------------------------------------------------------------------

    /// <summary>The snapshot a reference names: latest, a version, a tag, or a point in time.</summary>
    public async Task<Snapshot> SnapshotAsync(DatasetReference reference, CancellationToken ct = default)
    {
        var log = Log(reference.Name);
        if (reference.Ref is null)
            return await WithNotFound(reference.Name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);
        if (reference.IsVersion(out long version))
            return await WithNotFound(reference.Name, () => log.GetSnapshotAsync(version, ct)).ConfigureAwait(false);
        if (DatasetNames.IsValidTag(reference.Ref) && await TryReadTagAsync(reference.Name, reference.Ref, ct).ConfigureAwait(false) is { } tag)
            return await log.GetSnapshotAsync(tag.Version, ct).ConfigureAwait(false);
        if (reference.IsTimestamp(out var time))
        {
            long at = await WithNotFound(reference.Name, () => log.VersionAtAsync(time, ct)).ConfigureAwait(false);
            return await log.GetSnapshotAsync(at, ct).ConfigureAwait(false);
        }
        throw new KeyNotFoundException($"dataset '{reference.Name}': '{reference.Ref}' is neither a version, a tag of this dataset, nor an ISO-8601 timestamp");
    }

    public async Task<DatasetVersion> ResolveAsync(DatasetReference reference, CancellationToken ct = default) =>
        ToVersion(reference.Name, await SnapshotAsync(reference, ct).ConfigureAwait(false));

    public static DatasetMetadata MetadataOf(string name, Snapshot snapshot) =>
        DatasetMetadata.FromConfiguration(snapshot.Metadata.Configuration, snapshot.Metadata.Description, name);

    // ---- append ------------------------------------------------------------------------------

    /// <summary>
    /// Adds the rows of <paramref name="batch"/> as a new version: one data file per variant,
    /// written before the commit. Concurrent appends from other processes land as other versions.
    /// </summary>
    public Task<CommitResult> AppendAsync(string name, TransitionBatch batch, AppendOptions? options = null, CancellationToken ct = default) =>
        AppendAsync(name, OneBatch(batch), options, ct);

    /// <summary>
    /// Adds every batch of <paramref name="batches"/> as ONE new version. Each batch's files are
    /// written as it arrives (memory stays near one batch); the commit happens after the last.
    /// An empty sequence still commits a version, so its provenance (e.g. a rejects path) is kept.
    /// </summary>
    public async Task<CommitResult> AppendAsync(string name, IAsyncEnumerable<TransitionBatch> batches, AppendOptions? options = null, CancellationToken ct = default)
    {
        options ??= new AppendOptions();
        var log = Log(name);
        var snapshot = await WithNotFound(name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);
        var metadata = MetadataOf(name, snapshot);

        var files = new List<AddFile>();
        long rows = 0;
        await foreach (var batch in batches.WithCancellation(ct).ConfigureAwait(false))
        {
            if (batch.ObsDim != metadata.ObsDim || batch.ActDim != metadata.ActionDim)
                throw new ArgumentException($"dataset '{name}' has obs dim {metadata.ObsDim} and action dim {metadata.ActionDim}; the batch has {batch.ObsDim} and {batch.ActDim}");
            files.AddRange(await WriteDataFilesAsync(log, batch, ct).ConfigureAwait(false));
            rows += batch.Count;
        }
        var metrics = new Dictionary<string, string>(options.Metrics)
        {
            ["numFiles"] = Invariant(files.Count),
            ["rows"] = Invariant(rows),
            ["episodes"] = Invariant(files.Sum(f => long.Parse(f.Tags![TransitionFileStats.EpisodesTag], CultureInfo.InvariantCulture))),
            ["unsafe"] = Invariant(files.Sum(f => TransitionFileStats.UnsafeRows(f) ?? 0)),
        };

        // A metadata update (new variant parameters) conflicts with a concurrent one; then the
        // append is rebuilt on the newer snapshot, reusing the data files already written.
        for (int attempt = 0; ; attempt++)
        {
            var tx = new DeltaTransaction(log, snapshot);
            if (MergeVariantParams(name, snapshot, options.VariantParams) is { } updated) tx.Add(updated);
            foreach (var f in files) tx.Add(f);
            try
            {
                long version = await tx.CommitAsync(options.Operation, options.Parameters, metrics, ct).ConfigureAwait(false);
                return new CommitResult(await ResolveVersionAsync(name, version, snapshot, ct).ConfigureAwait(false), files.Count, 0, rows, 0);
            }
            catch (DeltaConflictException) when (attempt < 5 && tx.Actions.Any(a => a is MetadataAction))
            {
                snapshot = await log.GetSnapshotAsync(null, ct).ConfigureAwait(false);
            }
        }
    }

    private static async IAsyncEnumerable<TransitionBatch> OneBatch(TransitionBatch batch)
    {
        yield return batch;
        await Task.CompletedTask.ConfigureAwait(false);
    }

    // ---- delete ------------------------------------------------------------------------------

    /// <summary>
    /// Removes the rows matching <paramref name="filter"/> in one commit: files with only matching
    /// rows are removed, files with some are rewritten without them. Older versions still read them.
    /// </summary>
    public async Task<CommitResult> DeleteAsync(string name, RowFilter filter, CancellationToken ct = default)
    {
        var log = Log(name);
        var snapshot = await WithNotFound(name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);
        var metadata = MetadataOf(name, snapshot);
        var tx = new DeltaTransaction(log, snapshot);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long rowsRemoved = 0, rowsAdded = 0;
        int filesRemoved = 0, filesAdded = 0;
        var read = new List<string>();

        foreach (var file in snapshot.Files)
        {
            if (!filter.MayMatch(file)) continue;
            read.Add(file.Path);
            var data = await ReadFileAsync(log, file, metadata, ct).ConfigureAwait(false);
            var keep = filter.Column == TransitionColumns.Variant
                ? new TransitionBatch(metadata.ObsDim, metadata.ActionDim, 1)
                : data.Where(i => !filter.Matches(data, i));
            if (keep.Count == data.Count) continue;

            tx.Add(new RemoveFile(file.Path, now, DataChange: true, file.PartitionValues, file.Size));
            filesRemoved++;
            rowsRemoved += data.Count;
            if (keep.Count > 0)
            {
                foreach (var rewritten in await WriteDataFilesAsync(log, keep, ct).ConfigureAwait(false))
                {
                    tx.Add(rewritten);
                    filesAdded++;
                }
                rowsAdded += keep.Count;
            }
        }
        tx.MarkRead(read);
        var parameters = new Dictionary<string, string> { ["predicate"] = filter.ToPredicate() };
        var metrics = new Dictionary<string, string>
        {
            ["numDeletedRows"] = Invariant(rowsRemoved - rowsAdded),
            ["numRemovedFiles"] = Invariant(filesRemoved),
            ["numAddedFiles"] = Invariant(filesAdded),
        };
        long version = await tx.CommitAsync("DELETE", parameters, metrics, ct).ConfigureAwait(false);
        return new CommitResult(await ResolveVersionAsync(name, version, snapshot, ct).ConfigureAwait(false), filesAdded, filesRemoved, rowsAdded, rowsRemoved);
    }

    // ---- read --------------------------------------------------------------------------------

    /// <summary>
    /// Every row of the version <paramref name="reference"/> names, optionally one variant only:
    /// the union of its data files in path order, rows in file order (deterministic).
    /// </summary>
    public async Task<TransitionBatch> ReadAsync(DatasetReference reference, string? variant = null, CancellationToken ct = default)
    {
        var snapshot = await SnapshotAsync(reference, ct).ConfigureAwait(false);
        return await ReadAsync(reference.Name, snapshot, variant, null, ct).ConfigureAwait(false);
    }

    /// <param name="bytesRead">Reports the data-file bytes read so far (of the snapshot's files' total size).</param>
    public async Task<TransitionBatch> ReadAsync(string name, Snapshot snapshot, string? variant = null,
        IProgress<long>? bytesRead = null, CancellationToken ct = default)
    {
        var log = Log(name);
        var metadata = MetadataOf(name, snapshot);
        var result = new TransitionBatch(metadata.ObsDim, metadata.ActionDim, 1024);
        long done = 0;
        foreach (var file in snapshot.Files)
        {
            if (variant is not null && file.PartitionValues.TryGetValue(TransitionColumns.Variant, out var v) && v != variant) continue;
            result.AddRange(await ReadFileAsync(log, file, metadata, ct).ConfigureAwait(false));
            bytesRead?.Report(done += file.Size);
        }
        return result;
    }

    // ---- show / history / diff ---------------------------------------------------------------

    /// <summary>Rows, episodes and unsafe counts in total, per variant and per source.</summary>
    public async Task<DatasetSummary> ShowAsync(DatasetReference reference, CancellationToken ct = default)
    {
        var snapshot = await SnapshotAsync(reference, ct).ConfigureAwait(false);
        var log = Log(reference.Name);
        var metadata = MetadataOf(reference.Name, snapshot);
        var total = new GroupCounter();
        var byVariant = new SortedDictionary<string, GroupCounter>(StringComparer.Ordinal);
        var bySource = new SortedDictionary<string, GroupCounter>(StringComparer.Ordinal);
        foreach (var file in snapshot.Files)
        {
            var labels = await ReadLabelsAsync(log, file, ct).ConfigureAwait(false);
            for (int i = 0; i < labels.Count; i++)
            {
                var episode = (labels.Variant[i], labels.Source[i], labels.EpisodeId[i]);
                bool isUnsafe = labels.Unsafe[i];
                total.Add(episode, isUnsafe);
                Counter(byVariant, labels.Variant[i]).Add(episode, isUnsafe);
                Counter(bySource, labels.Source[i]).Add(episode, isUnsafe);
            }
        }
        return new DatasetSummary(ToVersion(reference.Name, snapshot), metadata, snapshot.Files.Count, snapshot.Files.Sum(f => f.Size),
            total.ToSummary("*"), byVariant.Select(kv => kv.Value.ToSummary(kv.Key)).ToArray(),
            bySource.Select(kv => kv.Value.ToSummary(kv.Key)).ToArray());
    }

    /// <summary>Every version, oldest first, with its operation, metrics and tags.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(string name, CancellationToken ct = default)
    {
        var log = Log(name);
        var commits = await log.HistoryAsync(ct).ConfigureAwait(false);
        if (commits.Count == 0) throw new DatasetNotFoundException(name, Objects.Location);
        var tags = (await TagsAsync(name, ct).ConfigureAwait(false)).ToLookup(t => t.Version, t => t.Name);
        var empty = new Dictionary<string, string>();
        return commits.Select(c => new HistoryEntry(c.Version, c.Timestamp, c.Info?.Operation ?? "",
            c.Info?.OperationParameters ?? empty, c.Info?.OperationMetrics ?? empty,
            c.Actions.Count(a => a is AddFile), c.Actions.Count(a => a is RemoveFile), tags[c.Version].Order(StringComparer.Ordinal).ToArray())).ToArray();
    }

    /// <summary>Files and rows added and removed from <paramref name="from"/> to <paramref name="to"/>, and the change in unsafe rows.</summary>
    public async Task<DatasetDiff> DiffAsync(DatasetReference from, DatasetReference to, CancellationToken ct = default)
    {
        if (from.Name != to.Name) throw new ArgumentException($"diff compares two versions of one dataset, got '{from.Name}' and '{to.Name}'");
        var a = await SnapshotAsync(from, ct).ConfigureAwait(false);
        var b = await SnapshotAsync(to, ct).ConfigureAwait(false);
        var log = Log(from.Name);
        var inA = a.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var inB = b.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var added = b.Files.Where(f => !inA.ContainsKey(f.Path)).ToArray();
        var removed = a.Files.Where(f => !inB.ContainsKey(f.Path)).ToArray();
        long rowsAdded = 0, rowsRemoved = 0, unsafeAdded = 0, unsafeRemoved = 0;
        foreach (var f in added)
        {
            var (rows, unsafeRows) = await CountsAsync(log, f, ct).ConfigureAwait(false);
            rowsAdded += rows;
            unsafeAdded += unsafeRows;
        }
        foreach (var f in removed)
        {
            var (rows, unsafeRows) = await CountsAsync(log, f, ct).ConfigureAwait(false);
            rowsRemoved += rows;
            unsafeRemoved += unsafeRows;
        }
        return new DatasetDiff(ToVersion(from.Name, a), ToVersion(to.Name, b), added.Select(f => f.Path).ToArray(),
            removed.Select(f => f.Path).ToArray(), rowsAdded, rowsRemoved, unsafeAdded, unsafeRemoved);
    }

    // ---- tags --------------------------------------------------------------------------------

    /// <summary>
    /// Names version <paramref name="version"/> with <paramref name="tag"/>. Tags are immutable:
    /// re-tagging the same version is a no-op, pointing an existing tag elsewhere is an error.
    /// </summary>
    public async Task<DatasetTag> TagAsync(string name, long version, string tag, CancellationToken ct = default)
    {
        DatasetNames.ValidateTag(tag);
        var log = Log(name);
        var snapshot = await WithNotFound(name, () => log.GetSnapshotAsync(version, ct)).ConfigureAwait(false);
        var created = new DatasetTag(tag, snapshot.Version, DateTimeOffset.UtcNow);
        byte[] content = JsonSerializer.SerializeToUtf8Bytes(new TagDocument(tag, created.Version, created.Created.ToUnixTimeMilliseconds()), TagJson);
        if (await Objects.CreateIfAbsentAsync(log.Key(TagFolder + tag + ".json"), content, ct).ConfigureAwait(false)) return created;
        var existing = await TryReadTagAsync(name, tag, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"dataset '{name}': tag '{tag}' exists but cannot be read");
        if (existing.Version != version)
            throw new InvalidOperationException($"dataset '{name}': tag '{tag}' already names version {existing.Version}; tags are immutable");
        return existing;
    }

    public async Task<IReadOnlyList<DatasetTag>> TagsAsync(string name, CancellationToken ct = default)
    {
        var log = Log(name);
        var tags = new List<DatasetTag>();
        await foreach (var info in Objects.ListAsync(log.Key(TagFolder), ct).ConfigureAwait(false))
        {
            string file = info.Key[log.Key(TagFolder).Length..];
            if (file.EndsWith(".json", StringComparison.Ordinal) && await TryReadTagAsync(name, file[..^5], ct).ConfigureAwait(false) is { } tag)
                tags.Add(tag);
        }
        return tags;
    }

    // ---- export / vacuum ---------------------------------------------------------------------

    /// <summary>Writes the rows of one version to a local file (.parquet, .csv or .jsonl), in read order.</summary>
    /// <param name="bytesRead">Reports data-file bytes read so far; <see cref="Snapshot.Files"/> sizes sum to the total.</param>
    /// <param name="started">Called with the resolved snapshot before any data file is read.</param>
    public async Task<ExportResult> ExportAsync(DatasetReference reference, string path,
        Action<Snapshot>? started = null, IProgress<long>? bytesRead = null, CancellationToken ct = default)
    {
        var format = TransitionExport.FormatOf(path);
        var snapshot = await SnapshotAsync(reference, ct).ConfigureAwait(false);
        started?.Invoke(snapshot);
        var batch = await ReadAsync(reference.Name, snapshot, null, bytesRead, ct).ConfigureAwait(false);
        var metadata = MetadataOf(reference.Name, snapshot);
        await TransitionExport.WriteAsync(batch, metadata, format, path, ct).ConfigureAwait(false);
        return new ExportResult(ToVersion(reference.Name, snapshot), Path.GetFullPath(path), format, batch.Count);
    }

    /// <summary>
    /// Deletes data files that the latest version does not reference and no unexpired tombstone
    /// protects, once they are older than <paramref name="retention"/>. Time travel to versions
    /// older than the retention may fail afterwards. Log entries are never deleted.
    /// </summary>
    public async Task<VacuumResult> VacuumAsync(string name, TimeSpan? retention = null, bool dryRun = false, CancellationToken ct = default)
    {
        var keepFor = retention ?? DefaultRetention;
        if (keepFor < TimeSpan.Zero) throw new ArgumentException($"retention must not be negative, got {keepFor.TotalHours} h");
        var log = Log(name);
        var snapshot = await WithNotFound(name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);
        var cutoff = DateTimeOffset.UtcNow - keepFor;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in snapshot.Files) referenced.Add(log.Key(DeltaPath.FromLogPath(f.Path)));
        foreach (var t in snapshot.Tombstones)
            if (DateTimeOffset.FromUnixTimeMilliseconds(t.DeletionTimestamp ?? 0) > cutoff)
                referenced.Add(log.Key(DeltaPath.FromLogPath(t.Path)));

        var deleted = new List<string>();
        long bytes = 0;
        int kept = 0;
        await foreach (var info in Objects.ListAsync(log.TableRoot, ct).ConfigureAwait(false))
        {
            string relative = info.Key[log.TableRoot.Length..];
            // Like Delta, files and folders starting with '_' or '.' (the log, tags) are not data.
            if (relative.Split('/').Any(s => s.StartsWith('_') || s.StartsWith('.'))) continue;
            if (referenced.Contains(info.Key) || info.LastModified > cutoff)
            {
                kept++;
                continue;
            }
            if (!dryRun) await Objects.DeleteAsync(info.Key, ct).ConfigureAwait(false);
            deleted.Add(relative);
            bytes += info.Length;
        }
        return new VacuumResult(deleted, bytes, kept, dryRun);
    }

    // ---- files -------------------------------------------------------------------------------

    private static async Task<List<AddFile>> WriteDataFilesAsync(DeltaLog log, TransitionBatch batch, CancellationToken ct)
    {
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < batch.Count; i++)
        {
            string variant = batch.Variant[i];
            if (string.IsNullOrEmpty(variant)) throw new ArgumentException($"row {i}: variant is empty; every transition names its dynamics variant");
            if (!groups.TryGetValue(variant, out var rows)) groups[variant] = rows = [];
            rows.Add(i);
        }
        var files = new List<AddFile>(groups.Count);
        foreach (var (variant, rows) in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var part = rows.Count == batch.Count ? batch : Select(batch, rows);
            string relative = DeltaPath.PartitionFolder(TransitionColumns.Variant, variant) + $"part-{Guid.NewGuid()}.snappy.parquet";
            byte[] content = TransitionParquet.Write(part);
            await log.Store.WriteAsync(log.Key(relative), content, ct).ConfigureAwait(false);
            files.Add(new AddFile(DeltaPath.ToLogPath(relative),
                new Dictionary<string, string?> { [TransitionColumns.Variant] = variant },
                content.Length, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), DataChange: true,
                TransitionFileStats.StatsJson(part), TransitionFileStats.Tags(part)));
        }
        return files;
    }

    private static TransitionBatch Select(TransitionBatch batch, List<int> rows)
    {
        var result = new TransitionBatch(batch.ObsDim, batch.ActDim, rows.Count);
        foreach (int i in rows)
            result.Add(batch.EpisodeId[i], batch.Step[i], batch.Variant[i], batch.Source[i], batch.ObsRow(i), batch.ActionRow(i),
                batch.NextObsRow(i), batch.Reward[i], batch.Cost[i], batch.Unsafe[i], batch.Terminal[i], batch.Truncated[i]);
        return result;
    }

    private static async Task<TransitionBatch> ReadFileAsync(DeltaLog log, AddFile file, DatasetMetadata metadata, CancellationToken ct)
    {
        string key = log.Key(DeltaPath.FromLogPath(file.Path));
        var bytes = await log.Store.ReadAsync(key, ct).ConfigureAwait(false);
        return TransitionParquet.Read(bytes, metadata.ObsDim, metadata.ActionDim, key);
    }

    private static async Task<TransitionLabels> ReadLabelsAsync(DeltaLog log, AddFile file, CancellationToken ct)
    {
        string key = log.Key(DeltaPath.FromLogPath(file.Path));
        var bytes = await log.Store.ReadAsync(key, ct).ConfigureAwait(false);
        return TransitionParquet.ReadLabels(bytes, key);
    }

    private static async Task<(long Rows, long Unsafe)> CountsAsync(DeltaLog log, AddFile file, CancellationToken ct)
    {
        if (TransitionFileStats.NumRecords(file) is { } rows && TransitionFileStats.UnsafeRows(file) is { } unsafeRows)
            return (rows, unsafeRows);
        // Files from other writers may lack our tags; count from the data instead.
        var labels = await ReadLabelsAsync(log, file, ct).ConfigureAwait(false);
        long n = 0;
        for (int i = 0; i < labels.Count; i++) if (labels.Unsafe[i]) n++;
        return (labels.Count, n);
    }

    private static MetadataAction? MergeVariantParams(string name, Snapshot snapshot,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? incoming)
    {
        if (incoming is null || incoming.Count == 0) return null;
        var configuration = new Dictionary<string, string>(snapshot.Metadata.Configuration, StringComparer.Ordinal);
        bool changed = false;
        foreach (var (variant, parameters) in incoming.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string key = DatasetMetadata.VariantParamsKeyPrefix + variant;
            string json = JsonSerializer.Serialize(new SortedDictionary<string, double>(parameters.ToDictionary(), StringComparer.Ordinal));
            if (configuration.TryGetValue(key, out var existing))
            {
                var known = JsonSerializer.Deserialize<Dictionary<string, double>>(existing)!;
                if (known.Count != parameters.Count || known.Any(kv => !parameters.TryGetValue(kv.Key, out double v) || v != kv.Value))
                    throw new InvalidOperationException($"dataset '{name}': variant '{variant}' is recorded with parameters {existing}, the append says {json}");
                continue;
            }
            configuration[key] = json;
            changed = true;
        }
        return changed ? snapshot.Metadata with { Configuration = configuration } : null;
    }

    private async Task<DatasetTag?> TryReadTagAsync(string name, string tag, CancellationToken ct)
    {
        var bytes = await Objects.TryReadAsync(Log(name).Key(TagFolder + tag + ".json"), ct).ConfigureAwait(false);
        if (bytes is null) return null;
        var doc = JsonSerializer.Deserialize<TagDocument>(bytes, TagJson)
            ?? throw new InvalidDataException($"dataset '{name}': tag file for '{tag}' is empty");
        return new DatasetTag(doc.Tag, doc.Version, DateTimeOffset.FromUnixTimeMilliseconds(doc.CreatedTime));
    }

    /// <summary>The version just committed; the table id comes from the commit or the snapshot it was based on.</summary>
    private async Task<DatasetVersion> ResolveVersionAsync(string name, long version, Snapshot? basedOn, CancellationToken ct)
    {
        var log = Log(name);
        var commit = await log.TryReadCommitAsync(version, ct).ConfigureAwait(false) ?? [];
        var info = commit.OfType<CommitInfo>().FirstOrDefault();
        var tableId = commit.OfType<MetadataAction>().FirstOrDefault()?.Id ?? basedOn?.Metadata.Id
            ?? (await log.GetSnapshotAsync(version, ct).ConfigureAwait(false)).Metadata.Id;
        return new DatasetVersion(name, version, DateTimeOffset.FromUnixTimeMilliseconds(info?.Timestamp ?? 0), tableId);
    }

    private static DatasetVersion ToVersion(string name, Snapshot s) => new(name, s.Version, s.Timestamp, s.Metadata.Id);

    private async Task<T> WithNotFound<T>(string name, Func<Task<T>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (TableNotFoundException)
        {
            throw new DatasetNotFoundException(name, Objects.Location);
        }
    }

    private static GroupCounter Counter(SortedDictionary<string, GroupCounter> groups, string key)
    {
        if (!groups.TryGetValue(key, out var c)) groups[key] = c = new GroupCounter();
        return c;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class GroupCounter
    {
        private readonly HashSet<(string, string, long)> _episodes = [];
        private long _rows, _unsafe;

        public void Add((string, string, long) episode, bool isUnsafe)
        {
            _rows++;
            if (isUnsafe) _unsafe++;
            _episodes.Add(episode);
        }

        public GroupSummary ToSummary(string key) => new(key, _rows, _episodes.Count, _unsafe);
    }

    private sealed record TagDocument(string Tag, long Version, long CreatedTime);
}

