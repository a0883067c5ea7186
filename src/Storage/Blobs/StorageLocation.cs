namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// A parsed, immutable storage location: a local folder, or a container plus optional prefix in Azure Blob
/// Storage. Accepted forms: a local path or <c>file:///path</c>;
/// <c>https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX[?SAS]</c>;
/// <c>http://127.0.0.1:PORT/ACCOUNT/CONTAINER/PREFIX</c> (Azurite and other path-style endpoints);
/// <c>az://CONTAINER/PREFIX</c> (the account comes from the connection string).
/// <see cref="ToString"/> never shows a SAS signature.
/// </summary>
public sealed class StorageLocation
{
    private StorageLocation(
        StorageLocationKind kind,
        string? localPath,
        Uri? serviceEndpoint,
        string? accountName,
        string? containerName,
        string prefix,
        string? sasToken)
    {
        Kind = kind;
        LocalPath = localPath;
        ServiceEndpoint = serviceEndpoint;
        AccountName = accountName;
        ContainerName = containerName;
        Prefix = prefix;
        SasToken = sasToken;
    }

    public StorageLocationKind Kind { get; }

    /// <summary>Full path of the local folder (no trailing separator except for a root); null for blobs.</summary>
    public string? LocalPath { get; }

    /// <summary>
    /// The blob service endpoint, e.g. <c>https://acct.blob.core.windows.net</c> or
    /// <c>http://127.0.0.1:10000/devstoreaccount1</c>; null for local folders and for <c>az://</c>
    /// (whose account comes from the connection string).
    /// </summary>
    public Uri? ServiceEndpoint { get; }

    /// <summary>The storage account name when the location names one; null for local and <c>az://</c>.</summary>
    public string? AccountName { get; }

    /// <summary>The blob container; null for local folders.</summary>
    public string? ContainerName { get; }

    /// <summary>The blob name prefix ("" or "a/b", no leading or trailing '/'); "" for local folders.</summary>
    public string Prefix { get; }

    /// <summary>Whether the location carries a SAS token (the token itself is never exposed publicly).</summary>
    public bool HasSasToken => SasToken is not null;

    /// <summary>True for <c>az://</c> locations, whose account comes from the connection string.</summary>
    public bool UsesConnectionStringAccount => Kind == StorageLocationKind.AzureBlob && ServiceEndpoint is null;

    /// <summary>The SAS query (without '?'), or null.</summary>
    internal string? SasToken { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="InvalidStorageLocationException"/> with a clear reason.</summary>
    public static StorageLocation Parse(string text) => StorageLocationParser.Parse(text);

    internal static StorageLocation ForLocal(string fullPath) =>
        new(StorageLocationKind.Local, fullPath, null, null, null, string.Empty, null);

    internal static StorageLocation ForBlob(Uri? serviceEndpoint, string? accountName, string container, string prefix, string? sasToken) =>
        new(StorageLocationKind.AzureBlob, null, serviceEndpoint, accountName, container, prefix, sasToken);

    /// <summary>The location of <paramref name="relativePath"/> ('/'-separated) below this one.</summary>
    /// <exception cref="InvalidObjectPathException">The path is malformed or escapes this location.</exception>
    public StorageLocation Combine(string relativePath)
    {
        var path = relativePath.EndsWith(ObjectPath.Separator)
            ? ObjectPath.ValidatePrefix(relativePath, this).TrimEnd(ObjectPath.Separator)
            : ObjectPath.Validate(relativePath, this);
        return Kind == StorageLocationKind.Local
            ? ForLocal(Path.Join(LocalPath, path.Replace(ObjectPath.Separator, Path.DirectorySeparatorChar)))
            : ForBlob(ServiceEndpoint, AccountName, ContainerName!, ObjectPath.Join(Prefix, path), SasToken);
    }

    /// <summary>The URI of the container (with SAS when present); blob locations with an endpoint only.</summary>
    internal Uri ContainerUri(bool includeSas)
    {
        var endpoint = ServiceEndpoint ?? throw new InvalidOperationException("An az:// location has no endpoint of its own.");
        var text = endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + ContainerName;
        return new Uri(includeSas && SasToken is not null ? text + "?" + SasToken : text);
    }

    /// <summary>The location as text with any SAS signature replaced by REDACTED.</summary>
    public override string ToString()
    {
        if (Kind == StorageLocationKind.Local)
        {
            return LocalPath!;
        }

        var prefix = Prefix.Length == 0 ? string.Empty : "/" + Prefix;
        if (ServiceEndpoint is null)
        {
            return $"az://{ContainerName}{prefix}";
        }

        var text = $"{ServiceEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{ContainerName}{prefix}";
        return SasToken is null ? text : text + "?" + SecretRedactor.Redact(SasToken);
    }
}
