namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// A failure worth another try: the network broke, a server was slow, overloaded (429) or failing (5xx).
/// Raised where the failure is seen and only there, so the retry loop never has to guess whether an
/// <see cref="IOException"/> came from the socket or from a full disk.
/// </summary>
internal sealed class TransientHubFailure : Exception
{
    public TransientHubFailure(string reason, Uri uri, bool isNetworkFailure, TimeSpan? retryAfter = null, Exception? innerException = null,
        bool isNameResolutionFailure = false)
        : base(reason, innerException)
    {
        Uri = uri;
        IsNetworkFailure = isNetworkFailure;
        RetryAfter = retryAfter;
        IsNameResolutionFailure = isNameResolutionFailure;
    }

    /// <summary>
    /// The host name did not resolve: without DNS, or with a mistyped endpoint, another try gives the same answer
    /// (the resolver has already retried), so it is not retried.
    /// </summary>
    public bool IsNameResolutionFailure { get; }

    /// <summary>The request that failed (may carry a signed query string: never log or show more than host and path).</summary>
    public Uri Uri { get; }

    /// <summary>True when no HTTP answer came at all (connection refused, reset, timed out); false for an HTTP status.</summary>
    public bool IsNetworkFailure { get; }

    /// <summary>The server's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The messages of an exception and its causes, without repeats: HttpClient's own message is often just
    /// "An error occurred while sending the request", and the useful part ("Connection reset by peer") is inside.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = current.Message.TrimEnd('.');
            if (message.Length > 0 && !messages.Exists(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return string.Join(": ", messages);
    }
}
