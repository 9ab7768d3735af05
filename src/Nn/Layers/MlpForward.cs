using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Layers;

/// <summary>One fully connected layer whose weight [Outputs, Inputs] and bias [Outputs] sit at the given offsets of a flat parameter tensor.</summary>
public readonly record struct DenseLayer(int Inputs, int Outputs, int WeightOffset, int BiasOffset, Activation Activation);

/// <summary>
/// Forward-only evaluation of a stack of <see cref="DenseLayer"/>s for scoring: no tape, no gradients,
/// nothing allocated per call (the caller supplies input and output; the hidden activations live in
/// buffers made on first use).
/// <list type="bullet">
/// <item>Rows go through the whole network in chunks of at most <see cref="ChunkRows"/>, so a chunk's
/// hidden activations (192 rows x 256 floats = 192 KiB per layer) stay in the core's L2 cache from one
/// layer to the next instead of streaming a whole batch through memory per layer.</item>
/// <item>With more than one thread the chunks, not the layers, are split across cores: one fork and
/// join per call rather than one per layer, and each core runs its chunks' layers back to back on its
/// own cache. A small batch is cut into one chunk per thread.</item>
/// </list>
/// A row's outputs do not depend on which chunk or thread it fell in (the GEMM computes every row by
/// the same chain of operations, see <see cref="Gemm"/>), so results are independent of the batch
/// size and the thread count. Not safe for concurrent calls on one instance.
/// </summary>
public sealed unsafe class MlpForward : IPartedWork
{
    /// <summary>Most rows one chunk carries through the network.</summary>
    public const int ChunkRows = 192;

    // Below this many flops per call the split's fork and join cost more than a second core saves.
    private const double ParallelMinFlops = 2e6;

    private readonly DenseLayer[] _layers;
    private readonly ComputeOptions _perCore;
    private readonly int _threads;
    private readonly int _hiddenWidth;
    private readonly double _flopsPerRow;
    // Two ping-pong activation buffers per concurrent part, made when that part first runs.
    private readonly float[]?[] _buffers;

    // The call in flight, read by the parts.
    private Tensor? _parameters;
    private float* _input, _output;
    private int _rows, _chunkRows, _chunks, _nextChunk;

    public MlpForward(IReadOnlyList<DenseLayer> layers, ComputeOptions? compute = null)
    {
        if (layers.Count == 0) throw new ArgumentException("a network needs at least one layer", nameof(layers));
        for (int l = 1; l < layers.Count; l++)
            if (layers[l].Inputs != layers[l - 1].Outputs)
                throw new ArgumentException($"layer {l} takes {layers[l].Inputs} inputs but layer {l - 1} gives {layers[l - 1].Outputs}", nameof(layers));
        _layers = [.. layers];
        var options = compute ?? ComputeOptions.Default;
        _threads = options.Threads;
        _perCore = options with { Threads = 1 };
        _hiddenWidth = 0;
        for (int l = 0; l < _layers.Length - 1; l++) _hiddenWidth = Math.Max(_hiddenWidth, _layers[l].Outputs);
        foreach (var layer in _layers) _flopsPerRow += 2.0 * layer.Inputs * layer.Outputs;
        _buffers = new float[]?[2 * _threads];
    }

    public int Inputs => _layers[0].Inputs;
    public int Outputs => _layers[^1].Outputs;

    /// <summary>output [rows, Outputs] = the network applied to input [rows, Inputs], with the weights
    /// read from <paramref name="parameters"/> (their packed panels are kept while its version stays the same).</summary>
    public void Run(Tensor parameters, ReadOnlySpan<float> input, int rows, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (input.Length < (long)rows * Inputs) throw new ArgumentException($"input holds {input.Length} values, {rows} rows need {(long)rows * Inputs}", nameof(input));
        if (output.Length < (long)rows * Outputs) throw new ArgumentException($"output holds {output.Length} values, {rows} rows need {(long)rows * Outputs}", nameof(output));
        if (rows == 0) return;
        int parts = rows * _flopsPerRow < ParallelMinFlops ? 1 : Math.Min(_threads, rows);
        _chunkRows = Math.Min(ChunkRows, (rows + parts - 1) / parts);
        _chunks = (rows + _chunkRows - 1) / _chunkRows;
        parts = Math.Min(parts, _chunks);
        fixed (float* x = input)
        fixed (float* y = output)
        {
            _parameters = parameters;
            _input = x;
            _output = y;
            _rows = rows;
            _nextChunk = 0;
            try
            {
                PartSplit.Run(this, parts, parts);
            }
            finally
            {
                _parameters = null;
                _input = _output = null;
            }
        }
    }

    // A part claims chunks until none is left; the part number picks its activation buffers, so two
    // parts never share them whichever threads run them.
    void IPartedWork.RunPart(int part)
    {
        var ping = _buffers[2 * part] ??= new float[ChunkRows * _hiddenWidth];
        var pong = _buffers[2 * part + 1] ??= new float[ChunkRows * _hiddenWidth];
        int chunk;
        while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < _chunks)
        {
            int begin = chunk * _chunkRows, n = Math.Min(_chunkRows, _rows - begin);
            RunChunk(begin, n, ping, pong);
        }
    }

    private void RunChunk(int begin, int n, float[] ping, float[] pong)
    {
        var parameters = _parameters!;
        var values = parameters.Values;
        var x = new ReadOnlySpan<float>(_input + (nint)begin * Inputs, n * Inputs);
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var y = l == _layers.Length - 1
                ? new Span<float>(_output + (nint)begin * Outputs, n * Outputs)
                : (l % 2 == 0 ? ping : pong).AsSpan(0, n * layer.Outputs);
            Gemm.LinearForward(x, n, layer.Inputs, parameters, layer.WeightOffset, values.Slice(layer.BiasOffset, layer.Outputs),
                layer.Outputs, y, layer.Activation, _perCore);
            x = y;
        }
    }
}
