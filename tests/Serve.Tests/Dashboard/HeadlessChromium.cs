using PuppeteerSharp;
using OfflineSafety.Testing;

namespace OfflineSafety.Serve.Tests.Dashboard;

/// <summary>
/// Debian's chromium, headless, driven over the DevTools protocol by PuppeteerSharp. The browser is
/// the system's (installed through apt by the first test that needs it); PuppeteerSharp is never
/// asked to download one. One browser per test class; each test opens its own pages.
/// </summary>
public sealed class HeadlessChromium : IAsyncLifetime
{
    public const string Package = "chromium";
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly TempDirectory _profile = new();

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        DebianPackages.EnsureInstalled(Package);
        Browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            UserDataDir = _profile.Path,
            Timeout = 120_000,
            // CI runs as root, where Chromium's sandbox refuses to start; /dev/shm may be small in containers.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
            Browser.Dispose();
        }
        _profile.Dispose();
    }
}
