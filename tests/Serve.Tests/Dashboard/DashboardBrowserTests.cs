using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OfflineSafety.Meta.Plans;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Storage;
using OfflineSafety.Testing;
using PuppeteerSharp;

namespace OfflineSafety.Serve.Tests.Dashboard;

/// <summary>
/// The dashboard in a real headless browser against the service on Kestrel: every page loads (200)
/// and shows what the store holds; an upload through the form makes a version and the page shows
/// it; a bad file or a wrong key shows the one-line detail and makes none.
/// </summary>
public sealed class DashboardBrowserTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>
{
    private static HttpContent Json(object body) => JsonContent.Create(body);

    private static async Task<string> TextAsync(IPage page, string selector) =>
        await page.EvaluateFunctionAsync<string>("s => document.querySelector(s)?.innerText ?? ''", selector);

    private async Task<(IPage Page, IResponse Response)> OpenAsync(ServeHost host, string path)
    {
        var page = await chromium.Browser.NewPageAsync();
        var response = await page.GoToAsync(new Uri(host.BaseAddress, path).ToString(), WaitUntilNavigation.Load);
        return (page, response);
    }

    /// <summary>Uploads, a plan run that trains nav-critic@1 on nav@1, a critic adapted from it, a run in progress, a report.</summary>
    private static async Task<ServeHost> PopulatedHostAsync()
    {
        var host = await ServeHost.StartAsync();
        await host.UploadAsync("nav", "accidents.csv", "text/csv", "env=navigation1&variant=a&source=robot-7");
        var added = await host.Client.PostAsync("/v1/plans", Json(new
        {
            name = "nav-nightly",
            training = new { dataset = "nav", algorithm = "multitask", model = "nav-critic", steps = 3, batch_size = 8, architecture = "8,8" },
            on_new_data = true,
        }));
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.PostAsync("/v1/plans/nav-nightly/runs", null)).StatusCode);
        var objects = StoreLocation.Open(host.StorePath);
        var scheduler = new PlanScheduler(objects, TimeProvider.System, "test-worker", new SchedulerSettings());
        var trained = Assert.Single(await Task.WhenAll(await scheduler.TickAsync()))!;
        Assert.Equal((RunState.Succeeded, "nav-critic@1"), (trained.State, trained.PublishedModel));

        await host.UploadAsync("nav", "accidents.jsonl", "application/x-ndjson", "variant=b");
        var adapt = await host.Client.PostAsync("/v1/models/nav-critic/adapt", Json(new { dataset = "nav", variant = "b", steps = 3, seed = 1, model = "nav-robot7" }));
        Assert.True(adapt.StatusCode == HttpStatusCode.Created, await adapt.Content.ReadAsStringAsync());

        // A run in the middle of training, as its worker's heartbeat saves it.
        var now = DateTimeOffset.UtcNow;
        await new RunStore(objects).CreateAsync(new TrainingRun
        {
            Id = RunStore.NewId("nav-nightly", now, "manual-abc123"), Plan = "nav-nightly", State = RunState.Running, Trigger = RunTrigger.Manual,
            QueuedUtc = now, StartedUtc = now, Worker = "worker-7", Dataset = new DatasetLineage("nav", 2, null, ["a", "b"]),
            Progress = new RunProgress(40, 100, 0.0123, 95), LogTail = ["step 40/100 loss 0.0123 <not markup>"],
        });

        // An experiment report where `offsafe experiment` writes them.
        await objects.WriteAsync("runs/critics-navigation1-20261205T120000Z/README.md", Encoding.UTF8.GetBytes("# Critics on navigation1\n\n| method | auc |\n"));
        await objects.WriteAsync("runs/critics-navigation1-20261205T120000Z/auc.svg", Encoding.UTF8.GetBytes(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" height=\"200\"><rect width=\"320\" height=\"200\" fill=\"#eee\"/><text x=\"10\" y=\"20\">auc</text></svg>"));
        return host;
    }

    [Fact]
    public async Task Every_page_loads_and_shows_datasets_lineage_run_progress_and_reports()
    {
        await using var host = await PopulatedHostAsync();

        var (overview, response) = await OpenAsync(host, "/");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        string text = await TextAsync(overview, "#overview");
        Assert.Contains("1 datasets: nav", text);
        Assert.Contains("2 model versions", text);
        Assert.Contains("1 runs queued or running", text);
        Assert.Contains("1 experiment reports", text);

        var (datasets, r1) = await OpenAsync(host, "/ui/datasets");
        Assert.Equal(HttpStatusCode.OK, r1.Status);
        string table = await TextAsync(datasets, "#datasets");
        Assert.Contains("nav\t2\tnavigation1\t2 / 2\t186\t28\t0.0753\ta (93), b (93)", table);

        // Following the link is what a person does.
        await Task.WhenAll(datasets.WaitForNavigationAsync(), datasets.ClickAsync("#datasets a"));
        Assert.EndsWith("/ui/datasets/nav", datasets.Url);
        Assert.Equal("2", await TextAsync(datasets, "#version"));
        Assert.Contains("variant a", await TextAsync(datasets, "#stats"));
        Assert.Contains("INGEST", await TextAsync(datasets, "#history"), StringComparison.OrdinalIgnoreCase);
        Assert.True(await datasets.EvaluateExpressionAsync<bool>("!!document.querySelector('#history tr#v1') && !!document.querySelector('#history tr#v2')"));

        var (models, r2) = await OpenAsync(host, "/ui/models");
        Assert.Equal(HttpStatusCode.OK, r2.Status);
        string root = await TextAsync(models, "li[data-model='nav-critic@1']");
        Assert.StartsWith("nav@1 → nav-critic@1", root);
        string child = await TextAsync(models, "li[data-model='nav-critic@1'] li[data-model='nav-robot7@1']");
        Assert.StartsWith("→ nav-robot7@1", child);
        Assert.Contains("adapted on nav@2", child);

        var (runs, r3) = await OpenAsync(host, "/ui/runs");
        Assert.Equal(HttpStatusCode.OK, r3.Status);
        Assert.Contains("nav-critic", await TextAsync(runs, "#plans"));
        string runsText = await TextAsync(runs, "#runs");
        Assert.Contains("running", runsText);
        Assert.Contains("succeeded", runsText);
        Assert.Contains("step 40 / 100", runsText);
        Assert.Contains("0.0123", runsText);
        Assert.Contains("1m 35s", runsText);
        Assert.Contains("step 40/100 loss 0.0123 <not markup>", await TextAsync(runs, "pre.log"));
        Assert.Equal("5", await runs.EvaluateExpressionAsync<string>("document.querySelector('meta[http-equiv=refresh]').content"));

        var (reports, r4) = await OpenAsync(host, "/ui/reports");
        Assert.Equal(HttpStatusCode.OK, r4.Status);
        Assert.Contains("# Critics on navigation1", await TextAsync(reports, "#report-critics-navigation1-20261205T120000Z pre"));
        // The plot is fetched and decoded by the browser as an image.
        Assert.Equal(320, await reports.EvaluateExpressionAsync<int>("document.querySelector('img.plot').naturalWidth"));
    }

    [Fact]
    public async Task An_upload_through_the_form_makes_a_version_and_a_bad_file_or_key_makes_none()
    {
        await using var host = await ServeHost.StartAsync();
        using var files = new TempDirectory();
        string good = Path.Combine(files.Path, "robot-7.csv");
        File.Copy(ServeHost.Sample("accidents.csv"), good);
        string bad = Path.Combine(files.Path, "broken.csv");
        File.WriteAllText(bad, "episode_id,step,obs_0,obs_1,action_0,action_1,reward,cost\n0,0,NaN,2,0.1,0.2,0,0\n");

        var (page, response) = await OpenAsync(host, "/ui/datasets");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        // The form carries its antiforgery token, paired with a SameSite=Strict cookie the browser now holds.
        Assert.NotEmpty(await page.EvaluateExpressionAsync<string>("document.querySelector('form.upload input[name=__offsafe_antiforgery]').value"));
        var cookie = Assert.Single(await page.GetCookiesAsync(), c => c.Name == "offsafe.antiforgery");
        Assert.Equal((true, SameSite.Strict), (cookie.HttpOnly ?? false, cookie.SameSite ?? SameSite.None));
        await FillAsync(page, "robot", good, variant: "b1=2.0,b2=2.0", key: ServeHost.Key, env: "navigation1");
        var posted = await SubmitAsync(page);
        Assert.Equal(HttpStatusCode.OK, posted.Status);
        Assert.EndsWith("/ui/datasets/robot?uploaded=1", page.Url);
        Assert.Contains("robot@1 is the new version", await TextAsync(page, "#notice"));
        Assert.Equal("1", await TextAsync(page, "#version"));
        Assert.Contains("variant b1=2.0,b2=2.0", await TextAsync(page, "#stats"));
        Assert.Equal(1, await LatestVersionAsync(host, "robot"));

        // The dataset page's own form: a file with NaN in an observation is refused with the reader's detail.
        await FillAsync(page, null, bad, variant: null, key: ServeHost.Key);
        var refused = await SubmitAsync(page);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        string error = await TextAsync(page, "#error");
        Assert.Contains("NaN", error);
        Assert.DoesNotContain("\n", error);
        Assert.Equal(1, await LatestVersionAsync(host, "robot"));

        // The form shown again keeps the dataset name; a wrong key is refused before anything is read.
        Assert.Equal("robot", await page.EvaluateExpressionAsync<string>("document.querySelector('input[name=dataset]').value"));
        await FillAsync(page, null, good, variant: "b1=3.0,b2=3.0", key: "not-the-key");
        var unauthorized = await SubmitAsync(page);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.Status);
        Assert.Contains("does not hold the service's API key", await TextAsync(page, "#error"));
        Assert.Equal(1, await LatestVersionAsync(host, "robot"));

        // An unknown dataset's page is a 404 page naming it.
        var (missing, notFound) = await OpenAsync(host, "/ui/datasets/nope");
        Assert.Equal(HttpStatusCode.NotFound, notFound.Status);
        Assert.Contains("nope", await TextAsync(missing, "#error"));
    }

    [Fact]
    public async Task A_cross_site_post_without_the_form_token_is_refused_and_makes_no_version()
    {
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("robot", "accidents.jsonl", "application/x-ndjson", "env=navigation1&variant=a");
        Assert.Equal(1, await LatestVersionAsync(host, "robot"));

        // What a page on another site can make a browser send: the form's fields (the key too, had it
        // been leaked or remembered), but no token, since that page cannot read the dashboard's form.
        var cookies = new CookieContainer();
        using var browserless = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var refused = await browserless.PostAsync("/ui/uploads", UploadFormBody(token: null));
        await ProblemAssert.IsAsync(refused, 400);
        Assert.Contains("antiforgery", (await ServeHost.JsonAsync(refused)).GetProperty("detail").GetString());

        // With the dashboard's cookie in the jar (a browser that opened the page before) the post still
        // needs the form's token: missing, or made up, it is refused.
        var page = await browserless.GetAsync("/ui/datasets");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(cookies.GetCookies(host.BaseAddress), c => c.Name == "offsafe.antiforgery" && c.HttpOnly);
        await ProblemAssert.IsAsync(await browserless.PostAsync("/ui/uploads", UploadFormBody(token: null)), 400);
        await ProblemAssert.IsAsync(await browserless.PostAsync("/ui/uploads", UploadFormBody(token: "CfDJ8-made-up")), 400);
        Assert.Equal(1, await LatestVersionAsync(host, "robot"));

        // The form's own token with its cookie is what the browser test posts: it makes a version.
        string html = await page.Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__offsafe_antiforgery\" value=\"([^\"]+)\"");
        Assert.True(token.Success, html);
        var accepted = await browserless.PostAsync("/ui/uploads", UploadFormBody(System.Net.WebUtility.HtmlDecode(token.Groups[1].Value)));
        Assert.Equal(HttpStatusCode.SeeOther, accepted.StatusCode);
        Assert.Equal(2, await LatestVersionAsync(host, "robot"));

        // API clients are not affected: the /v1 upload takes the key and no token.
        await host.UploadAsync("robot", "accidents.parquet", "application/vnd.apache.parquet", "variant=c");
        Assert.Equal(3, await LatestVersionAsync(host, "robot"));
    }

    [Fact]
    public async Task A_form_on_another_site_cannot_upload_through_the_browser()
    {
        await using var host = await ServeHost.StartAsync();
        await host.UploadAsync("robot", "accidents.jsonl", "application/x-ndjson", "env=navigation1&variant=a");

        // The browser has been to the dashboard (it holds the cookie); then a page that is not the
        // service's builds a copy of the form, a real file and the key included, and submits it.
        var (own, _) = await OpenAsync(host, "/ui/datasets");
        Assert.Contains(await own.GetCookiesAsync(), c => c.Name == "offsafe.antiforgery");
        var page = await chromium.Browser.NewPageAsync();
        await page.SetContentAsync($"""
            <form method="post" enctype="multipart/form-data" action="{new Uri(host.BaseAddress, "/ui/uploads")}">
            <input name="dataset" value="robot"><input name="variant" value="b1=3.0,b2=3.0"><input name="api_key" value="{ServeHost.Key}">
            <input type="file" name="file"></form>
            """);
        string csv = await File.ReadAllTextAsync(ServeHost.Sample("accidents.csv"));
        await page.EvaluateFunctionAsync("""
            csv => {
              const files = new DataTransfer();
              files.items.add(new File([csv], 'robot-7.csv', { type: 'text/csv' }));
              document.querySelector('input[type=file]').files = files.files;
            }
            """, csv);
        var navigation = page.WaitForNavigationAsync();
        await page.EvaluateExpressionAsync("document.forms[0].submit()");
        var refused = await navigation;
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.StartsWith("application/problem+json", refused.Headers["content-type"]);
        Assert.Contains("antiforgery", await page.EvaluateExpressionAsync<string>("document.body.innerText"));
        Assert.Equal(1, await LatestVersionAsync(host, "robot"));
    }

    private static MultipartFormDataContent UploadFormBody(string? token)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("robot"), "dataset" },
            { new StringContent("b1=3.0,b2=3.0"), "variant" },
            { new StringContent(ServeHost.Key), "api_key" },
            { new ByteArrayContent(File.ReadAllBytes(ServeHost.Sample("accidents.csv"))), "file", "robot-7.csv" },
        };
        if (token is not null) form.Add(new StringContent(token), "__offsafe_antiforgery");
        return form;
    }

    private static async Task FillAsync(IPage page, string? dataset, string file, string? variant, string key, string? env = null)
    {
        if (dataset is not null) await page.TypeAsync("input[name=dataset]", dataset);
        var input = await page.QuerySelectorAsync("input[type=file]");
        await input.UploadFileAsync(file);
        if (env is not null) await page.SelectAsync("select[name=env]", env);
        if (variant is not null)
        {
            await page.EvaluateExpressionAsync("document.querySelector('input[name=variant]').value = ''");
            await page.TypeAsync("input[name=variant]", variant);
        }
        await page.TypeAsync("input[name=api_key]", key);
    }

    private static async Task<IResponse> SubmitAsync(IPage page)
    {
        var navigation = page.WaitForNavigationAsync();
        await page.ClickAsync("form.upload button[type=submit]");
        return await navigation;
    }

    private static async Task<int> LatestVersionAsync(ServeHost host, string dataset)
    {
        var body = await ServeHost.JsonAsync(await host.Client.GetAsync($"/v1/datasets/{dataset}"));
        return body.GetProperty("version").GetInt32();
    }
}
