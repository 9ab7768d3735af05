using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using OfflineSafety.Storage;

namespace OfflineSafety.Testing;

/// <summary>
/// A real Azurite blob service (npm `azurite`, installed into tests/interop with `npm ci` on first
/// use), started on a free loopback port with a temporary --location and stopped on dispose. It
/// runs without --skipApiVersionCheck: the store pins an API version Azurite accepts. Share
/// it with IClassFixture or ICollectionFixture; each test takes a fresh container.
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    public const string Account = "devstoreaccount1";

    // Azurite's documented well-known development key; it guards nothing.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int StartAttempts = 5;

    private readonly Process _process;
    private readonly TempDirectory _location = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _stderr = new();
    private int _containers;

    public AzuriteFixture()
    {
        string main = Path.Combine(InteropPackages.Folder, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        InteropPackages.EnsureInstalled(main);
        // A port found free can be taken before Azurite binds it (by an outgoing connection of a
        // test running beside this one: CI saw EADDRINUSE once), so a lost race picks a new port.
        for (int attempt = 1; ; attempt++)
        {
            Port = FreePort();
            _process = Start(main, Port, _location.Path, _stderr);
            string? failure = WaitUntilListening();
            if (failure is null) return;
            _process.Dispose();
            if (attempt == StartAttempts || !failure.Contains("EADDRINUSE", StringComparison.Ordinal))
                throw new InvalidOperationException($"Azurite exited before listening on port {Port}: {failure}");
        }
    }

    public int Port { get; private set; }

    /// <summary>CPU time the Azurite process has used so far (benchmarks report the emulator's share of a run).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public string BlobEndpoint => $"http://127.0.0.1:{Port}/{Account}";

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>The environment a child process (or StoreLocation.Open) needs to reach this Azurite.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { [StoreLocation.ConnectionStringVariable] = ConnectionString };

    /// <summary>A new, empty container; returns its --store address.</summary>
    public string NewContainerAddress()
    {
        string name = $"t{Interlocked.Increment(ref _containers)}-{Guid.NewGuid():N}";
        new BlobServiceClient(ConnectionString, AzureBlobStore.ClientOptions()).GetBlobContainerClient(name).Create();
        return $"{StoreLocation.Scheme}{Account}/{name}";
    }

    /// <summary>A store over a new, empty container.</summary>
    public IObjectStore NewStore() => Open(NewContainerAddress());

    public IObjectStore Open(string address) => StoreLocation.Open(address, v => v == StoreLocation.ConnectionStringVariable ? ConnectionString : null);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        finally
        {
            _process.Dispose();
            _location.Dispose();
        }
    }

    private static Process Start(string main, int port, string location, System.Collections.Concurrent.ConcurrentQueue<string> stderr)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", location, "--silent" })
            start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start Azurite");
        stderr.Clear();
        // Drained so that a chatty Azurite can never block on a full pipe; stderr is kept to say why it exited.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) stderr.Enqueue(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Null once Azurite accepts connections; why it did not otherwise.</summary>
    private string? WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // flushes the stderr reader
                return $"exit {_process.ExitCode}: {string.Join(" | ", _stderr)}";
            }
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return null;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        throw new TimeoutException($"Azurite did not listen on port {Port} within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
