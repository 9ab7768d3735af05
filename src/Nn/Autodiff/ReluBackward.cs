using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Autodiff;

/// <summary>
/// The backward pass of a ReLU layer with a bias, in one sweep: dz = g where y &gt; 0 (else 0), and
/// dz's column sums added to the bias gradient. Each column's sum adds the rows in order onto the
/// gradient's value, exactly as <see cref="Gemm.ColumnSums"/> does, so the result is bit-identical to
/// the mask followed by the sums; fusing saves the second pass over dz. Large layers are cut into
/// column ranges across cores (a column is summed by one thread, so the thread count changes nothing).
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
                else PartSplit.Run(this, parts, parts);
            }
            finally
            {
                _g = _y = _dz = _sums = null;
            }
        }
    }

    void IPartedWork.RunPart(int part)
    {
        // Whole 8-column groups per part, so only the last part has a scalar tail.
        int groups = (_cols + 7) / 8;
        int begin = Math.Min(_cols, groups * part / _parts * 8), end = Math.Min(_cols, groups * (part + 1) / _parts * 8);
        RunColumns(begin, end);
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
