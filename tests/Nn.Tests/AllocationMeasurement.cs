namespace OfflineSafety.Nn.Tests;

/// <summary>
/// Test classes that count the bytes a multi-threaded training step allocates run alone, not beside
/// other classes. The split states behind a threaded GEMM are pooled process-wide and the pool grows
/// to the number of calls that have ever been open at once: a class running threaded kernels in
/// parallel with the measured step can take the pooled state and make that step create one more
/// (the likely source of the 136 bytes seen once in CI; one split state with its event and lock is
/// about that size). That growth is the pool's intended warm-up, not a per-step cost.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    public const string Name = "Allocation measurement";
}
