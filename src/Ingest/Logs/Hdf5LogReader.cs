using System.Globalization;
using PureHDF;
using PureHDF.VOL.Native;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Reads the HDF5 layouts offline-RL datasets ship in, through PureHDF (pure .NET), into the same
/// assembler as every other format. Two layouts, told apart by the root:
/// <list type="bullet">
/// <item>flat (D4RL, DSRL): root datasets named as the field map says, one row per transition,
/// vectors as 2-D arrays, scalars and flags 1-D; row numbers are 1-based indices;</item>
/// <item>Minari: groups <c>episode_&lt;id&gt;</c>, each with observations (one more row than
/// actions: the last is the final observation), actions, rewards, terminations, truncations and
/// optionally costs; the id comes from the group's name, and errors name the file as
/// <c>file/episode_&lt;id&gt;</c> with 1-based indices within that group.</item>
/// </list>
/// </summary>
public sealed class Hdf5LogReader : ILogReader
{
    private const string EpisodePrefix = "episode_";

    // Values per block read: bounds memory for wide observations while keeping reads large.
    private readonly int _blockValues;

    public Hdf5LogReader() : this(1 << 20)
    {
    }

    /// <summary>Tests use small blocks so rows cross block boundaries.</summary>
    internal Hdf5LogReader(int blockValues) => _blockValues = blockValues;

    public void Read(Stream stream, string file, TransitionAssembler sink, IProgress<long>? bytesRead, CancellationToken ct)
    {
        sink.BeginFile(file);
        if (Hdf5Superblock.Problem(stream) is { } problem) throw TransitionAssembler.FileError(file, "(file)", problem);
        using var h5 = Guard(file, "(file)", () => H5File.Open(stream, leaveOpen: true));
        var row = new LogRow { File = file };
        string obs = sink.Map.Column(LogField.Obs);
        if (Guard(file, obs, () => h5.LinkExists(obs)))
            ReadFlat(h5, file, sink, row, stream.Length, bytesRead, ct);
        else
            ReadEpisodes(h5, file, sink, row, stream.Length, bytesRead, ct);
        sink.EndFile();
    }

    /// <summary>Runs one PureHDF call, turning its exceptions (plain <see cref="Exception"/>s for damaged files) into a one-line file error.</summary>
    internal static T Guard<T>(string file, string column, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is not (LogRejectedException or OperationCanceledException))
        {
            throw TransitionAssembler.FileError(file, column, $"not a readable HDF5 file: {OneLine(ex.Message)}");
        }
    }

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private void ReadFlat(NativeFile h5, string file, TransitionAssembler sink, LogRow row, long length, IProgress<long>? bytesRead, CancellationToken ct)
    {
        var table = Hdf5Table.Bind(h5, file, sink, episodeFromGroup: false);
        var first = table.Column(LogField.Obs)!;
        foreach (var c in table.Columns)
            if (c.Rows != first.Rows)
                throw TransitionAssembler.FileError(file, c.Name, $"has {c.Rows} rows, '{first.Name}' has {first.Rows} (the flat layout holds one row per transition in every dataset)");
        Feed(table, row, sink, first.Rows, episodeId: null, done => bytesRead?.Report(length * done / Math.Max(first.Rows, 1)), ct);
    }

    private void ReadEpisodes(NativeFile h5, string file, TransitionAssembler sink, LogRow row, long length, IProgress<long>? bytesRead, CancellationToken ct)
    {
        var episodes = new List<(long Id, NativeGroup Group)>();
        foreach (var child in Guard(file, "(file)", () => h5.Children().ToList()))
        {
            if (child is NativeGroup group && child.Name.StartsWith(EpisodePrefix, StringComparison.Ordinal)
                && long.TryParse(child.Name.AsSpan(EpisodePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long id))
                episodes.Add((id, group));
            else sink.IgnoreColumn(child.Name);
        }
        if (episodes.Count == 0)
        {
            string obs = sink.Map.Column(LogField.Obs);
            throw TransitionAssembler.FileError(file, obs,
                $"missing required dataset '{obs}' at the root (D4RL/DSRL flat layout) and no {EpisodePrefix}<id> groups (Minari layout); D4RL and DSRL files need --map d4rl, Minari files --map minari");
        }
        // Group order in the file is by name (episode_10 before episode_2); episodes go in id order.
        episodes.Sort((a, b) => a.Id.CompareTo(b.Id));
        for (int e = 0; e < episodes.Count; e++)
        {
            var (id, group) = episodes[e];
            string where = $"{file}/{EpisodePrefix}{id.ToString(CultureInfo.InvariantCulture)}";
            var table = Hdf5Table.Bind(group, where, sink, episodeFromGroup: true);
            long steps = table.Column(LogField.Action)!.Rows;
            bool nextGiven = table.Column(LogField.NextObs) is not null;
            foreach (var c in table.Columns)
            {
                long expected = c.Field == LogField.Obs && !nextGiven ? steps + 1 : steps;
                if (c.Rows != expected)
                    throw TransitionAssembler.FileError(where, c.Name, c.Field == LogField.Obs && !nextGiven
                        ? $"has {c.Rows} rows, expected {expected}: one per action plus the final observation"
                        : $"has {c.Rows} rows, expected {expected}: one per action");
            }
            row.File = where;
            Feed(table, row, sink, table.Column(LogField.Obs)!.Rows, id, null, ct);
            bytesRead?.Report(length * (e + 1) / episodes.Count);
        }
    }

    /// <summary>Hands rows [0, rows) to the assembler, a block at a time; a row index past a column's end leaves that field absent.</summary>
    private void Feed(Hdf5Table table, LogRow row, TransitionAssembler sink, long rows, long? episodeId, Action<long>? progress, CancellationToken ct)
    {
        int block = Math.Max(1, _blockValues / table.MaxWidth);
        row.Text = table;
        for (long start = 0; start < rows; start += block)
        {
            ct.ThrowIfCancellationRequested();
            int count = (int)Math.Min(block, rows - start);
            table.Load(start, count);
            for (long i = start; i < start + count; i++)
            {
                row.Begin(i + 1);
                row.Obs.ResetArray();
                row.Action.ResetArray();
                row.NextObs.ResetArray();
                table.Fill(row, i);
                if (episodeId is { } id) row.SetEpisodeId(id);
                sink.Accept(row);
            }
            progress?.Invoke(start + count);
        }
    }
}
