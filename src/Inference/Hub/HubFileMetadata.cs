using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// What the Hub says about one file before it is downloaded, read from the headers of a HEAD on its resolve URL,
/// the way <c>huggingface_hub</c> reads them.
/// </summary>
/// <param name="FileName">The file inside the repo.</param>
/// <param name="Commit">The commit the revision resolved to (<c>X-Repo-Commit</c>), when given.</param>
/// <param name="Etag">Normalised etag (no quotes, no <c>W/</c>): <c>X-Linked-Etag</c> for LFS files, else <c>ETag</c>.</param>
/// <param name="Size">Length in bytes: <c>X-Linked-Size</c> for LFS files, else <c>Content-Length</c>.</param>
/// <param name="DownloadUri">Where to GET the bytes: the redirect target (a CDN) for LFS files, else the resolve URL.</param>
internal sealed partial record HubFileMetadata(string FileName, string? Commit, string? Etag, long? Size, Uri DownloadUri)
{
    public const string RepoCommitHeader = "X-Repo-Commit";
    public const string LinkedEtagHeader = "X-Linked-Etag";
    public const string LinkedSizeHeader = "X-Linked-Size";

    /// <summary>The expected SHA-256 (lower-case hex) when the etag is one, which the Hub guarantees for LFS files.</summary>
    public string? Sha256 => Etag is not null && Sha256Hex().IsMatch(Etag) ? Etag.ToLowerInvariant() : null;

    public static HubFileMetadata FromHeadResponse(string fileName, HttpResponseMessage response, Uri downloadUri)
    {
        var headers = response.Headers;
        var etag = Header(headers, LinkedEtagHeader) ?? headers.ETag?.Tag ?? Header(headers, "ETag");
        // A redirect's own Content-Length measures its tiny body, not the file it points to.
        var isRedirect = (int)response.StatusCode is >= 300 and < 400;
        var size = long.TryParse(Header(headers, LinkedSizeHeader), out var linkedSize) ? linkedSize
            : isRedirect ? null
            : response.Content.Headers.ContentLength;
        return new HubFileMetadata(fileName, Header(headers, RepoCommitHeader), NormaliseEtag(etag), size, downloadUri);
    }

    /// <summary>Strips a weak-validator prefix and quotes: <c>W/"abc"</c> → <c>abc</c>.</summary>
    public static string? NormaliseEtag(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag))
        {
            return null;
        }

        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        return value.Trim('"');
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    [GeneratedRegex("^[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();
}
