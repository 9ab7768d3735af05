using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using OfflineSafety.Serve;
using OfflineSafety.Testing;

namespace OfflineSafety.Serve.Tests;

/// <summary>The service on a free loopback port (Kestrel, port 0) over a fresh store, with a client; stopped on dispose.</summary>
public sealed class ServeHost : IAsyncDisposable
{
    public const string Key = "test-key-1";

    private readonly TempDirectory _root = new();
    private WebApplication _app = null!;

    public string StorePath => Path.Combine(_root.Path, "store");
    public HttpClient Client { get; private set; } = null!;

    public static async Task<ServeHost> StartAsync(Func<ServeSettings, ServeSettings>? configure = null)
    {
        var host = new ServeHost();
        var settings = new ServeSettings { Store = host.StorePath, ApiKey = Key, SpoolFolder = Path.Combine(host._root.Path, "spool") };
        if (configure is not null) settings = configure(settings);
        host._app = ServeApp.Build(settings, ["http://127.0.0.1:0"]);
        await host._app.StartAsync();
        host.Client = new HttpClient { BaseAddress = new Uri(host._app.Urls.First()) };
        host.Client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        return host;
    }

    public Uri BaseAddress => Client.BaseAddress!;

    public static HttpContent File(string path, string mediaType)
    {
        var content = new ByteArrayContent(System.IO.File.ReadAllBytes(path));
        content.Headers.ContentType = new(mediaType);
        return content;
    }

    public static string Sample(string name) => RepositoryRoot.Combine("datasets", "navigation1-accidents", name);

    public async Task<JsonElement> UploadAsync(string dataset, string file, string mediaType, string query, int expectedStatus = 201)
    {
        var response = await Client.PostAsync($"/v1/datasets/{dataset}/uploads?{query}", File(Sample(file), mediaType));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    public async Task<long> MetricAsync(string name)
    {
        string text = await Client.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _root.Dispose();
    }
}
