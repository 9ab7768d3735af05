using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Autodiff;

/// <summary>
/// The backward pass of a ReLU layer with a bias: dz = g where y &gt; 0 (else 0), and dz's column sums
/// added to the bias gradient. Each column's sum adds the rows in order onto the gradient's value,
/// exactly as <see cref="Gemm.ColumnSums"/> does, so the result is bit-identical to the mask followed
/// by the sums. On one thread both happen in one sweep. Split, the mask is cut by rows, as the
/// products before and after it are (a batch row stays on the core that computed it, see
/// <see cref="PartSplit"/>), and the sums by columns in a second split (a column is summed by one
/// thread in row order, so the thread count changes nothing).
/// One instance per tape, reused; not for concurrent calls.
/// </summary>
internal sealed unsafe class ReluBackward : IPartedWork
{
    // Below this many values (about 10 us of work) a split costs more than it saves.
    private const int SplitMinValues = 32 * 1024;
    // Fewest columns per part.
    private const int Block = 32;

    private float* _g, _y, _dz, _sums;
    private int _rows, _cols, _parts;
    private bool _summing;

    public void Run(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> dz, Span<float> sums, int rows, int cols, int threads)
    {
        int parts = (long)rows * cols < SplitMinValues ? 1 : Math.Max(1, Math.Min(threads, cols / Block));
        fixed (float* gp = g, yp = y, dzp = dz, sp = sums)
        {
            _g = gp; _y = yp; _dz = dzp; _sums = sp;
            _rows = rows; _cols = cols; _parts = parts;
            try
            {
                if (parts == 1) RunColumns(0, cols);
                else
                {
                    _summing = false;
                    PartSplit.Run(this, parts, parts);
                    _summing = true;
                    PartSplit.Run(this, parts, parts);
                }
            }
            finally
            {
                _g = _y = _dz = _sums = null;
            }
        }
    }

    void IPartedWork.RunPart(int part)
    {
        if (!_summing)
        {
            MaskRows((int)((long)_rows * part / _parts), (int)((long)_rows * (part + 1) / _parts));
            return;
        }
        // Whole 8-column groups per part, so only the last part has a scalar tail.
        int groups = (_cols + 7) / 8;
        int begin = Math.Min(_cols, groups * part / _parts * 8), end = Math.Min(_cols, groups * (part + 1) / _parts * 8);
        SumColumns(begin, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MaskRows(int begin, int end)
    {
        var zero = Vector256<float>.Zero;
        nint from = (nint)begin * _cols, to = (nint)end * _cols, vectorEnd = from + (to - from) / 8 * 8, i = from;
        float* g = _g, y = _y, dz = _dz;
        for (; i < vectorEnd; i += 8)
            Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(y + i), zero), Vector256.Load(g + i), zero).Store(dz + i);
        for (; i < to; i++) dz[i] = y[i] > 0f ? g[i] : 0f;
    }

    // The masked values in the same row order as RunColumns adds them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SumColumns(int begin, int end)
    {
        float* dz = _dz, sums = _sums;
        int rows = _rows, ld = _cols;
        int vectorEnd = begin + (end - begin) / 8 * 8;
        for (int i = 0; i < rows; i++)
        {
            float* dr = dz + (nint)i * ld;
            int j = begin;
            for (; j < vectorEnd; j += 8) (Vector256.Load(sums + j) + Vector256.Load(dr + j)).Store(sums + j);
            for (; j < end; j++) sums[j] += dr[j];
        }
    }

    // Row by row, so g, y and dz stream sequentially; the running sums of the columns stay in L1.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunColumns(int begin, int end)
    {
        float* g = _g, y = _y, dz = _dz, sums = _sums;
        int rows = _rows, ld = _cols;
        var zero = Vector256<float>.Zero;
        int vectorEnd = begin + (end - begin) / 8 * 8;
        for (int i = 0; i < rows; i++)
        {
            nint row = (nint)i * ld;
            float* gr = g + row, yr = y + row, dr = dz + row;
            int j = begin;
            for (; j < vectorEnd; j += 8)
            {
                var d = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(yr + j), zero), Vector256.Load(gr + j), zero);
                d.Store(dr + j);
                (Vector256.Load(sums + j) + d).Store(sums + j);
            }
            for (; j < end; j++)
            {
                float d = yr[j] > 0f ? gr[j] : 0f;
                dr[j] = d;
                sums[j] += d;
            }
        }
    }
}
