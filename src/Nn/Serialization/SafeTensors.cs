using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using OfflineSafety.Nn.Autodiff;

namespace OfflineSafety.Nn.Serialization;

/// <summary>One tensor of a safetensors file: any rank, float32 values in row-major order.</summary>
public sealed record SafeTensor(string Name, int[] Shape, float[] Values)
{
    /// <summary>As an engine tensor (rank 0..2 only).</summary>
    public Tensor ToTensor()
    {
        var t = Tensor.FromShape(Shape);
        Values.CopyTo(t.Data);
        t.Name = Name;
        return t;
    }
}

/// <summary>The contents of a safetensors file: tensors in data order plus the optional metadata map.</summary>
public sealed record SafeTensorsContent(IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    public SafeTensor this[string name] => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"no tensor named '{name}' in the file");
}

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes
/// of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}},
/// then the raw little-endian data, offsets relative to its start. Only F32 is read or written.
/// Reading validates the whole header (bounds, sizes, overlaps, gaps) and names the fault.
/// </summary>
public static class SafeTensors
{
    const string MetadataKey = "__metadata__";
    const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Saves named tensors; every tensor needs a <see cref="Tensor.Name"/>, unique.</summary>
    public static void Save(string path, IEnumerable<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = new List<SafeTensor>();
        foreach (var t in tensors)
        {
            if (string.IsNullOrEmpty(t.Name)) throw new ArgumentException($"tensor {t} has no name; safetensors needs one per tensor", nameof(tensors));
            entries.Add(new SafeTensor(t.Name, t.Shape, t.Data.ToArray()));
        }
        Save(path, entries, metadata);
    }

    public static void Save(string path, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = File.Create(path);
        Write(stream, tensors, metadata);
    }

    public static void Write(Stream stream, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var headerBuffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerBuffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                if (t.Name == MetadataKey || !names.Add(t.Name)) throw new ArgumentException($"tensor name '{t.Name}' is reserved or repeated", nameof(tensors));
                long count = ElementCount(t.Shape, t.Name);
                if (count != t.Values.Length) throw new ArgumentException($"tensor '{t.Name}': shape [{string.Join(", ", t.Shape)}] needs {count} values, has {t.Values.Length}", nameof(tensors));
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4 * count);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4 * count;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while ((headerBuffer.Length + 8) % 8 != 0) headerBuffer.WriteByte((byte)' ');

        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)headerBuffer.Length);
        stream.Write(lengthBytes);
        headerBuffer.Position = 0;
        headerBuffer.CopyTo(stream);
        foreach (var t in tensors)
        {
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(t.Values.AsSpan()));
            }
            else
            {
                var bytes = new byte[4];
                foreach (float v in t.Values)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes, v);
                    stream.Write(bytes);
                }
            }
        }
    }

    public static SafeTensorsContent Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"{path}: cannot read safetensors file: {e.Message}", e);
        }
        try
        {
            return Read(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Copies tensors from a file into <paramref name="parameters"/> by name, checking shapes.</summary>
    public static void LoadInto(string path, IReadOnlyList<Tensor> parameters)
    {
        var content = Load(path);
        foreach (var p in parameters)
        {
            if (p.Name is null) throw new ArgumentException($"parameter {p} has no name", nameof(parameters));
            var entry = content.Tensors.FirstOrDefault(t => t.Name == p.Name)
                ?? throw new InvalidDataException($"{path}: no tensor named '{p.Name}'");
            if (!entry.Shape.AsSpan().SequenceEqual(p.Shape))
                throw new InvalidDataException($"{path}: tensor '{p.Name}' has shape [{string.Join(", ", entry.Shape)}], expected {p.ShapeText}");
            entry.Values.CopyTo(p.Data);
        }
    }

    public static SafeTensorsContent Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8) throw new InvalidDataException($"file is {file.Length} bytes, shorter than the 8-byte header length prefix");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderBytes) throw new InvalidDataException($"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if (headerLength > (ulong)(file.Length - 8)) throw new InvalidDataException($"header length {headerLength} runs past the end of the {file.Length}-byte file");
        var header = file.Slice(8, (int)headerLength);
        var data = file[(8 + (int)headerLength)..];
        if (header.Length == 0 || header[0] != (byte)'{') throw new InvalidDataException("header does not start with '{'");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"header is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("header JSON is not an object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var spans = new List<(long Begin, long End, string Name, int[] Shape)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name)) throw new InvalidDataException($"key '{property.Name}' appears twice in the header");
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException("__metadata__ is not an object");
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw new InvalidDataException($"__metadata__ value of '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                spans.Add(ParseEntry(property.Name, property.Value, data.Length));
            }

            spans.Sort((x, y) => x.Begin != y.Begin ? x.Begin.CompareTo(y.Begin) : x.End.CompareTo(y.End));
            long expected = 0;
            foreach (var s in spans)
            {
                if (s.Begin != expected)
                    throw new InvalidDataException(s.Begin < expected
                        ? $"tensor '{s.Name}' data [{s.Begin}, {s.End}) overlaps the previous tensor (ends at {expected})"
                        : $"gap in data before tensor '{s.Name}': bytes [{expected}, {s.Begin}) belong to no tensor");
                expected = s.End;
            }
            if (expected != data.Length) throw new InvalidDataException($"data section is {data.Length} bytes but tensors cover {expected}");

            var tensors = new List<SafeTensor>(spans.Count);
            foreach (var s in spans)
            {
                var values = new float[(s.End - s.Begin) / 4];
                var bytes = data.Slice((int)s.Begin, (int)(s.End - s.Begin));
                if (BitConverter.IsLittleEndian) bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                else for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                tensors.Add(new SafeTensor(s.Name, s.Shape, values));
            }
            return new SafeTensorsContent(tensors, metadata);
        }
    }

    static (long Begin, long End, string Name, int[] Shape) ParseEntry(string name, JsonElement entry, int dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"tensor '{name}': header entry is not an object");
        if (!entry.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"tensor '{name}': missing string field 'dtype'");
        if (dtype.GetString() != "F32") throw new InvalidDataException($"tensor '{name}': dtype {dtype.GetString()} is not supported (F32 only)");
        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"tensor '{name}': missing array field 'shape'");
        var shape = new int[shapeElement.GetArrayLength()];
        int k = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                throw new InvalidDataException($"tensor '{name}': shape entry {k} is not a non-negative integer");
            shape[k++] = dim;
        }
        if (!entry.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new InvalidDataException($"tensor '{name}': 'data_offsets' must be an array [begin, end]");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new InvalidDataException($"tensor '{name}': data_offsets must be integers with 0 <= begin <= end");
        if (end > dataLength) throw new InvalidDataException($"tensor '{name}': data_offsets [{begin}, {end}) run past the {dataLength}-byte data section");
        long count = ElementCountChecked(shape, name);
        if (end - begin != 4 * count)
            throw new InvalidDataException($"tensor '{name}': shape [{string.Join(", ", shape)}] needs {4 * count} bytes but data_offsets span {end - begin}");
        return (begin, end, name, shape);
    }

    static long ElementCount(int[] shape, string name)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension {d}");
            n *= d;
        }
        return n;
    }

    static long ElementCountChecked(int[] shape, string name)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > int.MaxValue) throw new InvalidDataException($"tensor '{name}': shape [{string.Join(", ", shape)}] is too large");
        }
        return n;
    }
}
