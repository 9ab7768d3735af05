using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Thrift;

namespace OfflineSafety.Parquet.Format;

/// <summary>
/// Maps FileMetaData and PageHeader (parquet.thrift) to and from the compact protocol. Field ids
/// follow parquet.thrift; fields this codec does not model are skipped on read.
/// </summary>
internal static class MetadataCodec
{
    // ---------------------------------------------------------------- read

    public static ParquetFileMetadata ReadFileMetadata(ThriftCompactReader r)
    {
        var m = new ParquetFileMetadata();
        bool sawSchema = false, sawRows = false, sawGroups = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: m.Version = r.ReadI32(); break;
                case 2 when t == ThriftType.List:
                    m.Schema = ReadList(r, ThriftType.Struct, ReadSchemaElement);
                    sawSchema = true;
                    break;
                case 3 when t == ThriftType.I64: m.NumRows = r.ReadI64(); sawRows = true; break;
                case 4 when t == ThriftType.List: m.RowGroups = ReadList(r, ThriftType.Struct, ReadRowGroup); sawGroups = true; break;
                case 5 when t == ThriftType.List: m.KeyValueMetadata = ReadList(r, ThriftType.Struct, ReadKeyValue); break;
                case 6 when t == ThriftType.Binary: m.CreatedBy = r.ReadString(); break;
                case 7 when t == ThriftType.List:
                {
                    var orders = ReadList(r, ThriftType.Struct, ReadColumnOrder);
                    m.ColumnOrderCount = orders.Count;
                    m.HasTypeDefinedColumnOrders = orders.Count > 0 && orders.TrueForAll(o => o);
                    break;
                }
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (!sawSchema || !sawRows || !sawGroups) throw r.Error("footer lacks schema, num_rows or row_groups");
        if (m.NumRows < 0) throw r.Error($"negative num_rows {m.NumRows}");
        return m;
    }

    private static List<T> ReadList<T>(ThriftCompactReader r, ThriftType expected, Func<ThriftCompactReader, T> read)
    {
        int n = r.ReadListHeader(out var et);
        if (et != expected) throw r.Error($"Thrift list of {et}, expected {expected}");
        var list = new List<T>(n);
        for (int i = 0; i < n; i++) list.Add(read(r));
        return list;
    }

    private static List<string> ReadStringList(ThriftCompactReader r)
    {
        int n = r.ReadListHeader(out var et);
        if (et != ThriftType.Binary) throw r.Error($"Thrift list of {et}, expected strings");
        var list = new List<string>(n);
        for (int i = 0; i < n; i++) list.Add(r.ReadString());
        return list;
    }

    private static List<ParquetEncoding> ReadEncodingList(ThriftCompactReader r)
    {
        int n = r.ReadListHeader(out var et);
        if (et != ThriftType.I32) throw r.Error($"Thrift list of {et}, expected i32");
        var list = new List<ParquetEncoding>(n);
        for (int i = 0; i < n; i++) list.Add((ParquetEncoding)r.ReadI32());
        return list;
    }

