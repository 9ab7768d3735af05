using System.Numerics;
using System.Reflection;
using OfflineSafety.Interop.Tests.Parquet;
using OfflineSafety.Parquet.Schema;
using Parquet;
using Parquet.Schema;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// Parquet.Net (a managed reader independent of ours and of Arrow's) read through its raw column
/// API, which returns definition levels, repetition levels and the non-null values as separate
/// buffers. Its typed ReadAsync is avoided for repeated columns: see
/// ParquetNetPeerTests.Parquet_Net_6_1_typed_read_of_a_list_column_mis_sizes_its_definition_levels.
/// Parquet.Net hands values back as CLR types (DateTime, decimal, uint, ...); they are turned back
/// into the physical value the file holds, using the column's logical type, before comparing.
/// </summary>
public static class ParquetNetPeer
{
    private static readonly MethodInfo ReadTypedMethod =
        typeof(ParquetNetPeer).GetMethod(nameof(ReadTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static async Task<List<LeafColumn>> ReadLeavesAsync(string path, OfflineSafety.Parquet.Schema.ParquetSchema ours, Func<ParquetColumn, bool>? columns = null)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        var leaves = new List<LeafColumn>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var rowGroup = reader.OpenRowGroupReader(g);
            foreach (var field in fields)
            {
                string name = string.Join(".", field.Path.ToList());
                var column = ours.Columns.Single(c => string.Join(".", c.Path) == name);
                if (columns?.Invoke(column) == false) continue;
                (int[] Defs, int[] Reps, object[] Values) read;
                try
                {
                    read = field.ClrType == typeof(string) || field.ClrType == typeof(byte[])
                        ? await ReadByteArraysAsync(rowGroup, field)
                        : await (Task<(int[] Defs, int[] Reps, object[] Values)>)ReadTypedMethod.MakeGenericMethod(field.ClrType).Invoke(null, [rowGroup, field])!;
                }
                catch (Exception e) when (e is not PeerFailure)
                {
                    throw new PeerFailure($"Parquet.Net failed on {path}, row group {g}, column {name} ({field.ClrType.Name}): {e.GetType().Name}: {e.Message}", e);
                }
                var (defs, reps, values) = read;
                int levels = (int)rowGroup.GetMetadata(field)!.MetaData!.NumValues;
                leaves.Add(new LeafColumn(g, name,
                    column.MaxDefinitionLevel == 0 ? new short[levels] : defs.Select(d => (short)d).ToArray(),
                    column.MaxRepetitionLevel == 0 ? new short[levels] : reps.Select(r => (short)r).ToArray(),
                    values.Select(v => LeafColumn.Render(ToPhysical(v, column))).ToArray()));
            }
        }
        return leaves;
    }

    // Buffers sized by the chunk's level count; the values present are the entries at the full definition level.
    private static async Task<(int[] Defs, int[] Reps, object[] Values)> ReadTypedAsync<T>(ParquetRowGroupReader rowGroup, DataField field) where T : struct
    {
        int levels = (int)rowGroup.GetMetadata(field)!.MetaData!.NumValues;
        var values = new T[levels];
        var defs = new int[levels];
        var reps = new int[levels];
        await rowGroup.ReadRawAsync<T>(field, values, defs, reps, CancellationToken.None);
        int count = field.MaxDefinitionLevel == 0 ? levels : defs.Count(d => d == field.MaxDefinitionLevel);
        return (defs, reps, values.Take(count).Select(v => (object)v).ToArray());
    }

