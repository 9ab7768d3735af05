using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OfflineSafety.Parquet.Encodings;
using OfflineSafety.Parquet.Format;
using OfflineSafety.Parquet.Schema;

namespace OfflineSafety.Parquet.Writing;

/// <summary>
/// Min/max of a column chunk under the column's type-defined order: signed or unsigned integers
/// (by the INT logical type), IEEE floats ignoring NaN (so a chunk with NaNs still gets bounds
/// that are true for every non-NaN value, and readers that prune never drop a match), false &lt; true,
/// and unsigned byte-wise order for byte arrays.
/// </summary>
internal sealed class ChunkStatistics<T>
{
    /// <summary>Byte-array bounds longer than this are not written: truncating them would need inexact bounds.</summary>
    private const int MaxBoundBytes = 1024;

    private readonly bool _unsigned;
    private readonly bool _enabled;
    private bool _has;
    private T _min = default!;
    private T _max = default!;
    private byte[]? _minBytes, _maxBytes;
    private bool _bytesTooLong;

    public ChunkStatistics(ParquetColumn column, bool enabled)
    {
        _unsigned = column.LogicalType is { Kind: ParquetLogicalKind.Integer, IsSigned: false };
        // Decimal byte arrays sort as signed big-endian numbers; INT96 has no defined order. Skip both.
        _enabled = enabled && !(column.PhysicalType is ParquetPhysicalType.Int96
            || (column.LogicalType?.Kind == ParquetLogicalKind.Decimal && column.PhysicalType is ParquetPhysicalType.ByteArray or ParquetPhysicalType.FixedLenByteArray));
    }

    public void Reset()
    {
        _has = false;
        _minBytes = _maxBytes = null;
        _bytesTooLong = false;
    }

    public void AddValues(ReadOnlySpan<T> values)
    {
        if (!_enabled || values.IsEmpty) return;
        if (typeof(T) == typeof(int))
        {
            var v = SpanCast.As<T, int>(values);
            if (_unsigned) AddUnsigned32(v);
            else AddOrdered(v);
        }
        else if (typeof(T) == typeof(long))
        {
            var v = SpanCast.As<T, long>(values);
            if (_unsigned) AddUnsigned64(v);
            else AddOrdered(v);
        }
        else if (typeof(T) == typeof(float)) AddIeee(SpanCast.As<T, float>(values));
        else if (typeof(T) == typeof(double)) AddIeee(SpanCast.As<T, double>(values));
        else if (typeof(T) == typeof(bool))
        {
            var v = SpanCast.As<T, bool>(values);
            bool anyTrue = v.Contains(true), anyFalse = v.Contains(false);
            var mn = Unsafe.As<T, bool>(ref _min);
            var mx = Unsafe.As<T, bool>(ref _max);
            bool min = _has ? mn && !anyFalse : !anyFalse;
            bool max = _has ? mx || anyTrue : anyTrue;
            _min = Unsafe.As<bool, T>(ref min);
            _max = Unsafe.As<bool, T>(ref max);
            _has = true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddOrdered<TV>(ReadOnlySpan<TV> v) where TV : struct, IComparable<TV>
    {
        TV min = _has ? Unsafe.As<T, TV>(ref _min) : v[0], max = _has ? Unsafe.As<T, TV>(ref _max) : v[0];
        foreach (var x in v)
        {
            if (x.CompareTo(min) < 0) min = x;
            if (x.CompareTo(max) > 0) max = x;
        }
        _min = Unsafe.As<TV, T>(ref min);
        _max = Unsafe.As<TV, T>(ref max);
        _has = true;
    }

    private void AddUnsigned32(ReadOnlySpan<int> v) => AddOrdered(MemoryMarshal.Cast<int, uint>(v));
    private void AddUnsigned64(ReadOnlySpan<long> v) => AddOrdered(MemoryMarshal.Cast<long, ulong>(v));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddIeee<TF>(ReadOnlySpan<TF> v) where TF : struct, IFloatingPointIeee754<TF>
    {
        TF min = _has ? Unsafe.As<T, TF>(ref _min) : TF.PositiveInfinity;
        TF max = _has ? Unsafe.As<T, TF>(ref _max) : TF.NegativeInfinity;
        bool any = _has;
        foreach (var x in v)
        {
            if (TF.IsNaN(x)) continue;
            any = true;
            if (x < min) min = x;
            if (x > max) max = x;
        }
        if (!any) return;
        _min = Unsafe.As<TF, T>(ref min);
        _max = Unsafe.As<TF, T>(ref max);
        _has = true;
    }

    /// <summary>Adds one byte-array value (its bytes as stored, without the length prefix).</summary>
    public void AddBytes(ReadOnlySpan<byte> value)
    {
        if (!_enabled || _bytesTooLong) return;
        if (value.Length > MaxBoundBytes)
        {
            _bytesTooLong = true;
            return;
        }
        if (_minBytes is null || value.SequenceCompareTo(_minBytes) < 0) _minBytes = value.ToArray();
        if (_maxBytes is null || value.SequenceCompareTo(_maxBytes) > 0) _maxBytes = value.ToArray();
        _has = true;
    }

    public ParquetEncodedStatistics ToEncoded(long nullCount)
    {
        var s = new ParquetEncodedStatistics { NullCount = nullCount };
        if (!_enabled || !_has || _bytesTooLong) return s;
        if (_minBytes is not null)
        {
            s.MinValue = _minBytes;
            s.MaxValue = _maxBytes;
            return s;
        }
        if (typeof(T) == typeof(float))
        {
            // Spec rule for signed zeros: a zero minimum is written as -0 and a zero maximum as +0.
            float min = Unsafe.As<T, float>(ref _min), max = Unsafe.As<T, float>(ref _max);
            if (min == 0) min = -0f;
            if (max == 0) max = 0f;
            s.MinValue = Bytes(min);
            s.MaxValue = Bytes(max);
        }
        else if (typeof(T) == typeof(double))
        {
            double min = Unsafe.As<T, double>(ref _min), max = Unsafe.As<T, double>(ref _max);
            if (min == 0) min = -0d;
            if (max == 0) max = 0d;
            s.MinValue = Bytes(min);
            s.MaxValue = Bytes(max);
        }
        else if (typeof(T) == typeof(bool))
        {
            s.MinValue = [Unsafe.As<T, bool>(ref _min) ? (byte)1 : (byte)0];
            s.MaxValue = [Unsafe.As<T, bool>(ref _max) ? (byte)1 : (byte)0];
        }
        else if (typeof(T) == typeof(int))
        {
            s.MinValue = Bytes(Unsafe.As<T, int>(ref _min));
            s.MaxValue = Bytes(Unsafe.As<T, int>(ref _max));
        }
        else if (typeof(T) == typeof(long))
        {
            s.MinValue = Bytes(Unsafe.As<T, long>(ref _min));
            s.MaxValue = Bytes(Unsafe.As<T, long>(ref _max));
        }
        // Signed numbers order the same under the legacy (signed) rules; old readers use min/max.
        if (!_unsigned && typeof(T) != typeof(bool))
        {
            s.Min = s.MinValue;
            s.Max = s.MaxValue;
        }
        return s;
    }

    private static byte[] Bytes<TV>(TV value) where TV : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<TV>(in value)).ToArray();
}
