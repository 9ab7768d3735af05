using System.Buffers;
using System.Text;
using System.Text.Json;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>
/// Writes a batch to a local file in one of the export formats. CSV flattens vectors into
/// obs_0.., action_0.., next_obs_0.. columns (the form the CSV log reader accepts); JSONL keeps
/// them as arrays. Numbers use the shortest text that round-trips the float32 value.
/// </summary>
public static class TransitionExport
{
    public static ExportFormat FormatOf(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".parquet" => ExportFormat.Parquet,
            ".csv" => ExportFormat.Csv,
            ".jsonl" or ".ndjson" => ExportFormat.Jsonl,
            _ => throw new OfflineSafety.Errors.BadInputException($"export file '{path}': unknown extension '{ext}'; use .parquet, .csv or .jsonl"),
        };
    }

    /// <summary>Writes to a staging file beside <paramref name="path"/> and renames it into place.</summary>
    public static async Task WriteAsync(TransitionBatch batch, DatasetMetadata metadata, ExportFormat format, string path, CancellationToken ct = default)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string staged = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            await using (var stream = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                switch (format)
                {
                    case ExportFormat.Parquet:
                        await stream.WriteAsync(TransitionParquet.Write(batch, metadata), ct).ConfigureAwait(false);
                        break;
                    case ExportFormat.Csv:
                        await WriteCsvAsync(batch, stream, ct).ConfigureAwait(false);
                        break;
                    default:
                        await WriteJsonlAsync(batch, stream, ct).ConfigureAwait(false);
                        break;
                }
            }
            File.Move(staged, full, overwrite: true);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    public static async Task WriteCsvAsync(TransitionBatch b, Stream output, CancellationToken ct = default)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        var header = new List<string> { TransitionColumns.EpisodeId, TransitionColumns.Step, TransitionColumns.Variant, TransitionColumns.Source };
        for (int j = 0; j < b.ObsDim; j++) header.Add($"{TransitionColumns.Obs}_{j}");
        for (int j = 0; j < b.ActDim; j++) header.Add($"{TransitionColumns.Action}_{j}");
        for (int j = 0; j < b.ObsDim; j++) header.Add($"{TransitionColumns.NextObs}_{j}");
        header.AddRange([TransitionColumns.Reward, TransitionColumns.Cost, TransitionColumns.Unsafe, TransitionColumns.Terminal, TransitionColumns.Truncated]);
        Append(buffer, string.Join(',', header));
        Append(buffer, "\n");

        for (int i = 0; i < b.Count; i++)
        {
            Format(buffer, b.EpisodeId[i]); Comma(buffer);
            Format(buffer, b.Step[i]); Comma(buffer);
            CsvString(buffer, b.Variant[i]); Comma(buffer);
            CsvString(buffer, b.Source[i]);
            foreach (float x in b.ObsRow(i)) { Comma(buffer); Format(buffer, x); }
            foreach (float x in b.ActionRow(i)) { Comma(buffer); Format(buffer, x); }
            foreach (float x in b.NextObsRow(i)) { Comma(buffer); Format(buffer, x); }
            Comma(buffer); Format(buffer, b.Reward[i]);
            Comma(buffer); Format(buffer, b.Cost[i]);
            Comma(buffer); Append(buffer, b.Unsafe[i] ? "true" : "false");
            Comma(buffer); Append(buffer, b.Terminal[i] ? "true" : "false");
            Comma(buffer); Append(buffer, b.Truncated[i] ? "true" : "false");
            Append(buffer, "\n");
            if (buffer.WrittenCount > 1 << 20)
            {
                await output.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                buffer.ResetWrittenCount();
            }
        }
        await output.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
    }

    public static async Task WriteJsonlAsync(TransitionBatch b, Stream output, CancellationToken ct = default)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using var w = new Utf8JsonWriter(buffer);
        for (int i = 0; i < b.Count; i++)
        {
            w.Reset(buffer);
            w.WriteStartObject();
            w.WriteNumber(TransitionColumns.EpisodeId, b.EpisodeId[i]);
            w.WriteNumber(TransitionColumns.Step, b.Step[i]);
            w.WriteString(TransitionColumns.Variant, b.Variant[i]);
            w.WriteString(TransitionColumns.Source, b.Source[i]);
            JsonFloats(w, TransitionColumns.Obs, b.ObsRow(i));
            JsonFloats(w, TransitionColumns.Action, b.ActionRow(i));
            JsonFloats(w, TransitionColumns.NextObs, b.NextObsRow(i));
            w.WritePropertyName(TransitionColumns.Reward); JsonFloat(w, b.Reward[i]);
            w.WritePropertyName(TransitionColumns.Cost); JsonFloat(w, b.Cost[i]);
            w.WriteBoolean(TransitionColumns.Unsafe, b.Unsafe[i]);
            w.WriteBoolean(TransitionColumns.Terminal, b.Terminal[i]);
            w.WriteBoolean(TransitionColumns.Truncated, b.Truncated[i]);
            w.WriteEndObject();
            w.Flush();
            Append(buffer, "\n");
            if (buffer.WrittenCount > 1 << 20)
            {
                await output.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                buffer.ResetWrittenCount();
            }
        }
        await output.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
    }

    private static void JsonFloats(Utf8JsonWriter w, string name, ReadOnlySpan<float> values)
    {
        w.WriteStartArray(name);
        foreach (float x in values) JsonFloat(w, x);
        w.WriteEndArray();
    }

    // JSON has no NaN or infinity; null keeps the row and makes the gap visible.
    private static void JsonFloat(Utf8JsonWriter w, float x)
    {
        if (float.IsFinite(x)) w.WriteNumberValue(x);
        else w.WriteNullValue();
    }

    private static void Format<T>(ArrayBufferWriter<byte> buffer, T value) where T : IUtf8SpanFormattable
    {
        var span = buffer.GetSpan(32);
        if (!value.TryFormat(span, out int written, default, System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"cannot format {value}");
        buffer.Advance(written);
    }

    private static void Comma(ArrayBufferWriter<byte> buffer)
    {
        buffer.GetSpan(1)[0] = (byte)',';
        buffer.Advance(1);
    }

    private static void Append(ArrayBufferWriter<byte> buffer, string text)
    {
        int n = Encoding.UTF8.GetMaxByteCount(text.Length);
        buffer.Advance(Encoding.UTF8.GetBytes(text, buffer.GetSpan(n)));
    }

    private static void CsvString(ArrayBufferWriter<byte> buffer, string text)
    {
        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            Append(buffer, text);
            return;
        }
        Append(buffer, "\"" + text.Replace("\"", "\"\"") + "\"");
    }
}
