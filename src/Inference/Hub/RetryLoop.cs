using Polly;
using Polly.Retry;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Retries <see cref="TransientHubFailure"/>s with exponential backoff (capped, or longer when the server asks with
/// Retry-After) and gives up after <see cref="HubOptions.MaxAttempts"/> tries, through Polly as every retry in the
/// product does. The transient/permanent decision is made where failures arise; resuming is the attempt's own job
/// (it starts from the bytes on disk). A name that does not resolve is not retried: it will not resolve a second later.
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
        var pipeline = new ResiliencePipelineBuilder<T>()
            .AddRetry(new RetryStrategyOptions<T>
            {
                ShouldHandle = new PredicateBuilder<T>().Handle<TransientHubFailure>(failure => !failure.IsNameResolutionFailure),
                MaxRetryAttempts = Math.Max(1, options.MaxAttempts) - 1,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    DelayBefore(args.AttemptNumber + 2, (args.Outcome.Exception as TransientHubFailure)?.RetryAfter)),
                OnRetry = args =>
                {
                    onRetry((TransientHubFailure)args.Outcome.Exception!, args.AttemptNumber + 2, args.RetryDelay);
                    return default;
                },
            })
            .Build();
        var number = 0;
        try
        {
            return await pipeline.ExecuteAsync(async token => await attempt(++number, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (TransientHubFailure failure)
        {
            throw onExhausted(failure, number);
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
