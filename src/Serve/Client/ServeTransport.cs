using System.Globalization;
using OfflineSafety.Errors;

namespace OfflineSafety.Serve.Client;

/// <summary>How requests reach the service: its own base URL, or a Dapr sidecar's service invocation.</summary>
public abstract record ServeTransport
{
    /// <summary>Every request path (v1/...) is resolved against this; it ends with '/'.</summary>
    public abstract Uri BaseAddress { get; }

    /// <summary>Headers the transport itself needs on every request (the sidecar's API token).</summary>
    public virtual IReadOnlyDictionary<string, string> Headers => new Dictionary<string, string>();

    /// <summary>
    /// "http(s)://host:port[/prefix]" (direct) or "dapr://APP-ID" (through the local sidecar, whose
    /// port and token come from DAPR_HTTP_PORT and DAPR_API_TOKEN as `dapr run` sets them).
    /// </summary>
    public static ServeTransport Parse(string text)
    {
        if (text.StartsWith(DaprTransport.Scheme, StringComparison.OrdinalIgnoreCase))
            return DaprTransport.FromEnvironment(text[DaprTransport.Scheme.Length..].TrimEnd('/'));
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment))
            return new DirectTransport(uri);
        throw new BadInputException($"server '{text}' is neither an http(s) URL nor dapr://APP-ID");
    }
}

/// <summary>The service at its own address (a path prefix, e.g. behind a gateway, is kept).</summary>
public sealed record DirectTransport : ServeTransport
{
    public DirectTransport(Uri server)
    {
        if (!server.IsAbsoluteUri) throw new BadInputException($"server '{server}' is not an absolute URL");
        Server = new Uri(server.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
    }

    public Uri Server { get; }
    public override Uri BaseAddress => Server;
    public override string ToString() => Server.ToString();
}

/// <summary>
/// Dapr service invocation over the sidecar's HTTP API:
/// http://127.0.0.1:{port}/v1.0/invoke/{app-id}/method/{path}. The sidecar finds the app, adds mTLS
/// and its own retries; the request itself (headers, body, status) passes through unchanged.
/// </summary>
public sealed record DaprTransport : ServeTransport
{
    public const string Scheme = "dapr://";
    public const int DefaultHttpPort = 3500;

    public DaprTransport(string appId, int sidecarHttpPort = DefaultHttpPort, string? apiToken = null)
    {
        // App ids are DNS labels in every Dapr hosting mode.
        if (appId.Length is 0 or > 63 || !appId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            throw new BadInputException($"Dapr app id '{appId}' is invalid: use 1 to 63 lowercase letters, digits or '-'");
        if (sidecarHttpPort is < 1 or > 65535) throw new BadInputException($"Dapr sidecar port {sidecarHttpPort} is out of range");
        AppId = appId;
        SidecarHttpPort = sidecarHttpPort;
        ApiToken = string.IsNullOrEmpty(apiToken) ? null : apiToken;
    }

    public string AppId { get; }
    public int SidecarHttpPort { get; }
    public string? ApiToken { get; }

    public override Uri BaseAddress =>
        new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{SidecarHttpPort}/v1.0/invoke/{AppId}/method/"));

    public override IReadOnlyDictionary<string, string> Headers =>
        ApiToken is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["dapr-api-token"] = ApiToken };

    /// <summary>The sidecar `dapr run` started beside this process.</summary>
    public static DaprTransport FromEnvironment(string appId)
    {
        string? port = Environment.GetEnvironmentVariable("DAPR_HTTP_PORT");
        int p = DefaultHttpPort;
        if (!string.IsNullOrEmpty(port) && !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p))
            throw new BadInputException($"DAPR_HTTP_PORT '{port}' is not a port number");
        return new DaprTransport(appId, p, Environment.GetEnvironmentVariable("DAPR_API_TOKEN"));
    }

    public override string ToString() => $"{Scheme}{AppId} (sidecar 127.0.0.1:{SidecarHttpPort.ToString(CultureInfo.InvariantCulture)})";
}
