using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OfflineSafety.Parquet.Encodings;

/// <summary>
/// Reinterprets spans inside code generic over the value type, after a <c>typeof(T) == typeof(X)</c>
/// test has established that the two types are the same (the JIT removes the untaken branches).
/// </summary>
internal static class SpanCast
{
    public static ReadOnlySpan<TTo> As<TFrom, TTo>(ReadOnlySpan<TFrom> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TFrom, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);

    public static Span<TTo> As<TFrom, TTo>(Span<TFrom> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<TFrom, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>The bytes of a span of unmanaged values whose type is only known generically.</summary>
    public static ReadOnlySpan<byte> Bytes<T>(ReadOnlySpan<T> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(span)), span.Length * Unsafe.SizeOf<T>());
}
