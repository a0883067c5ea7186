using Polly;
using Polly.Retry;

namespace Mae.Cluster.Grains;

/// <summary>
/// The retry policy for the grain calls that must get through rather than be given up at the first failure (a
/// shard's outcome report, a job's enumeration hand-back): Polly's exponential backoff with jitter, so reports
/// held up by a silo that is failing over arrive once its grains are reachable again instead of all at once.
/// Every such call is idempotent on the receiving grain, which is what makes retrying it safe. A call is bounded by
/// its tries, or by a deadline of its own (<see cref="ExecuteUntilAsync"/>): how long the grain may take to come back
/// is up to the cluster's membership, so a count of tries cannot say when retrying stops being worth it.
/// </summary>
internal static class GrainCallRetry
{
    private static readonly ResiliencePropertyKey<Func<DateTimeOffset>> DeadlineKey = new("mae.grain-call-deadline");

    /// <param name="attempts">Tries in all, the first included; <see cref="int.MaxValue"/> for a call bounded only by its deadline.</param>
    /// <param name="firstDelay">The pause before the second try; each next one doubles, up to <paramref name="maxDelay"/>.</param>
    /// <param name="onRetry">Told of each failure that is retried: the 1-based attempt that failed and the exception.</param>
    /// <param name="time">The clock deadlines are read on.</param>
    public static ResiliencePipeline Create(int attempts, TimeSpan firstDelay, TimeSpan maxDelay, Action<int, Exception> onRetry, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        return new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                // Cancellation is the caller's decision, never a failure to retry; past its deadline a call is not retried.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is not null and not OperationCanceledException &&
                    (!args.Context.Properties.TryGetValue(DeadlineKey, out var deadline) || clock.GetUtcNow() < deadline())),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay,
                MaxDelay = maxDelay,
                MaxRetryAttempts = attempts == int.MaxValue ? int.MaxValue : attempts - 1,
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.Outcome.Exception!);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>
    /// Runs <paramref name="call"/> under <paramref name="pipeline"/>, retrying its failures only while the clock is
    /// before <paramref name="deadline"/> (read before each retry, so a deadline that moves on — a lease renewed
    /// meanwhile — extends it). The first try always runs, however late.
    /// </summary>
    public static async Task ExecuteUntilAsync(this ResiliencePipeline pipeline, Func<Task> call, Func<DateTimeOffset> deadline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(DeadlineKey, deadline);
        try
        {
            await pipeline.ExecuteAsync(async _ => await call().ConfigureAwait(false), context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
