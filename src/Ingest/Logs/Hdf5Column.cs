using System.Globalization;
using System.Numerics;
using System.Text.Json;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// One HDF5 dataset bound to a transition field: a 2-D array (rows x values) for a vector, a 1-D
/// array (or rows x 1) for a scalar. Reads a block of rows at a time into a reused buffer, widened
/// to double so one code path fills every numeric type (floats, integers, h5py's bool enum).
/// </summary>
internal sealed class Hdf5Column
{
    private readonly NativeDataset _dataset;
    private readonly int _rank;
    private readonly string _file;
    private double[] _values = [];
    private Array _scratch = Array.Empty<byte>();
    private long _start;
    private int _loaded;

    private Hdf5Column(NativeDataset dataset, LogField field, string name, string file, long rows, int width, int rank)
    {
        _dataset = dataset;
        Field = field;
        Name = name;
        _file = file;
        Rows = rows;
        Width = width;
        _rank = rank;
    }

    public LogField Field { get; }

    /// <summary>The dataset's name within its group, as errors name the column.</summary>
    public string Name { get; }

    public long Rows { get; }

    /// <summary>Values per row: the vector's length, 1 for a scalar.</summary>
    public int Width { get; }

    /// <param name="file">The file (or file/group) errors name.</param>
    public static Hdf5Column Bind(NativeDataset dataset, LogField field, string name, string file)
    {
        var dims = dataset.Space.Dimensions;
        string shape = $"({string.Join(", ", dims)})";
        bool vector = LogFields.IsVector(field);
        if (vector && dims.Length != 2)
            throw TransitionAssembler.FileError(file, name, $"expected a 2-D array (rows x values), found shape {shape}");
        if (!vector && !(dims.Length == 1 || dims.Length == 2 && dims[1] == 1))
            throw TransitionAssembler.FileError(file, name, $"expected a 1-D array (one value per row), found shape {shape}");
        if (vector && dims[1] == 0)
            throw TransitionAssembler.FileError(file, name, $"vectors of length 0, shape {shape}");
        if (dims[0] > int.MaxValue || dims.Length == 2 && dims[1] > 1 << 20)
            throw TransitionAssembler.FileError(file, name, $"too large: shape {shape}");
        if (ElementKind(dataset.Type) is null)
            throw TransitionAssembler.FileError(file, name,
                $"unsupported HDF5 type {dataset.Type.Class} ({dataset.Type.Size} bytes); expected floats, integers or booleans");
        return new Hdf5Column(dataset, field, name, file, (long)dims[0], dims.Length == 2 ? (int)dims[1] : 1, dims.Length);
    }

