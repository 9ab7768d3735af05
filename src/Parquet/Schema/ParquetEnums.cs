namespace OfflineSafety.Parquet.Schema;

/// <summary>Physical storage types; the numbers are the format's Thrift enum values.</summary>
public enum ParquetPhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    /// <summary>Legacy 12-byte timestamps: readable, never written.</summary>
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

public enum ParquetRepetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}

/// <summary>Page compression codecs; the numbers are the format's Thrift enum values.</summary>
public enum ParquetCompression
{
    Uncompressed = 0,
    Snappy = 1,
    Gzip = 2,
    Lzo = 3,
    Brotli = 4,
    Lz4 = 5,
    Zstd = 6,
    Lz4Raw = 7,
}

/// <summary>Value and level encodings; the numbers are the format's Thrift enum values.</summary>
public enum ParquetEncoding
{
    Plain = 0,
    PlainDictionary = 2,
    Rle = 3,
    BitPacked = 4,
    DeltaBinaryPacked = 5,
    DeltaLengthByteArray = 6,
    DeltaByteArray = 7,
    RleDictionary = 8,
    ByteStreamSplit = 9,
}
