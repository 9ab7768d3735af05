using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Tests.Kernels;

public class PartSplitTests
{
    sealed class Recorder(int parts) : IPartedWork
    {
        public readonly int[] Thread = new int[parts];
        public readonly int[] Runs = new int[parts];

        public void RunPart(int part)
        {
            Thread[part] = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref Runs[part]);
            // Long enough that a worker has time to join and take the other parts.
            System.Threading.Thread.SpinWait(20_000);
        }
    }

    [Fact]
    public void The_caller_always_runs_part_zero_and_every_part_runs_once()
    {
        // Part 0 pinned to the caller keeps a split's first rows on the caller's core from one
        // product to the next; the other parts go to whichever thread claims them.
        for (int call = 0; call < 200; call++)
        {
            var work = new Recorder(3);
            PartSplit.Run(work, parts: 3, threads: 2);
            Assert.Equal(Environment.CurrentManagedThreadId, work.Thread[0]);
            Assert.All(work.Runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void A_failing_part_surfaces_after_every_part_ran()
    {
        var ran = new int[2];
        var work = new Failing(ran);
        var error = Assert.Throws<AggregateException>(() => PartSplit.Run(work, parts: 2, threads: 2));
        Assert.Contains("part 1", error.InnerException!.Message);
        Assert.Equal([1, 1], ran);
    }

    sealed class Failing(int[] ran) : IPartedWork
    {
        public void RunPart(int part)
        {
            Interlocked.Increment(ref ran[part]);
            if (part == 1) throw new ArgumentException("part 1 failed");
        }
    }
}
