using System.Diagnostics;

namespace OfflineSafety.Bench.Parquet;

/// <summary>
/// Peak memory seen while a piece of work ran. <see cref="ManagedHeapBytes"/> includes garbage not
/// yet collected (large page buffers wait on the large-object heap for a gen-2 collection);
/// <see cref="LiveManagedBytes"/>, when sampled, is the peak of what survived a full collection:
/// the memory the work actually needed.
/// </summary>
public sealed record PeakMemory(long ManagedHeapBytes, long? LiveManagedBytes, long WorkingSetBytes, long ProcessPeakWorkingSetBytes);

/// <summary>
/// Samples the managed heap and the working set on a background thread while work runs. The
/// process-lifetime high-water mark (VmHWM) is reported too, but it includes everything the
/// process did before, so the sampled peaks are the figures that describe one piece of work.
/// </summary>
public sealed class PeakMemoryProbe : IDisposable
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LiveSampleEvery = TimeSpan.FromMilliseconds(100);

    private readonly Thread _sampler;
    private readonly ManualResetEventSlim _stop = new();
    private readonly bool _sampleLive;
    private long _managedPeak;
    private long _livePeak;
    private long _workingSetPeak;

    private PeakMemoryProbe(bool sampleLive)
    {
        _sampleLive = sampleLive;
        _sampler = new Thread(Sample) { IsBackground = true, Name = "peak-memory-probe" };
        _sampler.Start();
    }

    /// <summary>
    /// Starts sampling after a full collection, so earlier garbage does not count. With
    /// <paramref name="sampleLive"/> the sampler also forces a full collection every 100 ms to
    /// measure live memory, which slows the work down: use it where memory, not time, is the question.
    /// </summary>
    public static PeakMemoryProbe Start(bool sampleLive = false)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return new PeakMemoryProbe(sampleLive);
    }

    public PeakMemory Stop()
    {
        _stop.Set();
        _sampler.Join();
        TakeSample(live: _sampleLive);
        using var process = Process.GetCurrentProcess();
        return new PeakMemory(Interlocked.Read(ref _managedPeak), _sampleLive ? Interlocked.Read(ref _livePeak) : null,
            Interlocked.Read(ref _workingSetPeak), process.PeakWorkingSet64);
    }

    private void Sample()
    {
        var sinceLive = Stopwatch.StartNew();
        do
        {
            bool live = _sampleLive && sinceLive.Elapsed >= LiveSampleEvery;
            TakeSample(live);
            if (live) sinceLive.Restart();
        }
        while (!_stop.Wait(SampleEvery));
    }

    private void TakeSample(bool live)
    {
        Raise(ref _managedPeak, GC.GetTotalMemory(forceFullCollection: false));
        Raise(ref _workingSetPeak, Environment.WorkingSet);
        if (live) Raise(ref _livePeak, GC.GetTotalMemory(forceFullCollection: true));
    }

    private static void Raise(ref long peak, long value)
    {
        if (value > Interlocked.Read(ref peak)) Interlocked.Exchange(ref peak, value);
    }

    public void Dispose()
    {
        if (!_stop.IsSet) Stop();
        _stop.Dispose();
    }
}
