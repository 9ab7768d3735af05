namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// What each column of a tabular file (CSV header, Parquet schema) supplies, checked once per
/// file: vectors either as one array column or as contiguous flattened name_0..name_{n-1} columns.
/// </summary>
internal sealed class ColumnBinding
{
    public const int Ignored = -1;

    private ColumnBinding(int[] fields, int[] elements, int[] widths, string[] names)
    {
        Fields = fields;
        Elements = elements;
        Widths = widths;
        Names = names;
    }

    /// <summary>Per column: the <see cref="LogField"/> it supplies, or <see cref="Ignored"/>.</summary>
    public int[] Fields { get; }

    /// <summary>Per column: the element index of a flattened vector column, else -1.</summary>
    public int[] Elements { get; }

    /// <summary>Per vector field: the flattened width, or 0 when the vector is an array column.</summary>
    public int[] Widths { get; }

    public string[] Names { get; }

    public bool Has(LogField field)
    {
        foreach (var f in Fields) if (f == (int)field) return true;
        return false;
    }

    public static ColumnBinding Bind(IReadOnlyList<string> columns, string file, TransitionAssembler sink)
    {
        var map = sink.Map;
        int n = columns.Count;
        var fields = new int[n];
        var elements = new int[n];
        var widths = new int[LogFields.Count];
        var seen = new Dictionary<(int, int), string>();
        bool[] asArray = new bool[LogFields.Count];
        for (int c = 0; c < n; c++)
        {
            if (!map.TryResolve(columns[c], out var field, out int element) || (element >= 0 && !LogFields.IsVector(field)))
            {
                fields[c] = Ignored;
                elements[c] = -1;
                sink.IgnoreColumn(columns[c]);
                continue;
            }
            if (!seen.TryAdd(((int)field, element), columns[c]))
                throw TransitionAssembler.FileError(file, columns[c], "column appears twice");
            fields[c] = (int)field;
            elements[c] = element;
            if (element >= 0) widths[(int)field] = Math.Max(widths[(int)field], element + 1);
            else if (LogFields.IsVector(field)) asArray[(int)field] = true;
        }
        for (int f = 0; f < LogFields.Count; f++)
        {
            if (widths[f] == 0) continue;
            string name = map.Column((LogField)f);
            if (asArray[f])
                throw TransitionAssembler.FileError(file, name, $"both '{name}' and flattened '{name}_k' columns are present; give one layout");
            for (int k = 0; k < widths[f]; k++)
                if (!seen.ContainsKey((f, k)))
                    throw TransitionAssembler.FileError(file, $"{name}_{k}", $"missing column: flattened '{name}' has columns up to {name}_{widths[f] - 1}");
        }
        var binding = new ColumnBinding(fields, elements, widths, [.. columns]);
        foreach (var required in (ReadOnlySpan<LogField>)[LogField.Obs, LogField.Action, LogField.Reward])
            if (!binding.Has(required))
            {
                string name = map.Column(required);
                throw TransitionAssembler.FileError(file, name, $"missing required column '{name}'{(LogFields.IsVector(required) ? $" (or {name}_0, {name}_1, ...)" : "")}; use --map {LogFields.SchemaName(required)}=COLUMN if it has another name");
            }
        if (!binding.Has(LogField.Cost) && !binding.Has(LogField.Unsafe))
            throw TransitionAssembler.FileError(file, map.Column(LogField.Cost),
                $"missing required column: give '{map.Column(LogField.Cost)}' or '{map.Column(LogField.Unsafe)}' (use --map cost=COLUMN or unsafe=COLUMN)");
        return binding;
    }

    /// <summary>Prepares the row's vectors for this file's layout.</summary>
    public void Reset(LogRow row)
    {
        foreach (var f in (ReadOnlySpan<LogField>)[LogField.Obs, LogField.Action, LogField.NextObs])
        {
            int w = Widths[(int)f];
            if (w > 0) row.Vector(f).ResetFlattened(w);
            else row.Vector(f).ResetArray();
        }
    }
}