    /// <summary>Reads rows [start, start + count), clipped to this dataset's rows.</summary>
    public void Load(long start, int count)
    {
        _start = start;
        _loaded = (int)Math.Clamp(Rows - start, 0, count);
        if (_loaded == 0) return;
        int n = _loaded * Width;
        if (_values.Length < n) _values = new double[n];
        try
        {
            switch (ElementKind(_dataset.Type))
            {
                case TypeCode.Single: ReadAs<float>(n); break;
                case TypeCode.Double: ReadAs<double>(n); break;
                case TypeCode.SByte: ReadAs<sbyte>(n); break;
                case TypeCode.Byte: ReadAs<byte>(n); break;
                case TypeCode.Int16: ReadAs<short>(n); break;
                case TypeCode.UInt16: ReadAs<ushort>(n); break;
                case TypeCode.Int32: ReadAs<int>(n); break;
                case TypeCode.UInt32: ReadAs<uint>(n); break;
                case TypeCode.Int64: ReadAs<long>(n); break;
                default: ReadAs<ulong>(n); break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // PureHDF signals damaged data with plain exceptions; the user needs the dataset, not a trace.
            throw TransitionAssembler.FileError(_file, Name, $"unreadable HDF5 data at rows {start + 1}..{start + _loaded}: {Hdf5LogReader.OneLine(ex.Message)}");
        }
    }

    /// <summary>True when row <paramref name="index"/> (0-based over the dataset) is among those loaded.</summary>
    public bool Holds(long index) => index >= _start && index < _start + _loaded;

    public void Fill(LogRow row, long index)
    {
        int at = (int)(index - _start) * Width;
        switch (Field)
        {
            case LogField.Obs or LogField.Action or LogField.NextObs:
                var vector = row.Vector(Field);
                vector.ResetArray();
                for (int k = 0; k < Width; k++) vector.Append((float)_values[at + k]);
                break;
            case LogField.Reward or LogField.Cost:
                row.SetNumber(Field, (float)_values[at]);
                break;
            case LogField.Unsafe or LogField.Terminal or LogField.Truncated:
                double flag = _values[at];
                if (flag is 0 or 1) row.SetFlag(Field, flag == 1);
                else row.Fail(Name, $"not a boolean (1/0): {flag.ToString(CultureInfo.InvariantCulture)}");
                break;
            case LogField.EpisodeId:
                double id = _values[at];
                if (id == Math.Floor(id) && Math.Abs(id) < 9e15) row.SetEpisodeId((long)id);
                else row.Fail(Name, $"not an integer: {id.ToString(CultureInfo.InvariantCulture)}");
                break;
            case LogField.Step:
                double step = _values[at];
                if (step == Math.Floor(step) && step is >= int.MinValue and <= int.MaxValue) row.SetStep((int)step);
                else row.Fail(Name, $"not a 32-bit integer: {step.ToString(CultureInfo.InvariantCulture)}");
                break;
        }
    }

    /// <summary>Writes row <paramref name="index"/> as JSON, for the rejects file.</summary>
    public void Write(Utf8JsonWriter w, long index)
    {
        int at = (int)(index - _start) * Width;
        w.WritePropertyName(Name);
        if (LogFields.IsVector(Field))
        {
            w.WriteStartArray();
            for (int k = 0; k < Width; k++) WriteNumber(w, _values[at + k]);
            w.WriteEndArray();
        }
        else WriteNumber(w, _values[at]);
    }

    // JSON has no NaN or Infinity; rejected rows often hold exactly those, so write them as strings.
    private static void WriteNumber(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
    }

    private void ReadAs<T>(int n) where T : unmanaged, INumberBase<T>
    {
        if (_scratch is not T[] scratch || scratch.Length < n) _scratch = scratch = new T[n];
        var selection = _rank == 1
            ? new HyperslabSelection((ulong)_start, (ulong)_loaded)
            : new HyperslabSelection(2, [(ulong)_start, 0], [(ulong)_loaded, (ulong)Width]);
        _dataset.Read<T>(scratch.AsSpan(0, n), selection, null, [(ulong)n]);
        for (int i = 0; i < n; i++) _values[i] = double.CreateTruncating(scratch[i]);
    }

    /// <summary>The .NET element type a dataset's values are read as, or null when unsupported.</summary>
    private static TypeCode? ElementKind(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FloatingPoint => type.Size switch { 4 => TypeCode.Single, 8 => TypeCode.Double, _ => null },
        H5DataTypeClass.FixedPoint => (type.Size, type.FixedPoint.IsSigned) switch
        {
            (1, true) => TypeCode.SByte,
            (1, false) => TypeCode.Byte,
            (2, true) => TypeCode.Int16,
            (2, false) => TypeCode.UInt16,
            (4, true) => TypeCode.Int32,
            (4, false) => TypeCode.UInt32,
            (8, true) => TypeCode.Int64,
            (8, false) => TypeCode.UInt64,
            _ => null,
        },
        // h5py stores numpy bools as an enum over int8 (FALSE = 0, TRUE = 1).
        H5DataTypeClass.Enumerated when type.Size == 1 => TypeCode.Byte,
        _ => null,
    };
}
