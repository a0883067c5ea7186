using System.Net;

namespace Mae.Cluster.Silo.Web;

/// <summary>
/// A ';'-separated list of <c>http://ADDRESS:PORT</c> listeners from configuration, checked up front so a typo stops
/// start-up with the key's name instead of surfacing as a bind error (or, worse, a wider bind than meant).
/// </summary>
internal sealed record ListenerUrls(IReadOnlyList<Uri> Urls)
{
    public bool IsEmpty => Urls.Count == 0;

    public IReadOnlySet<int> Ports => Urls.Select(u => u.Port).ToHashSet();

    /// <exception cref="InvalidOperationException">An entry is not an http URL on an IP address or localhost.</exception>
    public static ListenerUrls Parse(string key, string? text)
    {
        var urls = new List<Uri>();
        foreach (var entry in (text ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(entry, UriKind.Absolute, out var url))
            {
                throw Invalid(key, entry, "it is not an http://IP:PORT URL (for every interface use 0.0.0.0, not * or +)");
            }
            if (url.Scheme != Uri.UriSchemeHttp)
            {
                throw Invalid(key, entry, "only http:// is served (terminate TLS in front of the silo if you need it)");
            }
            if (url.AbsolutePath != "/" || url.Query.Length > 0)
            {
                throw Invalid(key, entry, "a listener URL names an address and port only, no path or query");
            }
            if (!url.IsLoopback && !IPAddress.TryParse(url.Host, out _))
            {
                throw Invalid(key, entry, "the host must be an IP address (0.0.0.0 for every interface) or localhost");
            }
            urls.Add(url);
        }
        return new ListenerUrls(urls);
    }

    /// <summary>The address Kestrel binds for <paramref name="url"/>; null means both loopbacks (localhost).</summary>
    public static IPAddress? AddressOf(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return IPAddress.TryParse(url.Host, out var address) ? address : null;
    }

    private static InvalidOperationException Invalid(string key, string entry, string why) =>
        new($"{key} holds '{entry}', which is not a usable listener: {why}. Example: http://127.0.0.1:8080; empty turns it off.");
}
