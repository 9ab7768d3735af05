using System.Text;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Reading;

/// <summary>
/// A range predicate on one column used to skip row groups from their statistics: a row group is
/// skipped only when its min/max prove that no value lies in [<see cref="Min"/>, <see cref="Max"/>]
/// (a null bound is open). Rows inside kept row groups are not filtered.
/// </summary>
public sealed record ParquetFilter(string Column, object? Min, object? Max)
{
    public static ParquetFilter Between(string column, object min, object max) => new(column, min, max);
    public static ParquetFilter EqualTo(string column, object value) => new(column, value, value);
    public static ParquetFilter AtLeast(string column, object min) => new(column, min, null);
    public static ParquetFilter AtMost(string column, object max) => new(column, null, max);

    /// <summary>False when the statistics prove no value of the chunk can satisfy this filter.</summary>
    internal bool MayMatch(ParquetColumn column, ParquetStatistics? stats)
    {
        if (stats?.Min is null || stats.Max is null) return true;
        if (Min is not null && Compare(column, stats.Max, Min) < 0) return false;
        if (Max is not null && Compare(column, stats.Min, Max) > 0) return false;
        return true;
    }

    /// <summary>Compares a statistics bound (column value type) with a filter bound (any compatible value) in the column's order.</summary>
    private static int Compare(ParquetColumn column, object stat, object bound)
    {
        switch (stat)
        {
            case int i when column.LogicalType is { Kind: ParquetLogicalKind.Integer, IsSigned: false }:
                return ((ulong)(uint)i).CompareTo(Convert.ToUInt64(bound));
            case long l when column.LogicalType is { Kind: ParquetLogicalKind.Integer, IsSigned: false }:
                return ((ulong)l).CompareTo(Convert.ToUInt64(bound));
            case int i:
                return ((long)i).CompareTo(Convert.ToInt64(bound));
            case long l:
                return l.CompareTo(Convert.ToInt64(bound));
            case float f:
            {
                double b = Convert.ToDouble(bound);
                return double.IsNaN(b) ? 0 : ((double)f).CompareTo(b);
            }
            case double d:
            {
                double b = Convert.ToDouble(bound);
                return double.IsNaN(b) ? 0 : d.CompareTo(b);
            }
            case bool x:
                return x.CompareTo(Convert.ToBoolean(bound));
            case string s:
                return Encoding.UTF8.GetBytes(s).AsSpan().SequenceCompareTo(BoundBytes(bound));
            case byte[] b:
                return b.AsSpan().SequenceCompareTo(BoundBytes(bound));
            default:
                return 0;
        }
    }

    private static byte[] BoundBytes(object bound) => bound switch
    {
        string s => Encoding.UTF8.GetBytes(s),
        byte[] b => b,
        _ => throw new ArgumentException($"filter bound {bound} ({bound.GetType().Name}) cannot be compared with a byte-array column"),
    };
}

/// <summary>Options for the row API (<see cref="ParquetFileReader.ReadRows"/>).</summary>
public sealed record ParquetReadOptions
{
    /// <summary>Top-level field names, group paths or dotted leaf paths to read; null reads every column.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>Row groups whose statistics rule out any of these filters are skipped.</summary>
    public IReadOnlyList<ParquetFilter>? Filters { get; init; }
}
