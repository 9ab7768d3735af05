using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Turns log rows, in file order, into validated transitions. Derives what the log leaves out
/// (episode ids, steps, next observations, labels) by the rules in docs/ingest.md, and rejects
/// each row that breaks a rule with a <c>file:row:column: reason</c> error.
/// </summary>
/// <remarks>
/// A row whose next observation is not in the row itself waits ("pending") until the next row
/// of its episode supplies it. A row without an action is a final observation (Minari layout):
/// it completes the pending row and closes the episode. A pending row that never gets a next
/// observation is kept with next_obs = obs when terminal (targets do not bootstrap there) and
/// dropped otherwise, as D4RL's own loaders do; both are counted in the notes.
/// </remarks>
public sealed class TransitionAssembler
{
    private readonly IngestSettings _settings;
    private readonly FieldMap _map;
    private readonly Dictionary<long, Episode> _episodes = [];
    private readonly Stack<PendingRow> _pool = new();
    private readonly HashSet<long> _emittedEpisodes = [];
    private readonly List<LogError> _errors = [];
    private readonly List<RejectedRow> _rejects = [];
    private readonly long[] _defaults = new long[(int)IngestDefault.Count];
    private readonly SortedSet<string> _ignoredColumns = new(StringComparer.Ordinal);
    private TransitionBatch? _batch;
    private long _expectedRows;
    private int _obsDim, _actDim;
    private string _dimOrigin;
    private long _errorCount, _unsafeCount;
    private string _fileSource = "";
    private string? _fileSourceProblem;
    private Episode? _derived;
    private long _nextDerivedId;
    private readonly Action<TransitionBatch>? _batches;

    /// <summary>Rows per batch handed to a batch consumer: small next to a data file's 8 MiB row groups, so encoding trails reading closely.</summary>
    public const int HandedBatchRows = 16_384;

    /// <param name="batches">
    /// When given, transitions go to it in batches of <see cref="HandedBatchRows"/> as they are
    /// assembled (the rest at <see cref="Finish"/>), and the result's Transitions stay empty; an
    /// emitted transition is final, whatever later rows bring.
    /// </param>
    public TransitionAssembler(IngestSettings settings, Action<TransitionBatch>? batches = null)
    {
        _batches = batches;
        Datasets.PartitionValues.Validate("--variant", settings.Variant, isVariant: true);
        Datasets.PartitionValues.Validate("--source", settings.Source, isVariant: false);
        _settings = settings;
        _map = settings.Map;
        _obsDim = settings.ObsDim ?? 0;
        _actDim = settings.ActDim ?? 0;
        _dimOrigin = "dataset metadata";
        _nextDerivedId = settings.FirstEpisodeId;
    }

    public FieldMap Map => _map;

    /// <summary>
    /// Rows a reader knows are coming (a Parquet footer's row count): the batch is allocated for
    /// them at once instead of growing by doubling, which at 10M rows held capacity for 16.8M rows
    /// plus the arrays being replaced while it resized.
    /// </summary>
    public void ExpectRows(long rows)
    {
        if (rows > 0) _expectedRows += rows;
    }

    public void BeginFile(string file)
    {
        EndFile();
        _fileSource = _settings.Source ?? Path.GetFileName(file);
        // A file name is user input like any source value; it only matters once a row falls back to it.
        _fileSourceProblem = _settings.Source is null ? Datasets.PartitionValues.Problem(_fileSource, isVariant: false) : null;
    }

    /// <summary>Columns a file has that map to no field; reported so a misspelt --map is visible.</summary>
    public void IgnoreColumn(string column) => _ignoredColumns.Add(column);

    /// <summary>A problem with a whole file (unreadable header, missing column): nothing in it can be used.</summary>
    public static LogRejectedException FileError(string file, string column, string reason) =>
        new([new LogError(file, 0, column, reason)], 1);

