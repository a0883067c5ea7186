namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// How transient blob failures are retried: exponential backoff with jitter, capped per wait, for at most
/// <see cref="GiveUpAfter"/> in total — long enough to ride out an emulator or network outage, short
/// enough that a dead endpoint is reported.
/// </summary>
public sealed record StorageRetryOptions
{
    /// <summary>Median wait before the first retry; later waits double (with jitter).</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest single wait between attempts (a server's Retry-After is honoured up to this).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an operation keeps retrying transient failures before it fails with <see cref="StorageUnavailableException"/>.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for any one network read or response before the attempt counts as timed out.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(100);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FirstDelay, TimeSpan.Zero, nameof(FirstDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, FirstDelay, nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(GiveUpAfter, TimeSpan.Zero, nameof(GiveUpAfter));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NetworkTimeout, TimeSpan.Zero, nameof(NetworkTimeout));
    }
}
