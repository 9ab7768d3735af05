using System.Text;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// Which log column supplies each transition field. Starts from the schema's own names and is
/// changed by presets for common offline-RL layouts and by explicit <c>name=column</c> pairs.
/// </summary>
public sealed class FieldMap
{
    private readonly string[] _columns = new string[LogFields.Count];
    private readonly byte[][] _utf8 = new byte[LogFields.Count][];

    /// <summary>The schema's own names (episode_id, step, obs, action, ...).</summary>
    public FieldMap()
    {
        for (int i = 0; i < LogFields.Count; i++) Set((LogField)i, LogFields.SchemaName((LogField)i));
    }

    /// <summary>Preset names accepted in <c>--map</c>, each with the layout it stands for.</summary>
    public static IReadOnlyDictionary<string, string> Presets { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["d4rl"] = "D4RL/DSRL flat arrays: observations, next_observations, actions, rewards, costs, terminals, timeouts",
        ["dsrl"] = "same as d4rl",
        ["minari"] = "Minari episodes: observations (one more than actions per episode), actions, rewards, costs, terminations, truncations, episode_id",
    };

    public string Column(LogField field) => _columns[(int)field];

    internal ReadOnlySpan<byte> ColumnUtf8(LogField field) => _utf8[(int)field];

    public void Set(LogField field, string column)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        _columns[(int)field] = column;
        _utf8[(int)field] = Encoding.UTF8.GetBytes(column);
    }

    /// <summary>
    /// Parses <c>--map</c> text: comma-separated items, each a preset name (d4rl, dsrl, minari) or
    /// <c>field=column</c>. Items apply left to right, so <c>d4rl,unsafe=crashed</c> adjusts a preset.
    /// </summary>
    public static FieldMap Parse(string? text)
    {
        var map = new FieldMap();
        if (string.IsNullOrWhiteSpace(text)) return map;
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = raw.IndexOf('=');
            if (eq < 0)
            {
                map.ApplyPreset(raw);
                continue;
            }
            var name = raw[..eq].Trim();
            var column = raw[(eq + 1)..].Trim();
            if (!LogFields.TryParse(name, out var field))
                throw new OfflineSafety.Errors.BadInputException($"--map: unknown field '{name}' in '{raw}'; fields are {string.Join(", ", Enumerable.Range(0, LogFields.Count).Select(i => LogFields.SchemaName((LogField)i)))}");
            if (column.Length == 0) throw new OfflineSafety.Errors.BadInputException($"--map: empty column name in '{raw}'");
            map.Set(field, column);
        }
        return map;
    }

    private void ApplyPreset(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "d4rl":
            case "dsrl":
                Set(LogField.Obs, "observations");
                Set(LogField.NextObs, "next_observations");
                Set(LogField.Action, "actions");
                Set(LogField.Reward, "rewards");
                Set(LogField.Cost, "costs");
                Set(LogField.Terminal, "terminals");
                Set(LogField.Truncated, "timeouts");
                break;
            case "minari":
                Set(LogField.Obs, "observations");
                Set(LogField.Action, "actions");
                Set(LogField.Reward, "rewards");
                Set(LogField.Cost, "costs");
                Set(LogField.Terminal, "terminations");
                Set(LogField.Truncated, "truncations");
                Set(LogField.EpisodeId, "episode_id");
                break;
            default:
                throw new OfflineSafety.Errors.BadInputException($"--map: '{name}' is neither a preset ({string.Join(", ", Presets.Keys)}) nor field=column");
        }
    }

    /// <summary>
    /// Resolves one column name to the field it supplies: the mapped name itself (a scalar, or a
    /// vector held as an array), or <c>name_k</c> for element k of a flattened vector.
    /// </summary>
    public bool TryResolve(string column, out LogField field, out int element)
    {
        for (int i = 0; i < LogFields.Count; i++)
        {
            if (string.Equals(_columns[i], column, StringComparison.Ordinal))
            {
                field = (LogField)i;
                element = -1;
                return true;
            }
        }
        for (int i = 0; i < LogFields.Count; i++)
        {
            if (!LogFields.IsVector((LogField)i)) continue;
            var name = _columns[i];
            if (column.Length > name.Length + 1 && column.StartsWith(name, StringComparison.Ordinal) && column[name.Length] == '_'
                && int.TryParse(column.AsSpan(name.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out element))
            {
                field = (LogField)i;
                return true;
            }
        }
        field = default;
        element = -1;
        return false;
    }

    /// <summary>Span form of <see cref="TryResolve(string, out LogField, out int)"/> for UTF-8 keys (no allocation).</summary>
    internal bool TryResolve(ReadOnlySpan<byte> column, out LogField field, out int element)
    {
        for (int i = 0; i < LogFields.Count; i++)
        {
            if (column.SequenceEqual(_utf8[i]))
            {
                field = (LogField)i;
                element = -1;
                return true;
            }
        }
        for (int i = 0; i < LogFields.Count; i++)
        {
            if (!LogFields.IsVector((LogField)i)) continue;
            var name = _utf8[i];
            if (column.Length > name.Length + 1 && column.StartsWith(name) && column[name.Length] == (byte)'_'
                && System.Buffers.Text.Utf8Parser.TryParse(column[(name.Length + 1)..], out element, out int used) && used == column.Length - name.Length - 1 && element >= 0)
            {
                field = (LogField)i;
                return true;
            }
        }
        field = default;
        element = -1;
        return false;
    }
}
