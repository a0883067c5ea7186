using System.Net;
using System.Net.Http.Headers;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// HTTP to the Hub and the servers it redirects to: redirects are followed by hand so that the token goes to the
/// Hub's own origin only, every failure worth retrying surfaces as <see cref="TransientHubFailure"/>, and no
/// request waits longer than the configured timeouts.
/// </summary>
internal sealed class HubHttp : IDisposable
{
    private const int MaxRedirects = 10;

    private readonly HttpClient client;
    private readonly HubOptions options;

    public HubHttp(HubOptions options)
    {
        this.options = options;
        var handler = new SocketsHttpHandler
        {
            // Redirects carry the metadata (X-Linked-Etag on the 302) and decide where the token may go.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("mae-cluster", "0.1"));
    }

    /// <summary><c>{endpoint}/{owner}/{name}/resolve/{revision}/{file}</c>, as <c>huggingface_hub</c> builds it.</summary>
    public Uri ResolveUri(HubRepoId repo, string revision, string fileName) =>
        new($"{options.Endpoint.AbsoluteUri.TrimEnd('/')}/{repo.Owner}/{repo.Name}/resolve/"
            + $"{HubRevision.ToUrlSegment(revision)}/{Uri.EscapeDataString(fileName)}");

    /// <summary>
    /// HEAD that follows relative redirects (a renamed repo) but stops at an absolute one (the CDN), whose
    /// headers and <c>Location</c> are the metadata, exactly as <c>huggingface_hub</c> does.
    /// </summary>
    public async Task<HttpResponseMessage> HeadAsync(Uri uri, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Head, uri, rangeStart: 0, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response) || RedirectTarget(uri, response) is not { IsRelative: true } target || hop == MaxRedirects)
            {
                return response;
            }

            response.Dispose();
            uri = target.Uri;
        }
    }

    /// <summary>GET from <paramref name="rangeStart"/> (all of it when 0), following every redirect.</summary>
    public async Task<HttpResponseMessage> GetAsync(Uri uri, long rangeStart, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, uri, rangeStart, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response) || RedirectTarget(uri, response) is not { } target || hop == MaxRedirects)
            {
                return response;
            }

            response.Dispose();
            uri = target.Uri;
        }
    }

    public void Dispose() => client.Dispose();

    /// <summary>Scheme, host and port all equal: the only place the token may be sent.</summary>
    internal static bool IsSameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>Where a redirect points, absolute, and whether its <c>Location</c> was relative; null without a Location.</summary>
    internal static (Uri Uri, bool IsRelative)? RedirectTarget(Uri requestUri, HttpResponseMessage response)
    {
        if (response.Headers.Location is not { } location)
        {
            return null;
        }

        // On Unix "/path" parses as an absolute file:// URI; only http(s) counts as absolute here.
        var isAbsolute = location.IsAbsoluteUri && (location.Scheme == Uri.UriSchemeHttp || location.Scheme == Uri.UriSchemeHttps);
        return isAbsolute ? (location, false) : (new Uri(requestUri, location.OriginalString), true);
    }

    private static bool IsRedirect(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, long rangeStart, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        if (rangeStart > 0)
        {
            request.Headers.Range = new RangeHeaderValue(rangeStart, null);
        }

        if (options.Token is { } token && IsSameOrigin(uri, options.Endpoint))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ResponseTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientHubFailure(
                $"no answer within {options.ResponseTimeout.TotalSeconds:0.#} s", uri, isNetworkFailure: true, innerException: e);
        }
        catch (HttpRequestException e)
        {
            throw new TransientHubFailure(TransientHubFailure.Describe(e), uri, isNetworkFailure: true, innerException: e,
                isNameResolutionFailure: e.HttpRequestError == HttpRequestError.NameResolutionError);
        }

        if (IsTransient(response.StatusCode))
        {
            var failure = new TransientHubFailure(
                $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", uri, isNetworkFailure: false, RetryAfter(response));
            response.Dispose();
            throw failure;
        }

        return response;
    }
}
