using System.Text.RegularExpressions;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// Removes credentials from text before it reaches a message or a log: SAS signatures (<c>sig=</c>),
/// account keys and SAS values in connection strings, SharedKey and Bearer authorization values,
/// and any secret values the caller knows literally.
/// </summary>
public static partial class SecretRedactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Redacted = "REDACTED";

    /// <summary>Returns <paramref name="text"/> with every recognisable credential replaced by <see cref="Redacted"/>.</summary>
    /// <param name="text">Any text: a URI, a connection string, an exception message.</param>
    /// <param name="knownSecrets">Literal secret values to remove as well (e.g. a SAS token the caller holds).</param>
    public static string Redact(string? text, params ReadOnlySpan<string?> knownSecrets)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = text;
        foreach (var secret in knownSecrets)
        {
            // Very short values (e.g. "sv=2020") would blank harmless words; real secrets are long.
            if (secret is { Length: >= 8 })
            {
                result = result.Replace(secret, Redacted, StringComparison.Ordinal);
            }
        }

        result = SasSignature().Replace(result, Redacted);
        result = ConnectionStringSecret().Replace(result, Redacted);
        result = SharedKeyAuthorization().Replace(result, Redacted);
        result = BearerToken().Replace(result, Redacted);
        return result;
    }

    // sig=... in a query string, raw or URL-encoded (%2B, %3D ...).
    [GeneratedRegex(@"(?<=(?:^|[?&\s;""'])(?:sig|signature)=)[^&\s""'<>;]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SasSignature();

    // AccountKey=...; SharedAccessSignature=...; (the SAS value itself holds '&', so stop only at ';').
    [GeneratedRegex(@"(?<=\b(?:AccountKey|SharedAccessSignature|SharedAccessKey|AccessKey)=)[^;\s""']+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionStringSecret();

    [GeneratedRegex(@"(?<=\bSharedKey(?:Lite)?\s+[^:\s]+:)[A-Za-z0-9+/=]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SharedKeyAuthorization();

    [GeneratedRegex(@"(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();
}
