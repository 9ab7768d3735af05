using System.Globalization;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Storage;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Versioned transition datasets in an object store: each dataset is a Delta table under
/// `datasets/NAME/`, partitioned by variant. Every mutating operation writes its data files first
/// (under fresh names) and then commits one log entry, so a crash leaves the last version intact.
/// </summary>
/// <remarks>
/// The core: create, resolve a reference to a snapshot, append, delete, read. Tags, inspection and
/// maintenance are <see cref="DatasetTags"/>, <see cref="DatasetInspection"/> and
/// <see cref="DatasetMaintenance"/>, built on this type. A caller that already holds a snapshot
/// passes it on (append, read) so one operation loads the log once.
/// </remarks>
public sealed class DatasetStore
{
    public const string Prefix = "datasets/";

    public DatasetStore(IObjectStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Objects = store;
    }

    public IObjectStore Objects { get; }

    public DeltaLog Log(string name)
    {
        DatasetNames.Validate(name);
        return new DeltaLog(Objects, Prefix + name + "/");
    }

    /// <summary>Creates an empty dataset (version 0); fails when it already exists.</summary>
    public async Task<DatasetVersion> CreateAsync(string name, DatasetMetadata metadata, CancellationToken ct = default)
    {
        metadata.Validate();
        var log = Log(name);
        if (await log.ExistsAsync(ct).ConfigureAwait(false))
            throw new ConflictException($"dataset '{name}' already exists in store '{Objects.Location}'");
        await RefuseNameCaseTwinAsync(name, ct).ConfigureAwait(false);
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
            // Outside the try: this conflict is not "someone created it first".
            await RefuseNameCaseTwinAsync(name, ct).ConfigureAwait(false);
            try
            {
                return await CreateAsync(name, metadata, ct).ConfigureAwait(false);
            }
            catch (ConflictException)
            {
                // Another process created it between our check and our commit; fall through and validate.
            }
        }
        var snapshot = await log.GetSnapshotAsync(null, ct).ConfigureAwait(false);
        var existing = MetadataOf(name, snapshot);
        if (existing.EnvId != metadata.EnvId || existing.ObsDim != metadata.ObsDim || existing.ActionDim != metadata.ActionDim)
            throw new ConflictException(
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

    /// <summary>The snapshot a reference names: latest, a version, a tag, or a point in time.</summary>
    public async Task<Snapshot> SnapshotAsync(DatasetReference reference, CancellationToken ct = default)
    {
        var log = Log(reference.Name);
        if (reference.Ref is null)
            return await WithNotFound(reference.Name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);
        if (reference.IsVersion(out long version))
            return await WithNotFound(reference.Name, () => log.GetSnapshotAsync(version, ct)).ConfigureAwait(false);
        if (DatasetNames.IsValidTag(reference.Ref) && await TagFile.TryReadAsync(log, reference.Name, reference.Ref, ct).ConfigureAwait(false) is { } tag)
            return await WithNotFound(reference.Name, () => log.GetSnapshotAsync(tag.Version, ct)).ConfigureAwait(false);
        if (reference.IsTimestamp(out var time))
        {
            long at = await WithNotFound(reference.Name, () => log.VersionAtAsync(time, ct)).ConfigureAwait(false);
            return await WithNotFound(reference.Name, () => log.GetSnapshotAsync(at, ct)).ConfigureAwait(false);
        }
        throw new NotFoundException($"dataset '{reference.Name}': '{reference.Ref}' is neither a version, a tag of this dataset, nor an ISO-8601 timestamp");
    }

    public async Task<DatasetVersion> ResolveAsync(DatasetReference reference, CancellationToken ct = default) =>
        ToVersion(reference.Name, await SnapshotAsync(reference, ct).ConfigureAwait(false));

    public static DatasetMetadata MetadataOf(string name, Snapshot snapshot) =>
        DatasetMetadata.FromConfiguration(snapshot.Metadata.Configuration, snapshot.Metadata.Description, name);

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
        var log = Log(name);
        var latest = await WithNotFound(name, () => log.GetSnapshotAsync(null, ct)).ConfigureAwait(false);
        return await AppendAsync(name, latest, batches, options, ct).ConfigureAwait(false);
    }

