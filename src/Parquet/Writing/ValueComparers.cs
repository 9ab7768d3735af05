using System.Runtime.InteropServices;

namespace OfflineSafety.Parquet.Writing;

/// <summary>
/// Dictionary keys compare floats by bit pattern (NaN equals itself, -0 differs from +0) so a
/// dictionary round trip reproduces every value exactly; byte arrays compare by content.
/// </summary>
internal sealed class ValueComparers : IEqualityComparer<float>, IEqualityComparer<double>, IEqualityComparer<byte[]>
{
    public static readonly ValueComparers Instance = new();

    public bool Equals(float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y);
    public int GetHashCode(float obj) => BitConverter.SingleToInt32Bits(obj);
    public bool Equals(double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y);
    public int GetHashCode(double obj) => BitConverter.DoubleToInt64Bits(obj).GetHashCode();
    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj)
    {
        var h = new HashCode();
        h.AddBytes(obj);
        return h.ToHashCode();
    }

    public static IEqualityComparer<T>? For<T>()
    {
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(byte[])) return (IEqualityComparer<T>)(object)Instance;
        if (typeof(T) == typeof(string)) return (IEqualityComparer<T>)(object)StringComparer.Ordinal;
        return null;
    }
}