    /// <summary>
    /// The raw API takes value types only; strings and byte arrays come through the typed API, one
    /// entry per level with null where no value is. It does not say at which level a value is
    /// missing, so these leaves carry <see cref="Absent"/> for every missing value; compare them
    /// with <see cref="Comparable"/>.
    /// </summary>
    private static async Task<(int[] Defs, int[] Reps, object[] Values)> ReadByteArraysAsync(ParquetRowGroupReader rowGroup, DataField field)
    {
        int levels = (int)rowGroup.GetMetadata(field)!.MetaData!.NumValues;
        var reps = new int[levels];
        object?[] entries;
        if (field.ClrType == typeof(string))
        {
            var strings = new string?[levels];
            await rowGroup.ReadAsync(field, strings!, reps, CancellationToken.None);
            entries = strings;
        }
        else
        {
            var bytes = new byte[]?[levels];
            await rowGroup.ReadAsync(field, bytes!, reps, CancellationToken.None);
            entries = bytes;
        }
        var defs = entries.Select(e => e is null ? Absent : field.MaxDefinitionLevel).ToArray();
        return (defs, reps, entries.Where(e => e is not null).Select(e => e!).ToArray());
    }

    public const short Absent = -1;

    /// <summary>Our leaves as Parquet.Net's leaves show them: where it read through the typed API, below the full definition level is just absent.</summary>
    public static List<LeafColumn> Comparable(IReadOnlyList<LeafColumn> ours, IReadOnlyList<LeafColumn> peer, OfflineSafety.Parquet.Schema.ParquetSchema schema) =>
        ours.Select((leaf, i) =>
        {
            if (i >= peer.Count || !peer[i].DefinitionLevels.Contains(Absent)) return leaf;
            int max = schema.Columns.Single(c => string.Join(".", c.Path) == leaf.Path).MaxDefinitionLevel;
            return leaf with { DefinitionLevels = leaf.DefinitionLevels.Select(d => d == max ? d : Absent).ToArray() };
        }).ToList();

    /// <summary>Reads with Parquet.Net and asserts it sees the leaves we see in <paramref name="path"/>.</summary>
    public static async Task AssertReadsLikeOursAsync(string path, OfflineSafety.Parquet.Schema.ParquetSchema schema, string what,
        Func<ParquetColumn, bool>? columns = null)
    {
        var ours = LeafColumn.ReadOurs(path).Where(l => columns?.Invoke(schema.Columns.Single(c => string.Join(".", c.Path) == l.Path)) != false).ToList();
        var peer = await ReadLeavesAsync(path, schema, columns);
        LeafColumn.AssertEqual(Comparable(ours, peer, schema), peer, what);
    }

    /// <summary>Parquet.Net's CLR value back to the physical value stored for <paramref name="column"/>.</summary>
    public static object ToPhysical(object value, ParquetColumn column)
    {
        var logical = column.LogicalType;
        return (value, column.PhysicalType) switch
        {
            (ReadOnlyMemory<byte> v, _) => v.ToArray(),
            (ReadOnlyMemory<char> v, _) => v.ToString(),
            (byte v, _) => (int)v,
            (sbyte v, _) => (int)v,
            (short v, _) => (int)v,
            (ushort v, _) => (int)v,
            (uint v, _) => unchecked((int)v),
            (ulong v, _) => unchecked((long)v),
            (DateOnly v, ParquetPhysicalType.Int32) => v.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber,
            (DateTime v, ParquetPhysicalType.Int32) => (int)(v - DateTime.UnixEpoch).TotalDays,
            (DateTime v, ParquetPhysicalType.Int64) => (v - DateTime.UnixEpoch).Ticks / TicksPer(logical),
            (decimal v, ParquetPhysicalType.Int32) => (int)Unscaled(v, logical!.Scale),
            (decimal v, ParquetPhysicalType.Int64) => (long)Unscaled(v, logical!.Scale),
            _ => value,
        };
    }

    private static long TicksPer(ParquetLogicalType? logical) => logical?.Unit switch
    {
        ParquetTimeUnit.Millis => TimeSpan.TicksPerMillisecond,
        ParquetTimeUnit.Micros => TimeSpan.TicksPerMicrosecond,
        _ => throw new NotSupportedException($"timestamp unit {logical?.Unit} in a Parquet.Net comparison"),
    };

    private static BigInteger Unscaled(decimal value, int scale) => new(value * (decimal)Math.Pow(10, scale));
}

/// <summary>A peer's own failure on a file, naming the file and column it failed on.</summary>
public sealed class PeerFailure(string message, Exception inner) : Exception(message, inner);