    /// <summary>Appends on top of a snapshot the caller already loaded (e.g. to check the data against it).</summary>
    public Task<CommitResult> AppendAsync(string name, Snapshot basedOn, TransitionBatch batch, AppendOptions? options = null, CancellationToken ct = default) =>
        AppendAsync(name, basedOn, OneBatch(batch), options, ct);

    /// <summary>
    /// Appends on top of <paramref name="basedOn"/>, which may be stale: appends commit at the next
    /// free version anyway, and a metadata update that loses a race is rebuilt on a fresh snapshot.
    /// </summary>
    public Task<CommitResult> AppendAsync(string name, Snapshot basedOn, IAsyncEnumerable<TransitionBatch> batches,
        AppendOptions? options = null, CancellationToken ct = default) =>
        AppendCoreAsync(name, MetadataOf(name, basedOn), _ => Task.FromResult(basedOn), batches, options, ct);

    /// <summary>
    /// Creates the dataset (when absent) and appends <paramref name="batch"/> to it, creating it only
    /// after the data files are written: a failure while writing them leaves no dataset behind (at
    /// most unreferenced files, which list as no dataset and which vacuum removes once it exists).
    /// The table keeps its usual shape: version 0 creates it, the append is the next version.
    /// </summary>
    public async Task<CommitResult> CreateAndAppendAsync(string name, DatasetMetadata metadata, TransitionBatch batch,
        AppendOptions? options = null, CancellationToken ct = default)
    {
        metadata.Validate();
        await PrepareCreateAsync(name, ct).ConfigureAwait(false);
        return await AppendCoreAsync(name, metadata, async c =>
        {
            await EnsureCreatedAsync(name, metadata, c).ConfigureAwait(false);
            return await Log(name).GetSnapshotAsync(null, c).ConfigureAwait(false);
        }, OneBatch(batch), options, ct).ConfigureAwait(false);
    }

