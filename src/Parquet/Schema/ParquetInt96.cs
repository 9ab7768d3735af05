using System.Buffers.Binary;

namespace OfflineSafety.Parquet.Schema;

/// <summary>
/// The legacy INT96 timestamp layout (Impala/Spark): 8 little-endian bytes of nanoseconds within
/// the day, then 4 bytes of Julian day number. Values are read as 12-byte arrays; this converts them.
/// </summary>
public static class ParquetInt96
{
    private const long UnixEpochJulianDay = 2_440_588;

    public static DateTime ToDateTime(ReadOnlySpan<byte> value)
    {
        if (value.Length != 12) throw new ArgumentException($"INT96 values have 12 bytes, not {value.Length}", nameof(value));
        long nanos = BinaryPrimitives.ReadInt64LittleEndian(value);
        long day = BinaryPrimitives.ReadInt32LittleEndian(value[8..]);
        return DateTime.UnixEpoch.AddDays(day - UnixEpochJulianDay).AddTicks(nanos / 100);
    }

    public static byte[] FromDateTime(DateTime utc)
    {
        long ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        long day = Math.DivRem(ticks, TimeSpan.TicksPerDay, out long rem);
        if (rem < 0)
        {
            rem += TimeSpan.TicksPerDay;
            day--;
        }
        var bytes = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, rem * 100);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), checked((int)(day + UnixEpochJulianDay)));
        return bytes;
    }
}
