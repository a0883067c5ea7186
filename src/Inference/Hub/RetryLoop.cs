namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Retries <see cref="TransientHubFailure"/>s with exponential backoff (capped, or longer when the server asks with
/// Retry-After) and gives up after <see cref="HubOptions.MaxAttempts"/> tries. Hand-written rather than Polly:
/// the transient/permanent decision is already made where failures arise, resuming is the attempt's own job
/// (it starts from the bytes on disk), so what is left is a dozen lines that keep this library free of another
/// dependency and let tests run with zero delays.
/// </summary>
internal sealed class RetryLoop(HubOptions options)
{
    /// <param name="attempt">One try; receives the 1-based attempt number.</param>
    /// <param name="onRetry">Told about each failure that will be retried, the next attempt's number and the wait before it.</param>
    /// <param name="onExhausted">Builds the exception thrown when the last try failed too.</param>
    public async Task<T> RunAsync<T>(
        Func<int, CancellationToken, Task<T>> attempt,
        Action<TransientHubFailure, int, TimeSpan> onRetry,
        Func<TransientHubFailure, int, Exception> onExhausted,
        CancellationToken cancellationToken)
    {
        var attempts = Math.Max(1, options.MaxAttempts);
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt(number, cancellationToken).ConfigureAwait(false);
            }
            catch (TransientHubFailure failure) when (number < attempts && !failure.IsNameResolutionFailure)
            {
                var delay = DelayBefore(number + 1, failure.RetryAfter);
                onRetry(failure, number + 1, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (TransientHubFailure failure)
            {
                throw onExhausted(failure, number);
            }
        }
    }

    /// <summary>initial · 2^(n−2) for attempt n ≥ 2, at most the cap; a server's Retry-After wins up to the same cap.</summary>
    internal TimeSpan DelayBefore(int attemptNumber, TimeSpan? retryAfter)
    {
        var exponential = options.InitialRetryDelay * Math.Pow(2, Math.Min(attemptNumber - 2, 30));
        var delay = retryAfter is { } asked && asked > exponential ? asked : exponential;
        return delay > options.MaxRetryDelay ? options.MaxRetryDelay : delay;
    }
}
