using System.Runtime.InteropServices;
using OfflineSafety.Interop.Tests.Parquet;
using ParquetSharp;

namespace OfflineSafety.Interop.Tests.Peers;

/// <summary>
/// Apache Arrow's C++ Parquet (parquet-cpp) through ParquetSharp's P/Invoke layer, read at its
/// lowest level: each column's ReadBatch hands back definition levels, repetition levels and the
/// non-null physical values, exactly what <see cref="LeafColumn"/> compares.
/// </summary>
public static class ParquetSharpPeer
{
    public static List<LeafColumn> ReadLeaves(string path)
    {
        using var file = new ParquetFileReader(path);
        var leaves = new List<LeafColumn>();
        for (int g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var rowGroup = file.RowGroup(g);
            for (int c = 0; c < file.FileMetaData.NumColumns; c++)
            {
                long levels;
                using (var chunk = rowGroup.MetaData.GetColumnChunkMetaData(c)) levels = chunk.NumValues;
                using var column = rowGroup.Column(c);
                var descriptor = column.ColumnDescriptor;
                string name = string.Join(".", descriptor.Path.ToDotVector());
                var (defs, reps, values) = column switch
                {
                    ColumnReader<bool> r => Read(r, levels, v => (object)v),
                    ColumnReader<int> r => Read(r, levels, v => (object)v),
                    ColumnReader<long> r => Read(r, levels, v => (object)v),
                    ColumnReader<float> r => Read(r, levels, v => (object)v),
                    ColumnReader<double> r => Read(r, levels, v => (object)v),
                    ColumnReader<ByteArray> r => Read(r, levels, v => (object)Copy(v.Pointer, v.Length)),
                    ColumnReader<FixedLenByteArray> r => Read(r, levels, v => (object)Copy(v.Pointer, descriptor.TypeLength)),
                    ColumnReader<Int96> r => Read(r, levels, v => (object)Int96Bytes(v)),
                    _ => throw new NotSupportedException($"{path}: column {name}: reader {column.GetType().Name}"),
                };
                // Like our reader, report levels only where the column has them.
                leaves.Add(new LeafColumn(g, name,
                    descriptor.MaxDefinitionLevel == 0 ? new short[levels] : defs,
                    descriptor.MaxRepetitionLevel == 0 ? new short[levels] : reps,
                    values.Select(LeafColumn.Render).ToArray()));
            }
        }
        return leaves;
    }

    // Byte-array values point into the reader's page buffer, valid until the next ReadBatch: copy them per batch.
    private static (short[] Defs, short[] Reps, List<object> Values) Read<T>(ColumnReader<T> reader, long levels, Func<T, object> copy)
        where T : unmanaged
    {
        var defs = new short[levels];
        var reps = new short[levels];
        var values = new List<object>();
        var batch = new T[Math.Max(1, levels)];
        long done = 0;
        while (done < levels && reader.HasNext)
        {
            long read = reader.ReadBatch(levels - done, defs.AsSpan((int)done), reps.AsSpan((int)done), batch, out long valuesRead);
            for (int i = 0; i < valuesRead; i++) values.Add(copy(batch[i]));
            done += read;
        }
        Assert.True(done == levels, $"ParquetSharp read {done} of {levels} levels");
        return (defs, reps, values);
    }

    private static byte[] Copy(IntPtr pointer, int length)
    {
        var bytes = new byte[length];
        if (length > 0) Marshal.Copy(pointer, bytes, 0, length);
        return bytes;
    }

    private static byte[] Int96Bytes(Int96 value)
    {
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), value.A);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), value.B);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), value.C);
        return bytes;
    }
}
