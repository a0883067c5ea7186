using System.Globalization;
using System.Text;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Where to download checkpoints from, where to keep them and how hard to try.
/// <see cref="FromEnvironment"/> reads the same variables as Hugging Face's own tools.
/// </summary>
public sealed record HubOptions
{
    /// <summary>The Hub used when <c>HF_ENDPOINT</c> is not set.</summary>
    public static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    /// <summary>The Hub or a mirror of it (<c>HF_ENDPOINT</c>).</summary>
    public Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>
    /// Access token for gated or private models (<c>HF_TOKEN</c>); sent only to <see cref="Endpoint"/>'s host,
    /// never to a CDN the Hub redirects to. Left out of <see cref="ToString"/>.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>Root folder of the model cache (<c>MAE_HOME</c>); see <see cref="ModelCache.DefaultRoot"/>.</summary>
    public required string CacheRoot { get; init; }

    /// <summary>Tries per request, the first included, before a transient failure is reported.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before the second try; doubled for each further try, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for a TCP (and TLS) connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest wait for response headers.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest silence while a body streams in before the transfer counts as stalled and is retried.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Options from <c>HF_ENDPOINT</c>, <c>HF_TOKEN</c> and <c>MAE_HOME</c> (with <c>XDG_CACHE_HOME</c> and the home
    /// folder as fallbacks for the cache root). Empty variables count as unset.
    /// </summary>
    /// <param name="getVariable">Reads one variable; the process environment when null (tests pass their own).</param>
    public static HubOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var endpoint = NonEmpty(getVariable("HF_ENDPOINT"));
        return new HubOptions
        {
            Endpoint = endpoint is null ? DefaultEndpoint : ParseEndpoint(endpoint),
            Token = NonEmpty(getVariable("HF_TOKEN"))?.Trim(),
            CacheRoot = ModelCache.DefaultRoot(getVariable),
        };
    }

    private static Uri ParseEndpoint(string value)
    {
        if (Uri.TryCreate(value.Trim().TrimEnd('/'), UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new ArgumentException($"HF_ENDPOINT '{value}' is not an http(s) URL such as https://huggingface.co.", nameof(value));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    // Records print every property; the token must never reach a log or an exception message.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Endpoint = {Endpoint}, Token = {(Token is null ? "(none)" : "(set)")}, CacheRoot = {CacheRoot}, ")
            .Append(CultureInfo.InvariantCulture, $"MaxAttempts = {MaxAttempts}, InitialRetryDelay = {InitialRetryDelay}, MaxRetryDelay = {MaxRetryDelay}, ")
            .Append(CultureInfo.InvariantCulture, $"ConnectTimeout = {ConnectTimeout}, ResponseTimeout = {ResponseTimeout}, ReadTimeout = {ReadTimeout}");
        return true;
    }
}