    /// <param name="metadata">What the batches are checked against before anything is written.</param>
    /// <param name="baseSnapshot">The snapshot to commit on; asked for only after every data file is written.</param>
    private async Task<CommitResult> AppendCoreAsync(string name, DatasetMetadata metadata, Func<CancellationToken, Task<Snapshot>> baseSnapshot,
        IAsyncEnumerable<TransitionBatch> batches, AppendOptions? options, CancellationToken ct)
    {
        var log = Log(name);
        var files = new List<AddFile>();
        long rows = 0;
        await foreach (var batch in batches.WithCancellation(ct).ConfigureAwait(false))
        {
            if (batch.ObsDim != metadata.ObsDim || batch.ActDim != metadata.ActionDim)
                throw new BadInputException($"dataset '{name}' has obs dim {metadata.ObsDim} and action dim {metadata.ActionDim}; the batch has {batch.ObsDim} and {batch.ActDim}");
            files.AddRange(await TransitionDataFiles.WriteAsync(log, batch, ct).ConfigureAwait(false));
            rows += batch.Count;
        }
        return await CommitCoreAsync(name, new WrittenFiles(files, rows), baseSnapshot, options, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Before data files of a dataset still to be created are written (<see cref="CommitWrittenAsync"/>):
    /// refuses a name that differs only by case from an existing dataset, so nothing is left behind.
    /// </summary>
    internal async Task PrepareCreateAsync(string name, CancellationToken ct)
    {
        if (!await Log(name).ExistsAsync(ct).ConfigureAwait(false)) await RefuseNameCaseTwinAsync(name, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits data files already written (<see cref="StreamedDataFiles"/>) as one new version: on
    /// <paramref name="basedOn"/>, or, when it is null, on the dataset created with
    /// <paramref name="create"/> if absent (after <see cref="PrepareCreateAsync"/>).
    /// </summary>
    internal Task<CommitResult> CommitWrittenAsync(string name, Snapshot? basedOn, DatasetMetadata? create, WrittenFiles written,
        AppendOptions? options, CancellationToken ct)
    {
        if (basedOn is not null) return CommitCoreAsync(name, written, _ => Task.FromResult(basedOn), options, ct);
        ArgumentNullException.ThrowIfNull(create);
        create.Validate();
        return CommitCoreAsync(name, written, async c =>
        {
            await EnsureCreatedAsync(name, create, c).ConfigureAwait(false);
            return await Log(name).GetSnapshotAsync(null, c).ConfigureAwait(false);
        }, options, ct);
    }

    private async Task<CommitResult> CommitCoreAsync(string name, WrittenFiles written, Func<CancellationToken, Task<Snapshot>> baseSnapshot,
        AppendOptions? options, CancellationToken ct)
    {
        options ??= new AppendOptions();
        var log = Log(name);
        var (files, rows) = written;
        var metrics = new Dictionary<string, string>(options.Metrics)
        {
            ["numFiles"] = Invariant(files.Count),
            ["rows"] = Invariant(rows),
            ["episodes"] = Invariant(files.Sum(f => long.Parse(f.Tags![TransitionFileStats.EpisodesTag], CultureInfo.InvariantCulture))),
            ["unsafe"] = Invariant(files.Sum(f => TransitionFileStats.UnsafeRows(f) ?? 0)),
        };

        var snapshot = await baseSnapshot(ct).ConfigureAwait(false);
        RefuseVariantCaseTwins(name, options.Mode == WriteMode.Append ? snapshot.Files : [], files);
        // Commits are checked for conflicts only against the winners after their read snapshot:
        // progress recorded for one of our txn ids up to it must be caught here (a dataset another
        // process created meanwhile, or a rebuilt commit on a newer snapshot).
        void RefuseRecordedProgress()
        {
            if (options.Transactions.FirstOrDefault(t => snapshot.Transactions.TryGetValue(t.AppId, out var seen) && seen.Version >= t.Version) is { } done)
                throw new DeltaConflictException($"table '{log.TableRoot}': a concurrent commit recorded progress for application '{done.AppId}'; this commit was not applied");
        }
        RefuseRecordedProgress();
        // A metadata update (new variant parameters) conflicts with a concurrent one; then the
        // append is rebuilt on the newer snapshot, reusing the data files already written.
        for (int attempt = 0; ; attempt++)
        {
            var tx = new DeltaTransaction(log, snapshot);
            if (VariantParamsMerge.Merge(name, snapshot, options.VariantParams) is { } updated) tx.Add(updated);
            var replaced = Replaced(snapshot, options.Mode);
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var f in replaced) tx.Add(f.ToRemove(now));
            // An overwrite read every row it replaces: a concurrent delete or rewrite of one of them
            // is a conflict rather than a row silently resurrected or lost.
            tx.MarkRead(replaced.Select(f => f.Path));
            foreach (var f in files) tx.Add(f);
            foreach (var t in options.Transactions) tx.Add(t);
            long rowsReplaced = replaced.Sum(f => TransitionFileStats.NumRecords(f) ?? 0);
            var parameters = options.Mode == WriteMode.Append ? options.Parameters
                : new Dictionary<string, string>(options.Parameters) { ["mode"] = options.Mode.ToString() };
            var commitMetrics = replaced.Count == 0 ? metrics : new Dictionary<string, string>(metrics)
            {
                ["numRemovedFiles"] = Invariant(replaced.Count),
                ["numDeletedRows"] = Invariant(rowsReplaced),
            };
            try
            {
                long version = await tx.CommitAsync(options.Operation, parameters, commitMetrics, ct).ConfigureAwait(false);
                return new CommitResult(await ResolveVersionAsync(name, version, snapshot, ct).ConfigureAwait(false), files.Count, replaced.Count, rows, rowsReplaced);
            }
            catch (DeltaConflictException) when (attempt < 5 && tx.Actions.Any(a => a is MetadataAction))
            {
                snapshot = await log.GetSnapshotAsync(null, ct).ConfigureAwait(false);
                RefuseRecordedProgress();
            }
        }
    }

    private static IReadOnlyList<AddFile> Replaced(Snapshot snapshot, WriteMode mode) => mode switch
    {
        WriteMode.Append => [],
        WriteMode.Overwrite => snapshot.Files,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    private async Task RefuseNameCaseTwinAsync(string name, CancellationToken ct)
    {
        if (CaseTwins.Find(await ListAsync(ct).ConfigureAwait(false), [name]) is { } twin)
            throw new ConflictException($"dataset '{name}' differs only by case from existing dataset '{twin.Existing}' in store '{Objects.Location}'; names are folders, and case-insensitive file systems would merge them");
    }

    private static void RefuseVariantCaseTwins(string name, IEnumerable<AddFile> kept, IEnumerable<AddFile> files)
    {
        static IEnumerable<string> Variants(IEnumerable<AddFile> f) => f.Select(TransitionDataFiles.PartitionVariant).OfType<string>();
        if (CaseTwins.Find(Variants(kept), Variants(files)) is { } twin)
            throw new BadInputException($"dataset '{name}': variant {Excerpts.Of(twin.Added)} differs only by case from variant {Excerpts.Of(twin.Existing)}; variants are folders, and case-insensitive file systems would merge them");
    }

    private static async IAsyncEnumerable<TransitionBatch> OneBatch(TransitionBatch batch)
    {
        yield return batch;
        await Task.CompletedTask.ConfigureAwait(false);
    }

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
            var data = await TransitionDataFiles.ReadAsync(log, file, snapshot.Version, metadata, ct).ConfigureAwait(false);
            var keep = filter.Column == TransitionColumns.Variant
                ? new TransitionBatch(metadata.ObsDim, metadata.ActionDim, 1)
                : data.Where(i => !filter.Matches(data, i));
            if (keep.Count == data.Count) continue;

            tx.Add(file.ToRemove(now));
            filesRemoved++;
            rowsRemoved += data.Count;
            if (keep.Count > 0)
            {
                foreach (var rewritten in await TransitionDataFiles.WriteAsync(log, keep, ct).ConfigureAwait(false))
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
        var metadata = MetadataOf(name, snapshot);
        var result = new TransitionBatch(metadata.ObsDim, metadata.ActionDim, 1024);
        await foreach (var part in ReadFilesAsync(name, snapshot, variant, bytesRead, ct).ConfigureAwait(false)) result.AddRange(part);
        return result;
    }

    /// <summary>
    /// The rows of <see cref="ReadAsync(string, Snapshot, string?, IProgress{long}?, CancellationToken)"/>
    /// one data file at a time, so a caller that streams them (the service's row endpoint) holds one file's rows at once.
    /// </summary>
    public async IAsyncEnumerable<TransitionBatch> ReadFilesAsync(string name, Snapshot snapshot, string? variant = null,
        IProgress<long>? bytesRead = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var log = Log(name);
        var metadata = MetadataOf(name, snapshot);
        long done = 0;
        foreach (var file in snapshot.Files)
        {
            if (variant is not null && file.PartitionValues.TryGetValue(TransitionColumns.Variant, out var v) && v != variant) continue;
            yield return await TransitionDataFiles.ReadAsync(log, file, snapshot.Version, metadata, ct).ConfigureAwait(false);
            bytesRead?.Report(done += file.Size);
        }
    }

    internal static DatasetVersion ToVersion(string name, Snapshot s) => new(name, s.Version, s.Timestamp, s.Metadata.Id);

    /// <summary>
    /// Runs a log read, turning "no such table" and "no such version" into the user-facing errors
    /// a front end answers with not-found; the log's own types do not know about datasets.
    /// </summary>
    internal async Task<T> WithNotFound<T>(string name, Func<Task<T>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (TableNotFoundException)
        {
            throw new DatasetNotFoundException(name, Objects.Location);
        }
        catch (KeyNotFoundException ex)
        {
            throw new NotFoundException(ex.Message, ex);
        }
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

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