    public void Accept(LogRow row)
    {
        bool finalObservation = row.Error is null && !row.Action.Present && !row.NextObs.Present;
        var episode = EpisodeOf(row);
        if (episode.Closing && !finalObservation)
        {
            // The previous transition ended the episode, so this row begins a new one.
            if (episode.Pending is not null) ResolveTail(episode);
            episode.Closing = false;
            if (episode == _derived) episode = StartDerived();
        }

        var error = row.Error ?? Validate(row, episode, finalObservation);
        if (error is not null)
        {
            Reject(error, _settings.Quarantine ? row.Text?.RawText() : null, secondary: false);
            RejectPendingOf(episode, row.Row);
            episode.NextStep = row.Has(LogField.Step) ? row.Step + 1 : -1;
            episode.Rows++;
            if (row.Has(LogField.Terminal) && row.Terminal || row.Has(LogField.Truncated) && row.Truncated) episode.Closing = true;
            return;
        }

        int step = row.Has(LogField.Step) ? row.Step : episode.NextStep >= 0 ? episode.NextStep : episode.Rows;
        episode.NextStep = step + 1;

        if (episode.Pending is { } waiting)
        {
            Count(IngestDefault.NextObsFromNextRow);
            Emit(waiting, row.Obs.Values);
            Release(episode);
        }
        if (finalObservation)
        {
            episode.Closing = false;
            if (episode == _derived) _derived = null;
            return;
        }

        if (!row.Has(LogField.Step)) Count(IngestDefault.StepDerived);
        episode.Rows++;
        var pending = Rent();
        pending.Capture(row, step, VariantOf(row), SourceOf(row), episode.Id, _settings.Quarantine);
        LabelDefaults(row, pending);
        if (row.NextObs.Present) Emit(pending, row.NextObs.Values, release: true);
        else episode.Pending = pending;
        if (pending.Terminal || pending.Truncated) episode.Closing = true;
    }

    /// <summary>Flushes a file's open episodes: episodes do not span files.</summary>
    public void EndFile()
    {
        if (_derived?.Pending is not null) ResolveTail(_derived);
        _derived = null;
        foreach (var episode in _episodes.Values)
            if (episode.Pending is not null) ResolveTail(episode);
        _episodes.Clear();
    }

    /// <summary>
    /// Completes the ingest. Without quarantine, any error rejects it whole (the exception lists the
    /// first few errors and counts all). With quarantine, rejected rows come back with the result.
    /// </summary>
    public LogIngestResult Finish()
    {
        EndFile();
        if (_errorCount > 0 && !_settings.Quarantine) throw new LogRejectedException(_errors, _errorCount);
        if (_batches is not null && _batch is { Count: > 0 } rest)
        {
            _batches(rest);
            _batch = null;
        }
        var batch = _batch ?? new TransitionBatch(Math.Max(_obsDim, 1), Math.Max(_actDim, 1), 0);
        var notes = new List<string>();
        for (int i = 0; i < _defaults.Length; i++)
            if (_defaults[i] > 0) notes.Add(Describe((IngestDefault)i, _defaults[i]));
        if (_ignoredColumns.Count > 0) notes.Add($"columns mapped to no field were ignored: {string.Join(", ", _ignoredColumns)}");
        return new LogIngestResult(batch, _emittedEpisodes.Count, _unsafeCount, _errorCount, _rejects, notes);
    }

    private LogError? Validate(LogRow row, Episode episode, bool finalObservation)
    {
        if (CheckVector(row, LogField.Obs, ref _obsDim, required: true) is { } obsError) return obsError;
        if (finalObservation)
        {
            // Anything but an observation on an action-less row means the action cell went missing.
            foreach (var f in (ReadOnlySpan<LogField>)[LogField.Reward, LogField.Cost, LogField.Unsafe, LogField.Terminal, LogField.Truncated])
                if (row.Has(f))
                    return Error(row, LogField.Action, "missing value (a row without an action is a final observation and carries no reward, cost or flags)");
            return CheckStep(row, episode);
        }
        if (CheckVector(row, LogField.Action, ref _actDim, required: true) is { } actionError) return actionError;
        if (row.NextObs.Present && CheckVector(row, LogField.NextObs, ref _obsDim, required: false) is { } nextError) return nextError;
        if (!row.Has(LogField.Reward)) return Error(row, LogField.Reward, "missing value");
        if (!float.IsFinite(row.Reward)) return Error(row, LogField.Reward, $"not finite ({row.Reward})");
        if (row.Has(LogField.Cost))
        {
            if (!float.IsFinite(row.Cost)) return Error(row, LogField.Cost, $"not finite ({row.Cost})");
            if (row.Cost < 0) return Error(row, LogField.Cost, $"negative cost ({row.Cost}); costs are non-negative");
        }
        else if (!row.Has(LogField.Unsafe))
            return Error(row, LogField.Cost, $"missing value: each row needs a cost or an unsafe label ('{_map.Column(LogField.Unsafe)}')");
        return CheckStep(row, episode);
    }

    private LogError? CheckStep(LogRow row, Episode episode)
    {
        if (!row.Has(LogField.Step)) return null;
        if (row.Step < 0) return Error(row, LogField.Step, $"negative step {row.Step}");
        if (episode.NextStep >= 0 && row.Step != episode.NextStep)
            return Error(row, LogField.Step, $"step {row.Step} contradicts episode {episode.Id}: expected {episode.NextStep} (steps rise by 1 within an episode, in file order)");
        return null;
    }

