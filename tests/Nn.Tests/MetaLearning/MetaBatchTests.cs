using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.MetaLearning;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.MetaLearning;

/// <summary>
/// A meta-batch's tasks on separate cores give the gradient of the serial sum (one tape, Backward per
/// task), the same bits for every thread count, and leave the parameters as they were.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public class MetaBatchTests
{
    const int Tasks = 5, Rows = 64;

    sealed class Problem
    {
        public readonly Mlp Net = new(4, [40, 40], 1, new Xoshiro256StarStar(3), Activation.Relu, Activation.Sigmoid);
        readonly Tensor[] _x = new Tensor[2 * Tasks], _y = new Tensor[2 * Tasks];
        readonly Tensor[][] _grads = new Tensor[Tasks][], _fast = new Tensor[Tasks][];

        public Problem()
        {
            var rng = new Xoshiro256StarStar(5);
            for (int i = 0; i < _x.Length; i++)
            {
                _x[i] = Tensor.Matrix(Rows, 4);
                rng.FillNormal(_x[i].Data);
                _y[i] = Tensor.Matrix(Rows, 1);
                rng.FillUniform(_y[i].Data, 0f, 1f);
            }
            for (int k = 0; k < Tasks; k++)
            {
                _grads[k] = new Tensor[Net.Parameters.Count];
                _fast[k] = new Tensor[Net.Parameters.Count];
            }
        }

        // Second-order MAML: one inner step on batch k, scored on batch k + Tasks.
        public Tensor Loss(Tape tape, IReadOnlyList<Tensor> w, int k)
        {
            Maml.Step(tape, tape.Mse(Net.Forward(tape, _x[k], w), _y[k]), w, 0.1f, _grads[k], _fast[k], MamlOrder.Second);
            return tape.Scale(tape.Mse(Net.Forward(tape, _x[k + Tasks], _fast[k]), _y[k + Tasks]), 1f / Tasks);
        }

        public float[] Gradient() => [.. Net.Parameters.SelectMany(p => p.GradSpan.ToArray())];

        public float[] Values() => [.. Net.Parameters.SelectMany(p => p.Values.ToArray())];
    }

    static float[] MetaBatchGradient(int threads, int calls = 1)
    {
        var problem = new Problem();
        var batch = new MetaBatch(problem.Net.Parameters, Tasks, new ComputeOptions { Threads = threads });
        for (int call = 0; call < calls; call++)
        {
            problem.Net.ZeroGrad();
            batch.Accumulate(problem.Loss);
        }
        return problem.Gradient();
    }

    [Fact]
    public void The_gradient_is_the_serial_sum_of_the_tasks_gradients()
    {
        var serial = new Problem();
        var tape = new Tape(new ComputeOptions { Threads = 1 });
        serial.Net.ZeroGrad();
        for (int k = 0; k < Tasks; k++) tape.Backward(serial.Loss(tape, serial.Net.Parameters, k));
        var expected = serial.Gradient();

        var actual = MetaBatchGradient(threads: 2);

        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(g => Math.Abs(g));
        Assert.True(scale > 1e-4, "the test problem has a gradient to compare");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"element {i}: serial {expected[i]}, meta-batch {actual[i]}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Every_thread_count_gives_the_same_bits(int threads)
    {
        // 2 and 3 threads leave one or two tasks over for all the cores; 8 is more cores than tasks.
        Assert.Equal(MetaBatchGradient(threads: 1), MetaBatchGradient(threads));
    }

    [Fact]
    public void Repeated_calls_reuse_their_tapes_and_give_the_same_gradient()
    {
        Assert.Equal(MetaBatchGradient(threads: 2), MetaBatchGradient(threads: 2, calls: 3));
    }

    [Fact]
    public void The_parameters_and_the_losses_are_those_of_a_serial_run()
    {
        var problem = new Problem();
        var before = problem.Values();
        var batch = new MetaBatch(problem.Net.Parameters, Tasks, new ComputeOptions { Threads = 2 });
        batch.Accumulate(problem.Loss);
        Assert.Equal(before, problem.Values());

        var tape = new Tape(new ComputeOptions { Threads = 1 });
        for (int k = 0; k < Tasks; k++)
        {
            tape.Reset();
            Assert.Equal(problem.Loss(tape, problem.Net.Parameters, k).ToScalar(), batch.Loss(k));
        }
    }

    [Fact]
    public void A_steady_call_allocates_nothing()
    {
        // One thread: every task runs on the caller, whose allocations the counter sees.
        var problem = new Problem();
        var batch = new MetaBatch(problem.Net.Parameters, Tasks, new ComputeOptions { Threads = 1 });
        MetaBatch.TaskLoss loss = problem.Loss;
        batch.Accumulate(loss);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int call = 0; call < 5; call++) batch.Accumulate(loss);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_failing_task_surfaces_and_a_later_call_still_works()
    {
        var problem = new Problem();
        var batch = new MetaBatch(problem.Net.Parameters, Tasks, new ComputeOptions { Threads = 2 });
        var error = Assert.Throws<AggregateException>(() => batch.Accumulate((tape, w, k) =>
            k == 1 ? throw new ArgumentException("task 1 has no rows") : problem.Loss(tape, w, k)));
        Assert.Contains("task 1 has no rows", error.InnerException!.Message);

        problem.Net.ZeroGrad();
        batch.Accumulate(problem.Loss);
        Assert.Equal(MetaBatchGradient(threads: 1), problem.Gradient());
    }
}
