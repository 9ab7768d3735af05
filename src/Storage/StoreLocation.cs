using Azure;
using Azure.Storage.Blobs;
using OfflineSafety.Errors;

namespace OfflineSafety.Storage;

/// <summary>
/// Turns a --store argument into an <see cref="IObjectStore"/>: a local directory, or
/// <c>az://ACCOUNT/CONTAINER[/PREFIX]</c> with credentials from the environment
/// (<see cref="ConnectionStringVariable"/>, which also carries the endpoint, e.g. Azurite's; else
/// <see cref="SasTokenVariable"/> against https://ACCOUNT.blob.core.windows.net).
/// </summary>
public static class StoreLocation
{
    public const string Scheme = "az://";
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";
    public const string SasTokenVariable = "AZURE_STORAGE_SAS_TOKEN";

    /// <param name="environment">Reads an environment variable; the process environment when null.</param>
    public static IObjectStore Open(string location, Func<string, string?>? environment = null)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new BadInputException("--store: empty; give a local directory or az://ACCOUNT/CONTAINER[/PREFIX] (or set OFFSAFE_STORE)");
        environment ??= Environment.GetEnvironmentVariable;
        if (location.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return OpenAzure(location, environment);
        int scheme = location.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
            throw new BadInputException($"store '{location}': unknown scheme '{location[..scheme]}'; use a local directory or {Scheme}ACCOUNT/CONTAINER[/PREFIX]");
        return new LocalObjectStore(location);
    }

    private static AzureBlobStore OpenAzure(string location, Func<string, string?> environment)
    {
        var parts = location[Scheme.Length..].Split('/', 3);
        string account = parts[0];
        string container = parts.Length > 1 ? parts[1] : "";
        string prefix = parts.Length > 2 ? parts[2].Trim('/') : "";
        if (account.Length == 0)
            throw new BadInputException($"store '{location}': no storage account; write {Scheme}ACCOUNT/CONTAINER[/PREFIX]");
        if (container.Length == 0)
            throw new BadInputException($"store '{location}': no container; write {Scheme}ACCOUNT/CONTAINER[/PREFIX]");
        if (!IsContainerName(container))
            throw new BadInputException($"store '{location}': '{container}' is not a container name (3 to 63 lowercase letters, digits and single hyphens)");
        if (prefix.Length > 0) ObjectKey.Validate(prefix);

        BlobServiceClient service;
        if (environment(ConnectionStringVariable) is { Length: > 0 } connection)
        {
            try
            {
                service = new BlobServiceClient(connection, AzureBlobStore.ClientOptions());
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new BadInputException($"store '{location}': {ConnectionStringVariable} is not a valid connection string ({ex.Message.Split('\n')[0].Trim()})", ex);
            }
            if (!string.Equals(service.AccountName, account, StringComparison.Ordinal))
                throw new BadInputException($"store '{location}': {ConnectionStringVariable} is for account '{service.AccountName}', the address names '{account}'");
        }
        else if (environment(SasTokenVariable) is { Length: > 0 } sas)
        {
            service = new BlobServiceClient(new Uri($"https://{account}.blob.core.windows.net"), new AzureSasCredential(sas.TrimStart('?')), AzureBlobStore.ClientOptions());
        }
        else
        {
            throw new BadInputException($"store '{location}': no credentials; set {ConnectionStringVariable} or {SasTokenVariable}");
        }
        return new AzureBlobStore(service.GetBlobContainerClient(container), prefix, location);
    }

    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);
}