    private LogError? CheckVector(LogRow row, LogField field, ref int dim, bool required)
    {
        var v = row.Vector(field);
        if (!v.Present) return required ? Error(row, field, "missing value") : null;
        int missing = v.FirstMissing();
        if (missing >= 0) return new LogError(row.File, row.Row, $"{_map.Column(field)}_{missing}", "missing value");
        if (dim == 0)
        {
            dim = v.Length;
            _dimOrigin = $"{row.File}:{row.Row}";
        }
        else if (v.Length != dim)
            return Error(row, field, $"has {v.Length} values, expected {dim} (dimension set by {_dimOrigin})");
        var values = v.Values;
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsFinite(values[i])) continue;
            return v.Flattened
                ? new LogError(row.File, row.Row, $"{_map.Column(field)}_{i}", $"not finite ({values[i]})")
                : Error(row, field, $"element {i} is not finite ({values[i]})");
        }
        return null;
    }

    private LogError Error(LogRow row, LogField field, string reason) => new(row.File, row.Row, _map.Column(field), reason);

    private void LabelDefaults(LogRow row, PendingRow p)
    {
        if (!row.Has(LogField.Cost)) Count(IngestDefault.CostZero);
        if (!row.Has(LogField.Unsafe)) Count(IngestDefault.UnsafeFromCost);
        if (!row.Has(LogField.Terminal)) Count(IngestDefault.TerminalFromUnsafe);
        if (!row.Has(LogField.Truncated)) Count(IngestDefault.TruncatedFalse);
        p.Cost = row.Has(LogField.Cost) ? row.Cost : 0f;
        p.Unsafe = row.Has(LogField.Unsafe) ? row.Unsafe : p.Cost > 0;
        p.Terminal = row.Has(LogField.Terminal) ? row.Terminal : p.Unsafe;
        p.Truncated = row.Has(LogField.Truncated) && row.Truncated;
    }

    private string VariantOf(LogRow row)
    {
        if (row.Variant is { } v) return v;
        if (_settings.Variant is { } given) return given;
        Count(IngestDefault.VariantDefault);
        return IngestSettings.DefaultVariant;
    }

    private string SourceOf(LogRow row)
    {
        if (row.Source is { } s) return s;
        if (_fileSourceProblem is { } problem)
            throw new Errors.BadInputException($"{Datasets.Excerpts.Of(_fileSource)}: rows without a source take the file name as their source, and this name is refused: {problem}; give --source");
        if (_settings.Source is null) Count(IngestDefault.SourceFileName);
        return _fileSource;
    }

    private Episode EpisodeOf(LogRow row)
    {
        if (row.Has(LogField.EpisodeId))
        {
            if (!_episodes.TryGetValue(row.EpisodeId, out var e))
                _episodes[row.EpisodeId] = e = new Episode(row.EpisodeId);
            return e;
        }
        if (_derived is null) return StartDerived();
        return _derived;
    }

    private Episode StartDerived() => _derived = new Episode(_nextDerivedId++);

    private void ResolveTail(Episode episode)
    {
        var p = episode.Pending!;
        if (p.Terminal)
        {
            Count(IngestDefault.TerminalNextObsIsObs);
            Emit(p, p.Obs);
        }
        else Count(IngestDefault.TailDropped);
        Release(episode);
        episode.Closing = false;
    }

    private void RejectPendingOf(Episode episode, long failedRow)
    {
        if (episode.Pending is not { } p) return;
        Reject(new LogError(p.File, p.Row, _map.Column(LogField.NextObs),
            $"next observation would come from row {failedRow}, which was rejected"), p.RawText, secondary: true);
        Release(episode);
    }

    private void Reject(LogError error, string? rawText, bool secondary)
    {
        // Follow-on rejections only matter when rows are quarantined; a rejected ingest reports causes.
        if (secondary && !_settings.Quarantine) return;
        _errorCount++;
        if (_errors.Count < _settings.ReportedErrors) _errors.Add(error);
        if (_settings.Quarantine)
            _rejects.Add(new RejectedRow(error, rawText ?? ""));
    }

    private void Emit(PendingRow p, ReadOnlySpan<float> nextObs, bool release = false)
    {
        _batch ??= new TransitionBatch(_obsDim, _actDim,
            _batches is null ? (int)Math.Clamp(_expectedRows, 1024, Array.MaxLength / Math.Max(_obsDim, 1)) : HandedBatchRows);
        _batch.Add(p.EpisodeId, p.Step, p.Variant, p.Source, p.Obs, p.Action, nextObs, p.Reward, p.Cost, p.Unsafe, p.Terminal, p.Truncated);
        if (_batches is not null && _batch.Count == HandedBatchRows)
        {
            _batches(_batch);
            _batch = null;
        }
        _emittedEpisodes.Add(p.EpisodeId);
        if (p.Unsafe) _unsafeCount++;
        if (release) _pool.Push(p);
    }

    private PendingRow Rent() => _pool.TryPop(out var p) ? p : new PendingRow();

    private void Release(Episode episode)
    {
        _pool.Push(episode.Pending!);
        episode.Pending = null;
    }

    private void Count(IngestDefault d) => _defaults[(int)d]++;

    private static string Describe(IngestDefault d, long n) => d switch
    {
        IngestDefault.CostZero => $"cost: absent in {n} rows, set to 0",
        IngestDefault.UnsafeFromCost => $"unsafe: absent in {n} rows, derived as cost > 0",
        IngestDefault.TerminalFromUnsafe => $"terminal: absent in {n} rows, set to unsafe (violations end episodes)",
        IngestDefault.TruncatedFalse => $"truncated: absent in {n} rows, set to false",
        IngestDefault.StepDerived => $"step: absent in {n} rows, derived as the position within the episode",
        IngestDefault.NextObsFromNextRow => $"next_obs: absent in {n} rows, taken from the next row of the episode",
        IngestDefault.TerminalNextObsIsObs => $"next_obs: {n} terminal rows had no following observation; next_obs = obs (terminal targets do not bootstrap)",
        IngestDefault.TailDropped => $"dropped {n} non-terminal rows at an episode's end with no following observation (next_obs unknown)",
        IngestDefault.VariantDefault => $"variant: absent in {n} rows, set to '{IngestSettings.DefaultVariant}'",
        IngestDefault.SourceFileName => $"source: absent in {n} rows, set to the file name",
        _ => d.ToString(),
    };

    private enum IngestDefault
    {
        CostZero,
        UnsafeFromCost,
        TerminalFromUnsafe,
        TruncatedFalse,
        StepDerived,
        NextObsFromNextRow,
        TerminalNextObsIsObs,
        TailDropped,
        VariantDefault,
        SourceFileName,
        Count,
    }

    private sealed class Episode(long id)
    {
        public long Id { get; } = id;

        /// <summary>The step the next row must carry; -1 while unknown (an episode may start at any step).</summary>
        public int NextStep { get; set; } = -1;
        public int Rows { get; set; }
        public PendingRow? Pending { get; set; }

        /// <summary>The last transition was terminal or truncated: only a final observation may still follow.</summary>
        public bool Closing { get; set; }
    }

    private sealed class PendingRow
    {
        private float[] _obs = [], _action = [];
        private int _obsLength, _actionLength;

        public ReadOnlySpan<float> Obs => _obs.AsSpan(0, _obsLength);
        public ReadOnlySpan<float> Action => _action.AsSpan(0, _actionLength);
        public long EpisodeId { get; private set; }
        public int Step { get; private set; }
        public string Variant { get; private set; } = "";
        public string Source { get; private set; } = "";
        public string File { get; private set; } = "";
        public long Row { get; private set; }
        public float Reward { get; private set; }
        public float Cost { get; set; }
        public bool Unsafe { get; set; }
        public bool Terminal { get; set; }
        public bool Truncated { get; set; }

        /// <summary>Kept only under quarantine, where this row may yet be rejected after its reader moved on.</summary>
        public string? RawText { get; private set; }

        public void Capture(LogRow row, int step, string variant, string source, long episodeId, bool keepText)
        {
            Copy(row.Obs.Values, ref _obs, out _obsLength);
            Copy(row.Action.Values, ref _action, out _actionLength);
            EpisodeId = episodeId;
            Step = step;
            Variant = variant;
            Source = source;
            File = row.File;
            Row = row.Row;
            Reward = row.Reward;
            RawText = keepText ? row.Text?.RawText() : null;
        }

        private static void Copy(ReadOnlySpan<float> from, ref float[] to, out int length)
        {
            if (to.Length < from.Length) to = new float[from.Length];
            from.CopyTo(to);
            length = from.Length;
        }
    }
}

/// <summary>What an ingest read: the valid transitions, rejected rows (quarantine) and notes on every default applied.</summary>
public sealed record LogIngestResult(
    TransitionBatch Transitions,
    int Episodes,
    long Unsafe,
    long Rejected,
    IReadOnlyList<RejectedRow> Rejects,
    IReadOnlyList<string> Notes);