    private static SchemaElement ReadSchemaElement(ThriftCompactReader r)
    {
        var e = new SchemaElement();
        bool sawName = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: e.Type = (ParquetPhysicalType)r.ReadI32(); break;
                case 2 when t == ThriftType.I32: e.TypeLength = r.ReadI32(); break;
                case 3 when t == ThriftType.I32: e.Repetition = (ParquetRepetition)r.ReadI32(); break;
                case 4 when t == ThriftType.Binary: e.Name = r.ReadString(); sawName = true; break;
                case 5 when t == ThriftType.I32: e.NumChildren = r.ReadI32(); break;
                case 6 when t == ThriftType.I32: e.ConvertedType = r.ReadI32(); break;
                case 7 when t == ThriftType.I32: e.Scale = r.ReadI32(); break;
                case 8 when t == ThriftType.I32: e.Precision = r.ReadI32(); break;
                case 9 when t == ThriftType.I32: e.FieldId = r.ReadI32(); break;
                case 10 when t == ThriftType.Struct: e.LogicalType = ReadLogicalType(r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (!sawName) throw r.Error("schema element without a name");
        return e;
    }

    private static ParquetLogicalType? ReadLogicalType(ThriftCompactReader r)
    {
        ParquetLogicalType? result = null;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            if (t != ThriftType.Struct)
            {
                r.Skip(t);
                continue;
            }
            switch (id)
            {
                case 1: r.Skip(t); result = ParquetLogicalType.String; break;
                case 2: r.Skip(t); result = ParquetLogicalType.Map; break;
                case 3: r.Skip(t); result = ParquetLogicalType.List; break;
                case 4: r.Skip(t); result = new(ParquetLogicalKind.Enum); break;
                case 5:
                {
                    int scale = 0, precision = 0;
                    ReadStructFields(r, (fid, ft) =>
                    {
                        if (fid == 1 && ft == ThriftType.I32) scale = r.ReadI32();
                        else if (fid == 2 && ft == ThriftType.I32) precision = r.ReadI32();
                        else r.Skip(ft);
                    });
                    result = ParquetLogicalType.Decimal(precision, scale);
                    break;
                }
                case 6: r.Skip(t); result = ParquetLogicalType.Date; break;
                case 7:
                case 8:
                {
                    bool utc = false;
                    var unit = ParquetTimeUnit.Millis;
                    ReadStructFields(r, (fid, ft) =>
                    {
                        if (fid == 1 && ft is ThriftType.BoolTrue or ThriftType.BoolFalse) utc = r.ReadBool(ft);
                        else if (fid == 2 && ft == ThriftType.Struct) unit = ReadTimeUnit(r);
                        else r.Skip(ft);
                    });
                    result = id == 7 ? ParquetLogicalType.Time(unit, utc) : ParquetLogicalType.Timestamp(unit, utc);
                    break;
                }
                case 10:
                {
                    int width = 0;
                    bool signed = true;
                    ReadStructFields(r, (fid, ft) =>
                    {
                        if (fid == 1 && ft == ThriftType.Byte) width = (sbyte)r.ReadByte();
                        else if (fid == 2 && ft is ThriftType.BoolTrue or ThriftType.BoolFalse) signed = r.ReadBool(ft);
                        else r.Skip(ft);
                    });
                    result = ParquetLogicalType.Integer(width, signed);
                    break;
                }
                case 11: r.Skip(t); result = new(ParquetLogicalKind.Unknown); break;
                case 12: r.Skip(t); result = ParquetLogicalType.Json; break;
                case 13: r.Skip(t); result = new(ParquetLogicalKind.Bson); break;
                case 14: r.Skip(t); result = new(ParquetLogicalKind.Uuid); break;
                case 15: r.Skip(t); result = new(ParquetLogicalKind.Float16); break;
                case 16: r.Skip(t); result = new(ParquetLogicalKind.Variant); break;
                case 17: r.Skip(t); result = new(ParquetLogicalKind.Geometry); break;
                case 18: r.Skip(t); result = new(ParquetLogicalKind.Geography); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return result;
    }

    private static ParquetTimeUnit ReadTimeUnit(ThriftCompactReader r)
    {
        var unit = ParquetTimeUnit.Millis;
        ReadStructFields(r, (fid, ft) =>
        {
            if (fid is >= 1 and <= 3) unit = (ParquetTimeUnit)(fid - 1);
            r.Skip(ft);
        });
        return unit;
    }

    private static void ReadStructFields(ThriftCompactReader r, Action<short, ThriftType> field)
    {
        r.BeginStruct();
        while (r.NextField(out var id, out var t)) field(id, t);
        r.EndStruct();
    }

    private static ParquetRowGroupMetadata ReadRowGroup(ThriftCompactReader r)
    {
        var g = new ParquetRowGroupMetadata();
        bool sawColumns = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.List: g.Columns = ReadList(r, ThriftType.Struct, ReadColumnChunk); sawColumns = true; break;
                case 2 when t == ThriftType.I64: g.TotalByteSize = r.ReadI64(); break;
                case 3 when t == ThriftType.I64: g.NumRows = r.ReadI64(); break;
                case 5 when t == ThriftType.I64: g.FileOffset = r.ReadI64(); break;
                case 6 when t == ThriftType.I64: g.TotalCompressedSize = r.ReadI64(); break;
                case 7 when t == ThriftType.I16: g.Ordinal = r.ReadI16(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (!sawColumns) throw r.Error("row group without columns");
        if (g.NumRows < 0) throw r.Error($"row group with negative num_rows {g.NumRows}");
        return g;
    }

    private static ParquetColumnChunkMetadata ReadColumnChunk(ThriftCompactReader r)
    {
        ParquetColumnChunkMetadata? c = null;
        string? filePath = null;
        long fileOffset = 0;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.Binary: filePath = r.ReadString(); break;
                case 2 when t == ThriftType.I64: fileOffset = r.ReadI64(); break;
                case 3 when t == ThriftType.Struct: c = ReadColumnMetaData(r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (c is null) throw r.Error("column chunk without meta_data (encrypted files are not supported)");
        c.FilePath = filePath;
        c.FileOffset = fileOffset;
        return c;
    }

    private static ParquetColumnChunkMetadata ReadColumnMetaData(ThriftCompactReader r)
    {
        var c = new ParquetColumnChunkMetadata();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: c.PhysicalType = (ParquetPhysicalType)r.ReadI32(); break;
                case 2 when t == ThriftType.List: c.Encodings = ReadEncodingList(r); break;
                case 3 when t == ThriftType.List: c.PathInSchema = ReadStringList(r); break;
                case 4 when t == ThriftType.I32: c.Codec = (ParquetCompression)r.ReadI32(); break;
                case 5 when t == ThriftType.I64: c.NumValues = r.ReadI64(); break;
                case 6 when t == ThriftType.I64: c.TotalUncompressedSize = r.ReadI64(); break;
                case 7 when t == ThriftType.I64: c.TotalCompressedSize = r.ReadI64(); break;
                case 9 when t == ThriftType.I64: c.DataPageOffset = r.ReadI64(); break;
                case 10 when t == ThriftType.I64: c.IndexPageOffset = r.ReadI64(); break;
                case 11 when t == ThriftType.I64: c.DictionaryPageOffset = r.ReadI64(); break;
                case 12 when t == ThriftType.Struct: c.Statistics = ReadStatistics(r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (c.NumValues < 0 || c.TotalCompressedSize < 0 || c.DataPageOffset < 0)
            throw r.Error($"column chunk {string.Join('.', c.PathInSchema)} has negative sizes or offsets");
        return c;
    }

    private static ParquetEncodedStatistics ReadStatistics(ThriftCompactReader r)
    {
        var s = new ParquetEncodedStatistics();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.Binary: s.Max = r.ReadBinary(); break;
                case 2 when t == ThriftType.Binary: s.Min = r.ReadBinary(); break;
                case 3 when t == ThriftType.I64: s.NullCount = r.ReadI64(); break;
                case 4 when t == ThriftType.I64: s.DistinctCount = r.ReadI64(); break;
                case 5 when t == ThriftType.Binary: s.MaxValue = r.ReadBinary(); break;
                case 6 when t == ThriftType.Binary: s.MinValue = r.ReadBinary(); break;
                case 7 when t is ThriftType.BoolTrue or ThriftType.BoolFalse: s.IsMaxValueExact = r.ReadBool(t); break;
                case 8 when t is ThriftType.BoolTrue or ThriftType.BoolFalse: s.IsMinValueExact = r.ReadBool(t); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return s;
    }

    private static KeyValuePair<string, string?> ReadKeyValue(ThriftCompactReader r)
    {
        string? key = null, value = null;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            if (id == 1 && t == ThriftType.Binary) key = r.ReadString();
            else if (id == 2 && t == ThriftType.Binary) value = r.ReadString();
            else r.Skip(t);
        }
        r.EndStruct();
        if (key is null) throw r.Error("key/value metadata entry without a key");
        return new(key, value);
    }

    /// <summary>True for TYPE_ORDER (the only order the format defines).</summary>
    private static bool ReadColumnOrder(ThriftCompactReader r)
    {
        bool typeOrder = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            if (id == 1 && t == ThriftType.Struct) typeOrder = true;
            r.Skip(t);
        }
        r.EndStruct();
        return typeOrder;
    }

    public static PageHeader ReadPageHeader(ThriftCompactReader r)
    {
        var h = new PageHeader();
        bool sawType = false, sawSizes = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: h.Type = (PageType)r.ReadI32(); sawType = true; break;
                case 2 when t == ThriftType.I32: h.UncompressedPageSize = r.ReadI32(); break;
                case 3 when t == ThriftType.I32: h.CompressedPageSize = r.ReadI32(); sawSizes = true; break;
                case 4 when t == ThriftType.I32: h.Crc = r.ReadI32(); break;
                case 5 when t == ThriftType.Struct:
                {
                    var d = new DataPageHeader();
                    ReadStructFields(r, (fid, ft) =>
                    {
                        switch (fid)
                        {
                            case 1 when ft == ThriftType.I32: d.NumValues = r.ReadI32(); break;
                            case 2 when ft == ThriftType.I32: d.Encoding = (ParquetEncoding)r.ReadI32(); break;
                            case 3 when ft == ThriftType.I32: d.DefinitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                            case 4 when ft == ThriftType.I32: d.RepetitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                            default: r.Skip(ft); break;
                        }
                    });
                    h.DataPage = d;
                    break;
                }
                case 7 when t == ThriftType.Struct:
                {
                    var d = new DictionaryPageHeader();
                    ReadStructFields(r, (fid, ft) =>
                    {
                        switch (fid)
                        {
                            case 1 when ft == ThriftType.I32: d.NumValues = r.ReadI32(); break;
                            case 2 when ft == ThriftType.I32: d.Encoding = (ParquetEncoding)r.ReadI32(); break;
                            case 3 when ft is ThriftType.BoolTrue or ThriftType.BoolFalse: d.IsSorted = r.ReadBool(ft); break;
                            default: r.Skip(ft); break;
                        }
                    });
                    h.DictionaryPage = d;
                    break;
                }
                case 8 when t == ThriftType.Struct:
                {
                    var d = new DataPageHeaderV2();
                    ReadStructFields(r, (fid, ft) =>
                    {
                        switch (fid)
                        {
                            case 1 when ft == ThriftType.I32: d.NumValues = r.ReadI32(); break;
                            case 2 when ft == ThriftType.I32: d.NumNulls = r.ReadI32(); break;
                            case 3 when ft == ThriftType.I32: d.NumRows = r.ReadI32(); break;
                            case 4 when ft == ThriftType.I32: d.Encoding = (ParquetEncoding)r.ReadI32(); break;
                            case 5 when ft == ThriftType.I32: d.DefinitionLevelsByteLength = r.ReadI32(); break;
                            case 6 when ft == ThriftType.I32: d.RepetitionLevelsByteLength = r.ReadI32(); break;
                            case 7 when ft is ThriftType.BoolTrue or ThriftType.BoolFalse: d.IsCompressed = r.ReadBool(ft); break;
                            default: r.Skip(ft); break;
                        }
                    });
                    h.DataPageV2 = d;
                    break;
                }
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (!sawType || !sawSizes) throw r.Error("page header lacks type or sizes");
        if (h.CompressedPageSize < 0 || h.UncompressedPageSize < 0) throw r.Error("page header with negative size");
        return h;
    }

    // ---------------------------------------------------------------- write

    public static void WriteFileMetadata(ThriftCompactWriter w, ParquetFileMetadata m)
    {
        w.BeginStruct();
        w.I32(1, m.Version);
        w.ListField(2, ThriftType.Struct, m.Schema.Count);
        foreach (var e in m.Schema) WriteSchemaElement(w, e);
        w.I64(3, m.NumRows);
        w.ListField(4, ThriftType.Struct, m.RowGroups.Count);
        foreach (var g in m.RowGroups) WriteRowGroup(w, g);
        if (m.KeyValueMetadata.Count > 0)
        {
            w.ListField(5, ThriftType.Struct, m.KeyValueMetadata.Count);
            foreach (var kv in m.KeyValueMetadata)
            {
                w.BeginStruct();
                w.String(1, kv.Key);
                if (kv.Value is not null) w.String(2, kv.Value);
                w.EndStruct();
            }
        }
        if (m.CreatedBy is not null) w.String(6, m.CreatedBy);
        if (m.ColumnOrderCount > 0)
        {
            w.ListField(7, ThriftType.Struct, m.ColumnOrderCount);
            for (int i = 0; i < m.ColumnOrderCount; i++)
            {
                w.BeginStruct();
                w.BeginStructField(1);
                w.EndStruct();
                w.EndStruct();
            }
        }
        w.EndStruct();
    }

    private static void WriteSchemaElement(ThriftCompactWriter w, SchemaElement e)
    {
        w.BeginStruct();
        if (e.Type is { } type) w.I32(1, (int)type);
        if (e.TypeLength is { } len) w.I32(2, len);
        if (e.Repetition is { } rep) w.I32(3, (int)rep);
        w.String(4, e.Name);
        if (e.NumChildren is { } n) w.I32(5, n);
        if (e.ConvertedType is { } ct) w.I32(6, ct);
        if (e.Scale is { } scale) w.I32(7, scale);
        if (e.Precision is { } precision) w.I32(8, precision);
        if (e.FieldId is { } fieldId) w.I32(9, fieldId);
        if (e.LogicalType is { } lt) WriteLogicalType(w, lt);
        w.EndStruct();
    }

    private static void WriteLogicalType(ThriftCompactWriter w, ParquetLogicalType lt)
    {
        short id = lt.Kind switch
        {
            ParquetLogicalKind.String => 1,
            ParquetLogicalKind.Map => 2,
            ParquetLogicalKind.List => 3,
            ParquetLogicalKind.Enum => 4,
            ParquetLogicalKind.Decimal => 5,
            ParquetLogicalKind.Date => 6,
            ParquetLogicalKind.Time => 7,
            ParquetLogicalKind.Timestamp => 8,
            ParquetLogicalKind.Integer => 10,
            ParquetLogicalKind.Unknown => 11,
            ParquetLogicalKind.Json => 12,
            ParquetLogicalKind.Bson => 13,
            ParquetLogicalKind.Uuid => 14,
            ParquetLogicalKind.Float16 => 15,
            _ => 0,
        };
        if (id == 0) return;
        w.BeginStructField(10);
        w.BeginStructField(id);
        switch (lt.Kind)
        {
            case ParquetLogicalKind.Decimal:
                w.I32(1, lt.Scale);
                w.I32(2, lt.Precision);
                break;
            case ParquetLogicalKind.Time:
            case ParquetLogicalKind.Timestamp:
                w.Bool(1, lt.IsAdjustedToUtc);
                w.BeginStructField(2);
                w.BeginStructField((short)((int)lt.Unit + 1));
                w.EndStruct();
                w.EndStruct();
                break;
            case ParquetLogicalKind.Integer:
                w.I8(1, (sbyte)lt.BitWidth);
                w.Bool(2, lt.IsSigned);
                break;
        }
        w.EndStruct();
        w.EndStruct();
    }

    private static void WriteRowGroup(ThriftCompactWriter w, ParquetRowGroupMetadata g)
    {
        w.BeginStruct();
        w.ListField(1, ThriftType.Struct, g.Columns.Count);
        foreach (var c in g.Columns) WriteColumnChunk(w, c);
        w.I64(2, g.TotalByteSize);
        w.I64(3, g.NumRows);
        if (g.FileOffset is { } fo) w.I64(5, fo);
        if (g.TotalCompressedSize is { } tcs) w.I64(6, tcs);
        if (g.Ordinal is { } ord)
        {
            w.FieldHeader(7, ThriftType.I16);
            w.I32Value(ord);
        }
        w.EndStruct();
    }

    private static void WriteColumnChunk(ThriftCompactWriter w, ParquetColumnChunkMetadata c)
    {
        w.BeginStruct();
        if (c.FilePath is not null) w.String(1, c.FilePath);
        w.I64(2, c.FileOffset);
        w.BeginStructField(3);
        w.I32(1, (int)c.PhysicalType);
        w.ListField(2, ThriftType.I32, c.Encodings.Count);
        foreach (var e in c.Encodings) w.I32Value((int)e);
        w.ListField(3, ThriftType.Binary, c.PathInSchema.Count);
        foreach (var p in c.PathInSchema) w.WriteStringValue(p);
        w.I32(4, (int)c.Codec);
        w.I64(5, c.NumValues);
        w.I64(6, c.TotalUncompressedSize);
        w.I64(7, c.TotalCompressedSize);
        w.I64(9, c.DataPageOffset);
        if (c.IndexPageOffset is { } ipo) w.I64(10, ipo);
        if (c.DictionaryPageOffset is { } dpo) w.I64(11, dpo);
        if (c.Statistics is { } s)
        {
            w.BeginStructField(12);
            if (s.Max is not null) w.Binary(1, s.Max);
            if (s.Min is not null) w.Binary(2, s.Min);
            if (s.NullCount is { } nc) w.I64(3, nc);
            if (s.DistinctCount is { } dc) w.I64(4, dc);
            if (s.MaxValue is not null) w.Binary(5, s.MaxValue);
            if (s.MinValue is not null) w.Binary(6, s.MinValue);
            if (s.IsMaxValueExact is { } maxExact) w.Bool(7, maxExact);
            if (s.IsMinValueExact is { } minExact) w.Bool(8, minExact);
            w.EndStruct();
        }
        w.EndStruct();
        w.EndStruct();
    }

    public static void WritePageHeader(ThriftCompactWriter w, PageHeader h)
    {
        w.BeginStruct();
        w.I32(1, (int)h.Type);
        w.I32(2, h.UncompressedPageSize);
        w.I32(3, h.CompressedPageSize);
        if (h.Crc is { } crc) w.I32(4, crc);
        if (h.DataPage is { } d)
        {
            w.BeginStructField(5);
            w.I32(1, d.NumValues);
            w.I32(2, (int)d.Encoding);
            w.I32(3, (int)d.DefinitionLevelEncoding);
            w.I32(4, (int)d.RepetitionLevelEncoding);
            w.EndStruct();
        }
        if (h.DictionaryPage is { } dict)
        {
            w.BeginStructField(7);
            w.I32(1, dict.NumValues);
            w.I32(2, (int)dict.Encoding);
            if (dict.IsSorted is { } sorted) w.Bool(3, sorted);
            w.EndStruct();
        }
        if (h.DataPageV2 is { } v2)
        {
            w.BeginStructField(8);
            w.I32(1, v2.NumValues);
            w.I32(2, v2.NumNulls);
            w.I32(3, v2.NumRows);
            w.I32(4, (int)v2.Encoding);
            w.I32(5, v2.DefinitionLevelsByteLength);
            w.I32(6, v2.RepetitionLevelsByteLength);
            w.Bool(7, v2.IsCompressed);
            w.EndStruct();
        }
        w.EndStruct();
    }
}
