namespace OfflineSafety.Ingest.Logs;

/// <summary>
/// One vector cell of the row being read, reused for every row so reading allocates nothing per
/// value. A vector arrives either as one array-valued column or as flattened <c>name_k</c> columns.
/// </summary>
public sealed class LogVector
{
    private float[] _values = new float[16];
    private bool[] _set = new bool[16];

    public int Length { get; private set; }
    public int Filled { get; private set; }

    /// <summary>True when the values came from flattened <c>name_k</c> columns (errors then name that column).</summary>
    public bool Flattened { get; private set; }

    public bool Present => Filled > 0;
    public bool Complete => Filled == Length && Length > 0;
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Length);

    /// <summary>Starts a row whose vector arrives as an array (length found while reading).</summary>
    public void ResetArray()
    {
        Length = 0;
        Filled = 0;
        Flattened = false;
    }

    /// <summary>Starts a row whose vector arrives as <paramref name="width"/> flattened columns.</summary>
    public void ResetFlattened(int width)
    {
        Grow(width);
        Length = width;
        Filled = 0;
        Flattened = true;
        Array.Clear(_set, 0, width);
    }

    public void Append(float value)
    {
        Grow(Length + 1);
        _values[Length++] = value;
        Filled++;
    }

    /// <summary>Sets element <paramref name="index"/>, growing the width when flattened columns arrive in any order (JSONL keys).</summary>
    public void Set(int index, float value)
    {
        if (index >= Length)
        {
            Grow(index + 1);
            Array.Clear(_set, Length, index + 1 - Length);
            Length = index + 1;
        }
        Flattened = true;
        _values[index] = value;
        if (!_set[index])
        {
            _set[index] = true;
            Filled++;
        }
    }

    /// <summary>The first element index not supplied, or -1 when all are.</summary>
    public int FirstMissing()
    {
        if (!Flattened) return -1;
        for (int i = 0; i < Length; i++) if (!_set[i]) return i;
        return -1;
    }

    private void Grow(int needed)
    {
        if (needed <= _values.Length) return;
        int cap = Math.Max(needed, _values.Length * 2);
        Array.Resize(ref _values, cap);
        Array.Resize(ref _set, cap);
    }
}
