using System.Globalization;
using System.Text;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Ingest.Tests.Datasets;

/// <summary>
/// An ingest writes its data files while the log is still being read (StreamedDataFiles): the
/// files must be the ones a whole-batch write gives (one per variant, stats `datasets check`
/// accepts), and a log rejected after uploads began must leave no object at all. On both backends.
/// </summary>
public abstract class StreamedIngestTests : IDisposable
{
    // Several handed batches (TransitionAssembler.HandedBatchRows) per variant, so uploads are under way before the end.
    private const int Rows = 5 * 16_384 + 123;

    private readonly TempDirectory _dir = new();

    protected abstract IObjectStore NewStore();

    protected string Folder => _dir.Path;

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)] // more variants than are streamed at once: the rest are held and written after reading
    public async Task Interleaved_variants_give_one_checked_file_each_with_every_row(int variants)
    {
        var objects = NewStore();
        var store = new DatasetStore(objects);
        string csv = WriteLog("log.csv", variants, badRow: null);

        var outcome = await new DatasetIngest(store).RunAsync(new IngestRequest([csv], "d", FieldMap.Parse(null), CreateWithEnv: "E"));

        Assert.Equal(Rows, outcome.Rows);
        var snapshot = await store.SnapshotAsync(DatasetReference.Parse("d"));
        Assert.Equal(variants, snapshot.Files.Count);
        var perVariant = new Dictionary<string, long>(StringComparer.Ordinal);
        long unsafeRows = 0;
        await foreach (var batch in store.ReadFilesAsync("d", snapshot))
        {
            for (int i = 0; i < batch.Count; i++)
            {
                perVariant[batch.Variant[i]] = perVariant.GetValueOrDefault(batch.Variant[i]) + 1;
                // Row order within a variant is the log's: steps rise by one within each episode.
                if (i > 0 && batch.EpisodeId[i] == batch.EpisodeId[i - 1]) Assert.Equal(batch.Step[i - 1] + 1, batch.Step[i]);
                if (batch.Unsafe[i]) unsafeRows++;
            }
        }
        for (int v = 0; v < variants; v++) Assert.Equal(Enumerable.Range(0, Rows).Count(r => r % variants == v), perVariant[$"v{v}"]);
        Assert.Equal(outcome.Unsafe, unsafeRows);
        // Stats and tags recomputed from each file's rows must equal those recorded batch by batch.
        var check = await new DatasetCheck(store).CheckAsync(DatasetReference.Parse("d"));
        Assert.True(check.Clean, string.Join("; ", check.Findings.Select(f => f.ToString())));
        Assert.Equal(Rows, check.RowsChecked);
    }

    [Fact]
    public async Task A_log_rejected_after_uploads_began_leaves_no_object()
    {
        var objects = NewStore();
        var store = new DatasetStore(objects);
        // Enough rows of one variant for more than one 8 MiB row group, so that bytes (a staged
        // block on Azure, a staged file locally) are in the store before the bad row is read.
        const int rows = 400_000;
        string csv = WriteLog("bad.csv", variants: 1, badRow: rows - 10, rows);

        var ex = await Assert.ThrowsAsync<LogRejectedException>(() =>
            new DatasetIngest(store).RunAsync(new IngestRequest([csv], "d", FieldMap.Parse(null), CreateWithEnv: "E")));
        Assert.Contains("reward", ex.Message, StringComparison.Ordinal);

        var left = new List<string>();
        await foreach (var o in objects.ListAsync("")) left.Add(o.Key);
        Assert.Empty(left);
        // And the next ingest of a good log succeeds.
        var outcome = await new DatasetIngest(store).RunAsync(new IngestRequest([WriteLog("good.csv", 2, badRow: null)], "d", FieldMap.Parse(null), CreateWithEnv: "E"));
        Assert.Equal(Rows, outcome.Rows);
    }

    /// <summary>Episodes of 50 steps, rows of the variants interleaved; <paramref name="badRow"/> gets a reward that is not a number.</summary>
    private string WriteLog(string name, int variants, int? badRow, int rows = Rows)
    {
        var text = new StringBuilder("episode_id,variant,obs_0,obs_1,action_0,reward,cost,next_obs_0,next_obs_1,terminal\n");
        for (int r = 0; r < rows; r++)
        {
            int v = r % variants;
            int k = r / variants; // position within the variant's rows
            long episode = v * 1_000_000L + k / 50;
            string reward = r == badRow ? "x" : (k % 7 * 0.5f).ToString(CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture,
                $"{episode},v{v},{k * 0.001f},{-k * 0.002f},{(k % 3) - 1},{reward},{(k % 97 == 0 ? 1 : 0)},{(k + 1) * 0.001f},{-(k + 1) * 0.002f},{(k % 50 == 49 ? "true" : "false")}\n");
        }
        string path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }
}

public sealed class LocalStreamedIngestTests : StreamedIngestTests
{
    protected override IObjectStore NewStore() => new LocalObjectStore(Path.Combine(Folder, "store-" + Guid.NewGuid().ToString("N")));
}

public sealed class AzureStreamedIngestTests(AzuriteFixture azurite) : StreamedIngestTests, IClassFixture<AzuriteFixture>
{
    protected override IObjectStore NewStore() => azurite.NewStore();
}
