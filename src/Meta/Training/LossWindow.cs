namespace OfflineSafety.Meta.Training;

/// <summary>Running mean of the last N losses, for progress display and the recorded final loss.</summary>
internal sealed class LossWindow(int size)
{
    private readonly float[] _values = new float[size];
    private int _count;
    private int _next;

    public void Add(float loss)
    {
        _values[_next] = loss;
        _next = (_next + 1) % _values.Length;
        _count = Math.Min(_count + 1, _values.Length);
    }

    public float Mean
    {
        get
        {
            float sum = 0;
            for (int i = 0; i < _count; i++) sum += _values[i];
            return _count == 0 ? float.NaN : sum / _count;
        }
    }
}
