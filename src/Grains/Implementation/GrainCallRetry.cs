using Polly;
using Polly.Retry;

namespace Mae.Cluster.Grains;

/// <summary>
/// The retry policy for the grain calls that must get through rather than be given up at the first failure (a
/// shard's completion report, a job's enumeration hand-back): Polly's exponential backoff with jitter, so reports
/// held up by a silo that is failing over arrive once its grains are reachable again instead of all at once.
/// Every such call is idempotent on the receiving grain, which is what makes retrying it safe.
/// </summary>
internal static class GrainCallRetry
{
    /// <param name="attempts">Tries in all, the first included.</param>
    /// <param name="firstDelay">The pause before the second try; each next one doubles, up to <paramref name="maxDelay"/>.</param>
    /// <param name="onRetry">Told of each failure that is retried: the 1-based attempt that failed and the exception.</param>
    public static ResiliencePipeline Create(int attempts, TimeSpan firstDelay, TimeSpan maxDelay, Action<int, Exception> onRetry) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // Cancellation is the caller's decision, never a failure to retry.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay,
                MaxDelay = maxDelay,
                MaxRetryAttempts = attempts - 1,
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.Outcome.Exception!);
                    return default;
                },
            })
            .Build();
}
