using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace OfflineSafety.Serve.Tests;

public sealed class DatasetEndpointTests
{
    private const string Create = "env=navigation1&variant=test&source=robot-7";

    [Fact]
    public async Task Upload_list_stats_versions_and_rows_as_arrow_and_jsonl()
    {
        await using var host = await ServeHost.StartAsync();
        var created = await host.UploadAsync("acc", "accidents.csv", "text/csv", Create);
        Assert.Equal(1, created.GetProperty("version").GetInt64());
        Assert.Equal(93, created.GetProperty("rows").GetInt64());
        Assert.Equal(7, created.GetProperty("unsafe").GetInt64());
        var second = await host.UploadAsync("acc", "accidents.jsonl", "application/x-ndjson", "variant=other");
        Assert.Equal(2, second.GetProperty("version").GetInt64());

        var list = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/datasets")).RootElement.GetProperty("datasets");
        Assert.Equal("acc", list[0].GetProperty("name").GetString());
        var stats = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/datasets/acc@1")).RootElement;
        Assert.Equal(93, stats.GetProperty("total").GetProperty("rows").GetInt64());
        var versions = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/datasets/acc/versions")).RootElement.GetProperty("versions");
        Assert.Equal(3, versions.GetArrayLength());

        var arrow = await host.Client.GetAsync("/v1/datasets/acc@1/rows");
        Assert.Equal("application/vnd.apache.arrow.stream", arrow.Content.Headers.ContentType!.MediaType);
        using var reader = new ArrowStreamReader(await arrow.Content.ReadAsStreamAsync());
        int rows = 0;
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
        {
            using (batch)
            {
                rows += batch.Length;
                var obs = (FixedSizeListArray)batch.Column("obs");
                var values = (FloatArray)obs.Values;
                Assert.Equal(2 * batch.Length, values.Length);
                Assert.Equal("test", ((StringArray)batch.Column("variant")).GetString(0));
            }
        }
        Assert.Equal(93, rows);

        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/datasets/acc/rows?variant=other");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        var jsonl = await (await host.Client.SendAsync(request)).Content.ReadAsStringAsync();
        var lines = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(93, lines.Length);
        Assert.Equal(-76.3047f, JsonDocument.Parse(lines[0]).RootElement.GetProperty("obs")[0].GetSingle());
    }

