using System.Text.Json;
using PureHDF;
using PureHDF.VOL.Native;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// The datasets of one HDF5 group that supply transition fields: the root of a D4RL/DSRL file, or
/// one <c>episode_&lt;id&gt;</c> group of a Minari file. Also renders a row as JSON for the rejects file.
/// </summary>
internal sealed class Hdf5Table : IRawRowText
{
    private readonly List<Hdf5Column> _columns;
    private long _current;

    private Hdf5Table(List<Hdf5Column> columns) => _columns = columns;

    public IReadOnlyList<Hdf5Column> Columns => _columns;

    /// <summary>The most values one row of any column holds, to size read blocks.</summary>
    public int MaxWidth => _columns.Max(c => c.Width);

    public Hdf5Column? Column(LogField field) => _columns.Find(c => c.Field == field);

    /// <summary>
    /// Binds each field whose mapped name (a path relative to <paramref name="group"/>) is a dataset
    /// there, and checks the fields every ingest needs are present.
    /// </summary>
    /// <param name="where">The file, or file/group, that errors name.</param>
    /// <param name="episodeFromGroup">The group's name gives the episode id (Minari), so no dataset is looked up for it.</param>
    public static Hdf5Table Bind(NativeGroup group, string where, TransitionAssembler sink, bool episodeFromGroup)
    {
        var map = sink.Map;
        var columns = new List<Hdf5Column>();
        var bound = new HashSet<string>(StringComparer.Ordinal);
        for (int f = 0; f < LogFields.Count; f++)
        {
            var field = (LogField)f;
            if (field == LogField.EpisodeId && episodeFromGroup) continue;
            string name = map.Column(field);
            if (!Hdf5LogReader.Guard(where, name, () => group.LinkExists(name))) continue;
            if (LogFields.IsText(field))
                throw TransitionAssembler.FileError(where, name, $"text fields are not read from HDF5 files; give --{LogFields.SchemaName(field)} instead");
            var item = Hdf5LogReader.Guard(where, name, () => group.Get(name));
            if (item is not NativeDataset dataset)
                throw TransitionAssembler.FileError(where, name, "a group, expected a dataset (dictionary observation and action spaces are not supported)");
            columns.Add(Hdf5Column.Bind(dataset, field, name, where));
            bound.Add(name);
        }
        foreach (var child in Hdf5LogReader.Guard(where, "(group)", () => group.Children().ToList()))
            if (!bound.Contains(child.Name)) sink.IgnoreColumn(child.Name);

        var table = new Hdf5Table(columns);
        foreach (var required in (ReadOnlySpan<LogField>)[LogField.Obs, LogField.Action, LogField.Reward])
            if (table.Column(required) is null)
            {
                string name = map.Column(required);
                throw TransitionAssembler.FileError(where, name,
                    $"missing required dataset '{name}'; use --map {LogFields.SchemaName(required)}=DATASET if it has another name (D4RL and DSRL files: --map d4rl; Minari: --map minari)");
            }
        if (table.Column(LogField.Cost) is null && table.Column(LogField.Unsafe) is null)
            throw TransitionAssembler.FileError(where, map.Column(LogField.Cost),
                $"missing required dataset: give '{map.Column(LogField.Cost)}' or '{map.Column(LogField.Unsafe)}' (use --map cost=DATASET or unsafe=DATASET)");
        return table;
    }

    public void Load(long start, int count)
    {
        foreach (var c in _columns) c.Load(start, count);
    }

    /// <summary>Fills the row from every column that has row <paramref name="index"/> (Minari's final observation has only observations).</summary>
    public void Fill(LogRow row, long index)
    {
        _current = index;
        foreach (var c in _columns)
            if (c.Holds(index)) c.Fill(row, index);
    }

    public string RawText()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var c in _columns)
                if (c.Holds(_current)) c.Write(w, _current);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
