namespace OfflineSafety.Parquet;

/// <summary>
/// A well-formed Parquet file that uses a feature this reader does not implement (ZSTD, LZ4 or LZO
/// pages, BIT_PACKED levels, encrypted footers, columns in other files). It is the file's property,
/// not a bug, so front ends report it in one line; other <see cref="NotSupportedException"/>s stay bugs.
/// </summary>
public sealed class ParquetNotSupportedException(string message) : NotSupportedException(message);
