using OfflineSafety.Parquet.Reading;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Format;

/// <summary>The decoded file footer (the format's FileMetaData).</summary>
public sealed class ParquetFileMetadata
{
    public int Version { get; internal set; } = 1;
    public long NumRows { get; internal set; }
    public IReadOnlyList<ParquetRowGroupMetadata> RowGroups { get; internal set; } = [];
    public IReadOnlyList<KeyValuePair<string, string?>> KeyValueMetadata { get; internal set; } = [];
    public string? CreatedBy { get; internal set; }

    /// <summary>True when the footer declares type-defined ordering for every column (min_value/max_value are trustworthy).</summary>
    public bool HasTypeDefinedColumnOrders { get; internal set; }

    internal List<SchemaElement> Schema { get; set; } = [];
    internal int ColumnOrderCount { get; set; }

    /// <summary>Value of a key/value metadata entry, or null.</summary>
    public string? GetMetadata(string key)
    {
        foreach (var kv in KeyValueMetadata)
            if (kv.Key == key) return kv.Value;
        return null;
    }
}

public sealed class ParquetRowGroupMetadata
{
    public IReadOnlyList<ParquetColumnChunkMetadata> Columns { get; internal set; } = [];
    public long TotalByteSize { get; internal set; }
    public long NumRows { get; internal set; }
    public long? FileOffset { get; internal set; }
    public long? TotalCompressedSize { get; internal set; }
    public short? Ordinal { get; internal set; }
}

public sealed class ParquetColumnChunkMetadata
{
    public string? FilePath { get; internal set; }
    public long FileOffset { get; internal set; }
    public ParquetPhysicalType PhysicalType { get; internal set; }
    public IReadOnlyList<ParquetEncoding> Encodings { get; internal set; } = [];
    public IReadOnlyList<string> PathInSchema { get; internal set; } = [];
    public ParquetCompression Codec { get; internal set; }
    /// <summary>Number of level entries (values including nulls) in the chunk.</summary>
    public long NumValues { get; internal set; }
    public long TotalUncompressedSize { get; internal set; }
    public long TotalCompressedSize { get; internal set; }
    public long DataPageOffset { get; internal set; }
    public long? IndexPageOffset { get; internal set; }
    public long? DictionaryPageOffset { get; internal set; }
    public ParquetEncodedStatistics? Statistics { get; internal set; }
    /// <summary>Offset of the chunk's first page (dictionary page if any).</summary>
    public long StartOffset => DictionaryPageOffset is > 0 and var d && d < DataPageOffset ? d : DataPageOffset;
}

/// <summary>Statistics as stored: plain-encoded bounds. <see cref="ParquetFileReader.GetStatistics"/> decodes them.</summary>
public sealed class ParquetEncodedStatistics
{
    /// <summary>Legacy bounds (signed ordering, deprecated).</summary>
    public byte[]? Max { get; internal set; }
    public byte[]? Min { get; internal set; }
    public long? NullCount { get; internal set; }
    public long? DistinctCount { get; internal set; }
    /// <summary>Bounds under the column's type-defined order.</summary>
    public byte[]? MaxValue { get; internal set; }
    public byte[]? MinValue { get; internal set; }
    public bool? IsMaxValueExact { get; internal set; }
    public bool? IsMinValueExact { get; internal set; }
}

/// <summary>Decoded column chunk statistics; bounds are physical values (see <see cref="ParquetColumn.ValueType"/>).</summary>
public sealed record ParquetStatistics(object? Min, object? Max, long? NullCount, long? DistinctCount);

internal sealed class SchemaElement
{
    public ParquetPhysicalType? Type { get; set; }
    public int? TypeLength { get; set; }
    public ParquetRepetition? Repetition { get; set; }
    public string Name { get; set; } = "";
    public int? NumChildren { get; set; }
    public int? ConvertedType { get; set; }
    public int? Scale { get; set; }
    public int? Precision { get; set; }
    public int? FieldId { get; set; }
    public ParquetLogicalType? LogicalType { get; set; }
}

internal enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}

internal sealed class PageHeader
{
    public PageType Type { get; set; }
    public int UncompressedPageSize { get; set; }
    public int CompressedPageSize { get; set; }
    public int? Crc { get; set; }
    public DataPageHeader? DataPage { get; set; }
    public DictionaryPageHeader? DictionaryPage { get; set; }
    public DataPageHeaderV2? DataPageV2 { get; set; }
}

internal sealed class DataPageHeader
{
    public int NumValues { get; set; }
    public ParquetEncoding Encoding { get; set; }
    public ParquetEncoding DefinitionLevelEncoding { get; set; } = ParquetEncoding.Rle;
    public ParquetEncoding RepetitionLevelEncoding { get; set; } = ParquetEncoding.Rle;
}

internal sealed class DictionaryPageHeader
{
    public int NumValues { get; set; }
    public ParquetEncoding Encoding { get; set; }
    public bool? IsSorted { get; set; }
}

internal sealed class DataPageHeaderV2
{
    public int NumValues { get; set; }
    public int NumNulls { get; set; }
    public int NumRows { get; set; }
    public ParquetEncoding Encoding { get; set; }
    public int DefinitionLevelsByteLength { get; set; }
    public int RepetitionLevelsByteLength { get; set; }
    public bool IsCompressed { get; set; } = true;
}
