using System.Globalization;
using OfflineSafety.Ingest.Datasets.Delta;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Datasets;

/// <summary>An equality predicate on one of the columns rows can be deleted by: source, variant or episode_id.</summary>
public sealed record RowFilter(string Column, string Value)
{
    public static RowFilter Parse(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new OfflineSafety.Errors.BadInputException($"filter '{text}': expected COLUMN=VALUE with COLUMN one of source, variant, episode_id");
        var filter = new RowFilter(text[..eq].Trim(), text[(eq + 1)..]);
        if (filter.Column is not (TransitionColumns.Source or TransitionColumns.Variant or TransitionColumns.EpisodeId))
            throw new OfflineSafety.Errors.BadInputException($"filter '{text}': column '{filter.Column}' is not one of source, variant, episode_id");
        if (filter.Column == TransitionColumns.EpisodeId && !long.TryParse(filter.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new OfflineSafety.Errors.BadInputException($"filter '{text}': episode_id '{filter.Value}' is not an integer");
        return filter;
    }

    public long EpisodeId => long.Parse(Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>Whether row <paramref name="i"/> of <paramref name="batch"/> matches.</summary>
    public bool Matches(TransitionBatch batch, int i) => Column switch
    {
        TransitionColumns.Source => batch.Source[i] == Value,
        TransitionColumns.Variant => batch.Variant[i] == Value,
        _ => batch.EpisodeId[i] == EpisodeId,
    };

    /// <summary>False when the file's partition value or stats prove that no row can match.</summary>
    public bool MayMatch(AddFile file)
    {
        if (Column == TransitionColumns.Variant)
            return file.PartitionValues.TryGetValue(TransitionColumns.Variant, out var v) ? v == Value : true;
        var bounds = TransitionFileStats.Bounds(file, Column);
        if (bounds is not { } b) return true;
        if (Column == TransitionColumns.EpisodeId)
            return b.Min.GetInt64() <= EpisodeId && EpisodeId <= b.Max.GetInt64();
        return string.CompareOrdinal(b.Min.GetString(), Value) <= 0 && string.CompareOrdinal(Value, b.Max.GetString()) <= 0;
    }

    /// <summary>The predicate as commitInfo records it (SQL-like, as other Delta engines do).</summary>
    public string ToPredicate() => Column == TransitionColumns.EpisodeId ? $"{Column} = {Value}" : $"{Column} = '{Value.Replace("'", "''")}'";

    public override string ToString() => $"{Column}={Value}";
}
