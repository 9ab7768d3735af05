using System.Text;
using OfflineSafety.Errors;
using OfflineSafety.Testing;

namespace OfflineSafety.Storage.Tests;

/// <summary>
/// What every <see cref="IObjectStore"/> promises, run once per backend: a local directory and a
/// container in a real Azurite (the derived classes below are all that differs).
/// </summary>
public abstract class ObjectStoreContract
{
    protected abstract IObjectStore Store { get; }

    [Fact]
    public async Task Write_then_read_round_trips_and_replaces()
    {
        await Store.WriteAsync("a/b/c.bin", "one"u8.ToArray());
        await Store.WriteAsync("a/b/c.bin", "two!"u8.ToArray());
        Assert.Equal("two!", Encoding.UTF8.GetString(await Store.ReadAsync("a/b/c.bin")));
        var info = await Store.GetInfoAsync("a/b/c.bin");
        Assert.Equal(4, info!.Length);
        Assert.Null(await Store.TryReadAsync("a/b/missing"));
        Assert.Null(await Store.GetInfoAsync("a/b/missing"));
        var ex = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadAsync("a/missing"));
        Assert.Contains("a/missing", ex.Message);
    }

    [Fact]
    public async Task Ranged_reads_return_exactly_the_range_and_stop_at_the_end()
    {
        var content = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        await Store.WriteAsync("r/obj", content);
        var buffer = new byte[1000];
        Assert.Equal(1000, await Store.ReadRangeAsync("r/obj", 5000, buffer));
        Assert.Equal(content[5000..6000], buffer);
        Assert.Equal(500, await Store.ReadRangeAsync("r/obj", content.Length - 500, buffer));
        Assert.Equal(content[^500..], buffer[..500]);
        Assert.Equal(0, await Store.ReadRangeAsync("r/obj", content.Length, buffer));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadRangeAsync("r/none", 0, buffer));

        await using var stream = await Store.TryOpenReadAsync("r/obj");
        Assert.NotNull(stream);
        Assert.Equal(content.Length, stream.Length);
        stream.Position = content.Length - 8;
        var tail = new byte[8];
        stream.ReadExactly(tail);
        Assert.Equal(content[^8..], tail);
        stream.Position = 10;
        var middle = new byte[RangedReadStream.TailBytes * 3];
        await stream.ReadExactlyAsync(middle);
        Assert.Equal(content[10..(10 + middle.Length)], middle);
        Assert.Null(await Store.TryOpenReadAsync("r/none"));
    }

    [Fact]
    public async Task A_ranged_stream_downloads_what_is_read_and_the_tail_once()
    {
        // The reads a Parquet reader makes: head magic, trailing length+magic, footer, one column chunk.
        var content = Enumerable.Range(0, 1_000_000).Select(i => (byte)(i * 13)).ToArray();
        await Store.WriteAsync("p/part.parquet", content);
        var counting = new CountingObjectStore(Store);
        await using var stream = (await counting.TryOpenReadAsync("p/part.parquet"))!;
        var head = new byte[4];
        stream.ReadExactly(head);
        stream.Position = content.Length - 8;
        stream.ReadExactly(new byte[8]);
        stream.Position = content.Length - 3000;
        var footer = new byte[2992];
        stream.ReadExactly(footer);
        stream.Position = 400_000;
        var chunk = new byte[1500];
        stream.ReadExactly(chunk);
        Assert.Equal(content[..4], head);
        Assert.Equal(content[^3000..^8], footer);
        Assert.Equal(content[400_000..401_500], chunk);
        var read = counting.Reads["p/part.parquet"];
        Assert.Equal(3, read.Requests);
        Assert.Equal(4 + RangedReadStream.TailBytes + 1500, read.Bytes);
    }

    [Fact]
    public async Task Streamed_writes_larger_than_one_block_land_whole()
    {
        // Above the blob store's block size: staged blocks, then one commit of the block list.
        var content = new byte[AzureBlobStore.BlockBytes * 2 + 12345];
        new Random(3).NextBytes(content);
        await Store.WriteAsync("big/part-0.parquet", new MemoryStream(content));
        Assert.Equal(content.Length, (await Store.GetInfoAsync("big/part-0.parquet"))!.Length);
        var back = await Store.ReadAsync("big/part-0.parquet");
        Assert.True(content.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task Create_if_absent_never_replaces_an_existing_object()
    {
        Assert.True(await Store.CreateIfAbsentAsync("log/0.json", "first"u8.ToArray()));
        Assert.False(await Store.CreateIfAbsentAsync("log/0.json", "second"u8.ToArray()));
        Assert.Equal("first", Encoding.UTF8.GetString(await Store.ReadAsync("log/0.json")));
    }

    [Fact]
    public async Task Racing_create_if_absent_has_exactly_one_winner()
    {
        // Several rounds: one lucky interleaving must not be what makes this pass.
        const int writers = 16;
        for (int round = 0; round < 5; round++)
        {
            string key = $"race/key-{round}";
            var results = RaceOnThreads(writers, i => Store.CreateIfAbsentAsync(key, Encoding.UTF8.GetBytes($"writer {i}")).GetAwaiter().GetResult());
            Assert.Equal(1, results.Count(r => r));
            int winner = Array.IndexOf(results, true);
            Assert.Equal($"writer {winner}", Encoding.UTF8.GetString(await Store.ReadAsync(key)));
        }
    }

    /// <summary>Dedicated threads released together by a barrier, so the publishes really overlap.</summary>
    internal static bool[] RaceOnThreads(int count, Func<int, bool> publish)
    {
        var results = new bool[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = publish(i);
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return results;
    }

    [Fact]
    public async Task List_returns_keys_under_a_prefix_in_ordinal_order()
    {
        foreach (var key in new[] { "t/_delta_log/00000000000000000002.json", "t/_delta_log/00000000000000000010.json", "t/_delta_log/00000000000000000001.json", "t/x/part-1", "u/other" })
            await Store.WriteAsync(key, "x"u8.ToArray());
        var keys = new List<string>();
        await foreach (var info in Store.ListAsync("t/_delta_log/0000")) keys.Add(info.Key);
        Assert.Equal(["t/_delta_log/00000000000000000001.json", "t/_delta_log/00000000000000000002.json", "t/_delta_log/00000000000000000010.json"], keys);

        var all = new List<string>();
        await foreach (var info in Store.ListAsync("")) all.Add(info.Key);
        Assert.Equal(["t/_delta_log/00000000000000000001.json", "t/_delta_log/00000000000000000002.json", "t/_delta_log/00000000000000000010.json", "t/x/part-1", "u/other"], all);
    }

    [Fact]
    public async Task Common_prefixes_are_the_next_level_only_and_skip_deleted_ones()
    {
        await Store.WriteAsync("datasets/b/_delta_log/0.json", "x"u8.ToArray());
        await Store.WriteAsync("datasets/a/x/y", "x"u8.ToArray());
        await Store.WriteAsync("datasets/c/gone", "x"u8.ToArray());
        Assert.True(await Store.DeleteAsync("datasets/c/gone"));
        Assert.False(await Store.DeleteAsync("datasets/c/gone"));
        var prefixes = new List<string>();
        await foreach (var p in Store.ListCommonPrefixesAsync("datasets/")) prefixes.Add(p);
        Assert.Equal(["datasets/a/", "datasets/b/"], prefixes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    public async Task Invalid_keys_are_rejected(string key)
    {
        await Assert.ThrowsAsync<BadInputException>(() => Store.WriteAsync(key, "x"u8.ToArray()));
    }

    [Fact]
    public async Task A_produced_write_streams_several_blocks_and_reports_its_length()
    {
        // Three and a half blob blocks, written in odd-sized pieces as an encoder's row groups arrive.
        int total = (int)(3.5 * AzureBlobStore.BlockBytes);
        var content = Enumerable.Range(0, total).Select(i => (byte)(i * 31 + (i >> 13))).ToArray();
        long length = await Store.WriteProducedAsync("p/big.bin", (output, ct) =>
        {
            for (int at = 0; at < total;)
            {
                ct.ThrowIfCancellationRequested();
                int n = Math.Min(total - at, 1_234_567);
                output.Write(content, at, n);
                at += n;
            }
        });
        Assert.Equal(total, length);
        Assert.Equal(content, await Store.ReadAsync("p/big.bin"));
    }

    [Fact]
    public async Task A_produced_write_whose_encoder_fails_rethrows_its_error_and_leaves_nothing()
    {
        await Store.WriteAsync("p/kept.bin", "old"u8.ToArray());
        var failure = await Assert.ThrowsAsync<BadInputException>(() => Store.WriteProducedAsync("p/kept.bin", (output, _) =>
        {
            // Past the first block, so a blob store has already staged blocks when the encoder fails.
            output.Write(new byte[AzureBlobStore.BlockBytes + 4096]);
            throw new BadInputException("row 7: obs[2] is NaN");
        }));
        Assert.Equal("row 7: obs[2] is NaN", failure.Message);
        Assert.Equal("old", Encoding.UTF8.GetString(await Store.ReadAsync("p/kept.bin")));

        await Assert.ThrowsAsync<BadInputException>(() => Store.WriteProducedAsync("p/never.bin", (output, _) =>
        {
            output.Write(new byte[100]);
            throw new BadInputException("truncated");
        }));
        Assert.Null(await Store.GetInfoAsync("p/never.bin"));
    }
}

public sealed class LocalObjectStoreContract : ObjectStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    public LocalObjectStoreContract() => Store = new LocalObjectStore(_dir.Path, flushToDisk: false);

    protected override IObjectStore Store { get; }

    public void Dispose() => _dir.Dispose();
}

public sealed class AzureBlobStoreContract(AzuriteFixture azurite) : ObjectStoreContract, IClassFixture<AzuriteFixture>
{
    protected override IObjectStore Store { get; } = azurite.NewStore();
}
