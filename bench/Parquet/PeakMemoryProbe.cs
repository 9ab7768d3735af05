using System.Diagnostics;

namespace OfflineSafety.Bench.Parquet;

/// <summary>Peak memory seen while a piece of work ran.</summary>
public sealed record PeakMemory(long ManagedHeapBytes, long WorkingSetBytes, long ProcessPeakWorkingSetBytes);

/// <summary>
/// Samples the managed heap and the working set on a background thread while work runs. The
/// process-lifetime high-water mark (VmHWM) is reported too, but it includes everything the
/// process did before, so the sampled peaks are the figures that describe one piece of work.
/// </summary>
public sealed class PeakMemoryProbe : IDisposable
{
    private readonly Thread _sampler;
    private readonly ManualResetEventSlim _stop = new();
    private long _managedPeak;
    private long _workingSetPeak;

    private PeakMemoryProbe()
    {
        _sampler = new Thread(Sample) { IsBackground = true, Name = "peak-memory-probe" };
        _sampler.Start();
    }

    /// <summary>Starts sampling after a full collection, so earlier garbage does not count.</summary>
    public static PeakMemoryProbe Start()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return new PeakMemoryProbe();
    }

    public PeakMemory Stop()
    {
        _stop.Set();
        _sampler.Join();
        TakeSample();
        using var process = Process.GetCurrentProcess();
        return new PeakMemory(Interlocked.Read(ref _managedPeak), Interlocked.Read(ref _workingSetPeak), process.PeakWorkingSet64);
    }

    private void Sample()
    {
        do TakeSample();
        while (!_stop.Wait(TimeSpan.FromMilliseconds(2)));
    }

    private void TakeSample()
    {
        long managed = GC.GetTotalMemory(forceFullCollection: false);
        long workingSet = Environment.WorkingSet;
        if (managed > Interlocked.Read(ref _managedPeak)) Interlocked.Exchange(ref _managedPeak, managed);
        if (workingSet > Interlocked.Read(ref _workingSetPeak)) Interlocked.Exchange(ref _workingSetPeak, workingSet);
    }

    public void Dispose()
    {
        if (!_stop.IsSet) Stop();
        _stop.Dispose();
    }
}
