using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Writing;

/// <summary>Settings for <see cref="ParquetFileWriter"/>. Defaults suit transition tables.</summary>
public sealed record ParquetWriteOptions
{
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>1 writes DATA_PAGE (the widest-read form); 2 writes DATA_PAGE_V2 (levels left uncompressed).</summary>
    public int DataPageVersion { get; init; } = 1;

    /// <summary>A page is cut once its encoded values and levels reach this size (at a row boundary).</summary>
    public int PageSizeBytes { get; init; } = 1 << 20;

    /// <summary>
    /// A row group is closed once the buffered, encoded (uncompressed) size of its pages reaches this.
    /// Memory use of a writer is about one row group of compressed pages.
    /// </summary>
    public long RowGroupSizeBytes { get; init; } = 64L << 20;

    /// <summary>Upper bound on rows in one row group, whatever its size.</summary>
    public long MaxRowGroupRows { get; init; } = 1 << 20;

    /// <summary>Dictionary-encode columns that benefit; boolean columns never use a dictionary.</summary>
    public bool EnableDictionary { get; init; } = true;

    /// <summary>A column falls back to PLAIN for the rest of its chunk once its dictionary page reaches this size.</summary>
    public int DictionaryPageSizeLimit { get; init; } = 1 << 20;

    public bool WriteStatistics { get; init; } = true;

    /// <summary>
    /// Write the CRC-32 of every page's stored bytes in its header (the format's optional `crc`
    /// field), so a reader detects a flipped or truncated page instead of decoding wrong values.
    /// </summary>
    public bool PageChecksums { get; init; } = true;

    /// <summary>
    /// Per-column value encoding (dotted leaf path or single-leaf field name), overriding dictionary
    /// and PLAIN: DELTA_BINARY_PACKED (INT32/INT64), DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY
    /// (BYTE_ARRAY), BYTE_STREAM_SPLIT (FLOAT/DOUBLE/INT32/INT64/FIXED_LEN_BYTE_ARRAY), RLE (BOOLEAN), PLAIN.
    /// </summary>
    public IReadOnlyDictionary<string, ParquetEncoding>? ColumnEncodings { get; init; }

    /// <summary>Key/value metadata written in the footer (more can be added with <see cref="ParquetFileWriter.SetMetadata"/>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public string CreatedBy { get; init; } = "OfflineSafety parquet";

    /// <summary>How many columns of a batch are encoded and compressed at once.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));
}
