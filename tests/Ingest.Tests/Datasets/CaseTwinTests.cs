using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using static OfflineSafety.Ingest.Tests.Datasets.SampleTransitions;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>
/// Step 8 leftover: names that differ only by case would share a folder on a case-insensitive file
/// system, so a new dataset or variant that is a case twin of one in use is refused before any commit.
/// </summary>
public sealed class CaseTwinTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DatasetStore _store;

    public CaseTwinTests() => _store = new DatasetStore(new LocalObjectStore(_dir.Path));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_dataset_whose_name_differs_only_by_case_from_an_existing_one_is_refused()
    {
        await _store.CreateAsync("cartpole", Metadata());
        var ex = await Assert.ThrowsAsync<ConflictException>(() => _store.CreateAsync("CartPole", Metadata()));
        Assert.Contains("'CartPole' differs only by case from existing dataset 'cartpole'", ex.Message);
        var viaIngest = await Assert.ThrowsAsync<ConflictException>(() => _store.CreateAndAppendAsync("CARTPOLE", Metadata(), Make("light", "a", 0, 1, 2)));
        Assert.Contains("differs only by case", viaIngest.Message);
        Assert.Equal(["cartpole"], await _store.ListAsync());
        await _store.CreateAsync("cartpole-2", Metadata());    // other names are fine
    }

    [Fact]
    public async Task A_variant_that_differs_only_by_case_is_refused_and_nothing_is_committed()
    {
        await _store.CreateAsync("ds", Metadata());
        await _store.AppendAsync("ds", Make("heavy", "a", 0, 1, 2));
        var ex = await Assert.ThrowsAsync<BadInputException>(() => _store.AppendAsync("ds", Make("Heavy", "b", 1, 1, 2)));
        Assert.Equal("dataset 'ds': variant 'Heavy' differs only by case from variant 'heavy'; variants are folders, and case-insensitive file systems would merge them", ex.Message);

        var both = Make("light", "c", 2, 1, 2);
        both.AddRange(Make("LIGHT", "c", 3, 1, 2));
        await Assert.ThrowsAsync<BadInputException>(() => _store.AppendAsync("ds", both));
        Assert.Equal(1, (await _store.ResolveAsync(new DatasetReference("ds", null))).Version);

        await _store.AppendAsync("ds", Make("heavy", "d", 4, 1, 2));   // the same spelling appends as before
        Assert.Equal(4, (await _store.ReadAsync(new DatasetReference("ds", null))).Count);
    }
}