    [Fact]
    public async Task A_retried_upload_with_its_idempotency_key_makes_one_version()
    {
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("acc", "accidents.csv", "text/csv", Create);
        async Task<HttpResponseMessage> Send(string file, string type)
        {
            var content = ServeHost.File(ServeHost.Sample(file), type);
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/acc/uploads?variant=again") { Content = content };
            request.Headers.Add("Idempotency-Key", "upload-42");
            return await host.Client.SendAsync(request);
        }
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Send("accidents.jsonl", "application/x-ndjson")));
        var versions = new List<long>();
        foreach (var r in responses)
        {
            Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
            versions.Add((await ServeHost.JsonAsync(r)).GetProperty("version").GetInt64());
        }
        Assert.Single(versions.Distinct());
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var again = await Send("accidents.jsonl", "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(versions[0], (await ServeHost.JsonAsync(again)).GetProperty("version").GetInt64());
        // The same key for other content is a conflict, not a replay.
        var other = await Send("accidents.parquet", "application/vnd.apache.parquet");
        await ProblemAssert.IsAsync(other, 409);
        var history = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/datasets/acc/versions")).RootElement.GetProperty("versions");
        Assert.Equal(3, history.GetArrayLength());
    }

    private static async Task<int> VersionCount(ServeHost host, string name)
    {
        var r = await host.Client.GetAsync($"/v1/datasets/{name}/versions");
        return r.IsSuccessStatusCode ? JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("versions").GetArrayLength() : 0;
    }

    private static HttpContent Text(string text, string type)
    {
        var c = new StringContent(text, Encoding.UTF8);
        c.Headers.ContentType = new MediaTypeHeaderValue(type);
        return c;
    }

    [Fact]
    public async Task Bad_uploads_are_problems_and_leave_no_version_and_no_files()
    {
        await using var host = await ServeHost.StartAsync(s => s with { MaxUploadBytes = 64 * 1024 });
        await host.UploadAsync("acc", "accidents.csv", "text/csv", Create);
        string header = "episode_id,step,obs_0,obs_1,action_0,action_1,reward,cost\n";
        // Wrong dimensions: three observation columns against a 2-dimensional dataset.
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/datasets/acc/uploads",
            Text("episode_id,step,obs_0,obs_1,obs_2,action_0,action_1,reward,cost\n0,0,1,2,3,0.1,0.2,0,0\n", "text/csv")), 400);
        // NaN in an observation.
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/datasets/acc/uploads", Text(header + "0,0,NaN,2,0.1,0.2,0,0\n", "text/csv")), 400);
        // Truncated Parquet: the first half of a valid file.
        var parquet = File.ReadAllBytes(ServeHost.Sample("accidents.parquet"));
        var half = new ByteArrayContent(parquet[..(parquet.Length / 2)]);
        half.Headers.ContentType = new("application/vnd.apache.parquet");
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/datasets/acc/uploads?variant=half", half), 400);
        // Wrong content type.
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/datasets/acc/uploads", Text("<html/>", "text/html")), 415);
        // Oversized body.
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/datasets/acc/uploads", Text(header + new string('x', 70 * 1024), "text/csv")), 413);
        // Unknown dataset (no env given to create it).
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/datasets/nope/uploads", Text(header + "0,0,1,2,0.1,0.2,0,0\n", "text/csv")), 404);
        // Bad and missing API key.
        var noKey = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/acc/uploads") { Content = Text(header + "0,0,1,2,0.1,0.2,0,0\n", "text/csv") };
        using (var anonymous = new HttpClient { BaseAddress = host.BaseAddress })
        {
            await ProblemAssert.IsAsync(await anonymous.SendAsync(noKey), 401);
            anonymous.DefaultRequestHeaders.Add("X-Api-Key", "wrong");
            await ProblemAssert.IsAsync(await anonymous.PostAsync("/v1/datasets/acc/uploads", Text(header + "0,0,1,2,0.1,0.2,0,0\n", "text/csv")), 401);
        }
        // Path tricks in names: traversal, encoded separators, control characters.
        foreach (var name in new[] { "..", "..%2F..%2Fetc", "a%5Cb", "a%00b", "%2e%2e", ".hidden" })
        {
            var r = await host.Client.PostAsync($"/v1/datasets/{name}/uploads?env=navigation1", Text(header + "0,0,1,2,0.1,0.2,0,0\n", "text/csv"));
            Assert.True((int)r.StatusCode is 400 or 404, $"{name}: {(int)r.StatusCode}");
            // Kestrel refuses a NUL in the path itself, before any endpoint runs (a bare 400); all else is ours.
            if (name != "a%00b") await ProblemAssert.IsAsync(r, (int)r.StatusCode);
        }
        await ProblemAssert.IsAsync(await host.Client.PostAsync("/v1/datasets/acc/uploads?variant=a%2Fb", Text(header + "0,0,1,2,0.1,0.2,0,0\n", "text/csv")), 400);
        await ProblemAssert.IsAsync(await host.Client.GetAsync("/v1/datasets/nope"), 404);

        Assert.Equal(2, await VersionCount(host, "acc"));
        Assert.Equal(["acc"], Directory.GetDirectories(Path.Combine(host.StorePath, "datasets")).Select(Path.GetFileName));
        // No data file beyond the one the first upload wrote.
        Assert.Single(Directory.GetFiles(Path.Combine(host.StorePath, "datasets", "acc"), "*.parquet", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_body_shorter_than_its_content_length_writes_nothing()
    {
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("acc", "accidents.csv", "text/csv", Create);
        var body = File.ReadAllBytes(ServeHost.Sample("accidents.jsonl"));
        using var socket = new TcpClient();
        await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var stream = socket.GetStream();
        string head = $"POST /v1/datasets/acc/uploads?variant=cut HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nX-Api-Key: {ServeHost.Key}\r\n"
            + $"Content-Type: application/x-ndjson\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        socket.Client.Shutdown(SocketShutdown.Send);
        var answer = new MemoryStream();
        try { await stream.CopyToAsync(answer); }
        catch (IOException) { }
        string text = Encoding.ASCII.GetString(answer.ToArray());
        if (text.Length > 0) Assert.StartsWith("HTTP/1.1 400", text);
        Assert.Equal(2, await VersionCount(host, "acc"));
        Assert.Single(Directory.GetFiles(Path.Combine(host.StorePath, "datasets", "acc"), "*.parquet", SearchOption.AllDirectories));
    }
}
