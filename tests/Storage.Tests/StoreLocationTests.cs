using System.Diagnostics;
using OfflineSafety.Errors;
using OfflineSafety.Testing;

namespace OfflineSafety.Storage.Tests;

/// <summary>Bad addresses and credentials fail in one line naming what is wrong, within seconds.</summary>
public sealed class StoreLocationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(15);

    [Fact]
    public void Local_paths_open_local_stores()
    {
        using var dir = new TempDirectory();
        Assert.IsType<LocalObjectStore>(StoreLocation.Open(dir.Path));
    }

    [Theory]
    [InlineData("s3://bucket/x", "unknown scheme 's3'")]
    [InlineData("azure://account/container", "unknown scheme 'azure'")]
    [InlineData("az://devstoreaccount1", "no container")]
    [InlineData("az://devstoreaccount1/", "no container")]
    [InlineData("az:///container", "no storage account")]
    [InlineData("az://devstoreaccount1/Bad_Name", "'Bad_Name' is not a container name")]
    public void Malformed_addresses_are_refused_by_name(string address, string expected)
    {
        var ex = Assert.Throws<BadInputException>(() => StoreLocation.Open(address, _ => azurite.ConnectionString));
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Missing_credentials_name_both_variables()
    {
        var ex = Assert.Throws<BadInputException>(() => StoreLocation.Open("az://acct/data", _ => null));
        Assert.Contains(StoreLocation.ConnectionStringVariable, ex.Message);
        Assert.Contains(StoreLocation.SasTokenVariable, ex.Message);
    }

    [Fact]
    public void A_connection_string_for_another_account_is_refused()
    {
        var ex = Assert.Throws<BadInputException>(() => StoreLocation.Open("az://otheraccount/data", _ => azurite.ConnectionString));
        Assert.Contains("'devstoreaccount1'", ex.Message);
        Assert.Contains("'otheraccount'", ex.Message);
    }

    [Fact]
    public async Task A_missing_container_is_not_found_naming_it()
    {
        var store = azurite.Open("az://devstoreaccount1/no-such-container");
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => store.ListAsync("datasets/").ToListAsync().AsTask());
        Assert.Contains("container 'no-such-container' does not exist", ex.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => store.WriteAsync("a", "x"u8.ToArray()));
        await Assert.ThrowsAsync<NotFoundException>(() => store.CreateIfAbsentAsync("a", "x"u8.ToArray()));
        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_wrong_key_is_refused_naming_the_credentials()
    {
        string address = azurite.NewContainerAddress();
        string wrongKey = Convert.ToBase64String(new byte[64]);
        var store = StoreLocation.Open(address, _ => azurite.ConnectionString.Replace(AzuriteFixture.AccountKey, wrongKey, StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<BadInputException>(() => store.ListAsync("").ToListAsync().AsTask());
        Assert.Contains("refused the credentials", ex.Message);
        await Assert.ThrowsAsync<BadInputException>(() => store.TryReadAsync("a"));
        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_within_seconds_naming_it()
    {
        int closed;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            l.Start();
            closed = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        }
        string connection = azurite.ConnectionString.Replace($":{azurite.Port}/", $":{closed}/", StringComparison.Ordinal);
        var store = StoreLocation.Open("az://devstoreaccount1/data", _ => connection);
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<BadInputException>(() => store.TryReadAsync("datasets/x/_delta_log/00000000000000000000.json"));
        Assert.Contains($"cannot reach http://127.0.0.1:{closed}", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_malformed_connection_string_is_bad_input()
    {
        var ex = Assert.Throws<BadInputException>(() => StoreLocation.Open("az://devstoreaccount1/data", _ => "this is not a connection string"));
        Assert.Contains(StoreLocation.ConnectionStringVariable, ex.Message);
    }
}
