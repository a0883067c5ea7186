using System.Net;
using System.Text.RegularExpressions;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>Turns location text into a <see cref="StorageLocation"/>, refusing anything ambiguous with a reason.</summary>
internal static partial class StorageLocationParser
{
    private const string AcceptedForms =
        "a local folder, file:///path, https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX[?SAS], " +
        "http://127.0.0.1:PORT/ACCOUNT/CONTAINER/PREFIX (Azurite) or az://CONTAINER/PREFIX";

    public static StorageLocation Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid(text ?? string.Empty, "the location is empty");
        }

        if (text.Any(char.IsControl))
        {
            throw Invalid(text, "it contains a control character (NUL, newline, ...)");
        }

        if (text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return ParseFileUri(text);
        }

        // Only "scheme://" counts as a URI, so "C:\data" and "notes:v2" stay local paths.
        var scheme = SchemePrefix().Match(text);
        if (!scheme.Success)
        {
            return ParseLocalPath(text, text);
        }

        return scheme.Groups["scheme"].Value.ToLowerInvariant() switch
        {
            "http" or "https" => ParseBlobUrl(text),
            "az" => ParseAz(text),
            var other => throw Invalid(text, $"the scheme '{other}' is not supported"),
        };
    }

    private static StorageLocation ParseLocalPath(string path, string original)
    {
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Invalid(original, $"it is not a valid local path ({e.Message})");
        }

        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        var trimmed = fullPath.Length > root.Length ? fullPath.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : fullPath;
        return StorageLocation.ForLocal(trimmed);
    }

    private static StorageLocation ParseFileUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw Invalid(text, "it is not a well-formed file:// URI");
        }

        if (!string.IsNullOrEmpty(uri.Host) && !uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(text, $"file URIs with a host ('{uri.Host}') are not supported; use file:///absolute/path");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw Invalid(text, "a file:// URI may not have a query string or fragment");
        }

        return ParseLocalPath(uri.LocalPath, text);
    }

    private static StorageLocation ParseBlobUrl(string text)
    {
        if (HasDotSegment(text))
        {
            throw Invalid(text, "its path has a '.' or '..' segment");
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw Invalid(text, "it is not a well-formed URL");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw Invalid(text, "credentials in the URL's user part are not supported; use a SAS token or a connection string");
        }

        if (uri.Fragment.Length > 0)
        {
            throw Invalid(text, "a blob URL may not have a '#' fragment");
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.None).Skip(1).Select(Uri.UnescapeDataString).ToList();
        if (segments.Count > 0 && segments[^1].Length == 0)
        {
            segments.RemoveAt(segments.Count - 1);
        }

        var pathStyle = IsPathStyleHost(uri);
        string account;
        Uri endpoint;
        var authority = uri.GetLeftPart(UriPartial.Authority);
        if (pathStyle)
        {
            // Emulator layout: http://host:port/ACCOUNT/CONTAINER/PREFIX.
            if (segments.Count == 0 || segments[0].Length == 0)
            {
                throw Invalid(text, "a path-style blob URL needs /ACCOUNT/CONTAINER after the host");
            }

            account = segments[0];
            segments.RemoveAt(0);
            endpoint = new Uri(authority + "/" + account);
        }
        else
        {
            if (uri.Scheme != Uri.UriSchemeHttps)
            {
                throw Invalid(text, "Azure Blob Storage URLs must use https:// (plain http is only for emulators such as Azurite on 127.0.0.1)");
            }

            var dot = uri.Host.IndexOf('.', StringComparison.Ordinal);
            if (!uri.Host.Contains(".blob.", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(text, $"'{uri.Host}' is not a blob endpoint (expected ACCOUNT.blob.core.windows.net)");
            }

            account = uri.Host[..dot];
            endpoint = new Uri(authority);
        }

        if (segments.Count == 0 || segments[0].Length == 0)
        {
            throw Invalid(text, "it names no container (expected .../CONTAINER/PREFIX)");
        }

        var container = segments[0];
        CheckContainerName(text, container);
        var prefix = string.Join(ObjectPath.Separator, segments.Skip(1));
        CheckPrefix(text, prefix);
        var sas = ParseSas(text, uri.Query);
        return StorageLocation.ForBlob(endpoint, account, container, prefix, sas);
    }

    private static StorageLocation ParseAz(string text)
    {
        // Uri would lower-case the container (it is the "host"), hiding a name Azure would refuse.
        var rest = text[SchemePrefix().Match(text).Length..];
        if (rest.IndexOfAny(['?', '#']) >= 0)
        {
            throw Invalid(text, "az:// locations take no query string; to use a SAS token give the https:// URL instead");
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].TrimEnd('/');
        if (container.Length == 0)
        {
            throw Invalid(text, "it names no container (expected az://CONTAINER/PREFIX)");
        }

        CheckContainerName(text, container);
        CheckPrefix(text, prefix);
        return StorageLocation.ForBlob(null, null, container, prefix, null);
    }

    private static string? ParseSas(string text, string query)
    {
        if (query.Length <= 1)
        {
            return null;
        }

        var sas = query[1..];
        var hasSignature = sas.Split('&').Any(p => p.StartsWith("sig=", StringComparison.OrdinalIgnoreCase));
        if (!hasSignature)
        {
            throw Invalid(text, "its query string is not a SAS token (no sig= parameter)");
        }

        return sas;
    }

    private static bool IsPathStyleHost(Uri uri) =>
        uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
        || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || !uri.Host.Contains('.', StringComparison.Ordinal)
        || IPAddress.TryParse(uri.Host, out _);

    private static void CheckContainerName(string text, string container)
    {
        if (!ContainerName().IsMatch(container) || container.Contains("--", StringComparison.Ordinal))
        {
            throw Invalid(
                text,
                $"'{ObjectPath.Printable(container)}' is not a valid container name " +
                "(3-63 characters: lower-case letters, digits and single hyphens, starting and ending with a letter or digit)");
        }
    }

    private static void CheckPrefix(string text, string prefix)
    {
        if (prefix.Length == 0)
        {
            return;
        }

        var problem = ObjectPath.FindProblem(prefix, allowTrailingSeparator: false);
        if (problem is not null)
        {
            throw Invalid(text, $"its prefix '{ObjectPath.Printable(prefix)}' is not allowed: {problem}");
        }
    }

    // Checked on the raw text because Uri silently resolves "a/../b" to "b".
    private static bool HasDotSegment(string text)
    {
        var end = text.IndexOfAny(['?', '#']);
        var path = end < 0 ? text : text[..end];
        return DotSegment().IsMatch(path);
    }

    private static InvalidStorageLocationException Invalid(string text, string reason)
    {
        var shown = ObjectPath.Printable(SecretRedactor.Redact(text));
        return new InvalidStorageLocationException($"Storage location '{shown}' is not valid: {reason}. Expected {AcceptedForms}.", shown);
    }

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]+)://", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePrefix();

    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerName();

    [GeneratedRegex(@"/(?:\.|%2e){1,2}(?:/|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DotSegment();
}
