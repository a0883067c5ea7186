using System.Diagnostics;
using System.Globalization;
using Mae.Cluster.Grains;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mae.Cluster.Client;

/// <summary>
/// One status call of a watch, through Polly as every retry in the product: each try is abandoned after
/// <see cref="JobWatchOptions.PollTimeout"/> (its cancellation reaches the grain call, so nothing waits for Orleans'
/// 30 s response timeout), and a try that found the cluster unreachable is retried with exponential backoff and
/// jitter until <see cref="JobWatchOptions.OutageTolerance"/> has passed since the call began.
/// </summary>
internal sealed class JobStatusPoll
{
    private static readonly ResiliencePropertyKey<long> Started = new("mae.watch.started");
    private static readonly ResiliencePropertyKey<bool> Failed = new("mae.watch.failed");

    private readonly Func<CancellationToken, Task<JobStatus>> _ask;
    private readonly string _jobId;
    private readonly JobWatchOptions _options;
    private readonly ResiliencePipeline<JobStatus> _pipeline;

    public JobStatusPoll(Func<CancellationToken, Task<JobStatus>> ask, string jobId, JobWatchOptions options)
    {
        _ask = ask;
        _jobId = jobId;
        _options = options;
        _pipeline = new ResiliencePipelineBuilder<JobStatus>()
            .AddRetry(new RetryStrategyOptions<JobStatus>
            {
                ShouldHandle = args => ValueTask.FromResult(
                    IsLostContact(args.Outcome.Exception, args.Context.CancellationToken) && Elapsed(args.Context) < options.OutageTolerance),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                // Short: once the job grain is back, the watch should see it within seconds.
                MaxDelay = TimeSpan.FromSeconds(2),
                // The time budget, not a count, ends the retries.
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    args.Context.Properties.Set(Failed, true);
                    options.OnContactLost?.Invoke(new JobWatchOutage(args.Outcome.Exception!, Describe(args.Outcome.Exception!, options.PollTimeout), Elapsed(args.Context), args.RetryDelay, options.OutageTolerance));
                    return default;
                },
            })
            .AddTimeout(options.PollTimeout)
            .Build();
    }

    /// <summary>The job's status now.</summary>
    /// <exception cref="ClusterUnreachableException">No status call answered within the outage tolerance.</exception>
    public async Task<JobStatus> AskAsync(CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(Started, Stopwatch.GetTimestamp());
        try
        {
            var status = await _pipeline.ExecuteAsync(
                static async (ctx, ask) => await ask(ctx.CancellationToken).ConfigureAwait(false), context, _ask).ConfigureAwait(false);
            if (context.Properties.TryGetValue(Failed, out _))
            {
                _options.OnContactRestored?.Invoke(Elapsed(context));
            }
            return status;
        }
        catch (Exception e) when (IsLostContact(e, cancellationToken))
        {
            throw new ClusterUnreachableException(string.Create(CultureInfo.InvariantCulture,
                $"Lost contact with the cluster's job coordinator for job {_jobId}: no status for {Elapsed(context).TotalSeconds:F0} s " +
                $"(last: {Describe(e, _options.PollTimeout)}). The job may still be running; 'mae status {_jobId}' asks again."), e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The failure in a few words: a timeout in seconds, else the exception's type.</summary>
    private static string Describe(Exception failure, TimeSpan pollTimeout) => failure switch
    {
        TimeoutRejectedException => string.Create(CultureInfo.InvariantCulture, $"no answer within {pollTimeout.TotalSeconds:0.#} s"),
        TimeoutException => "no answer within Orleans' response timeout",
        _ => failure.GetType().Name,
    };

    /// <summary>
    /// A failure of reaching the job grain, not of the job: an abandoned try, a dead silo or gateway. An unknown job id
    /// (<see cref="KeyNotFoundException"/>) or the caller's own cancellation is never retried.
    /// </summary>
    private static bool IsLostContact(Exception? failure, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && failure is TimeoutRejectedException or TimeoutException or OrleansException;

    private static TimeSpan Elapsed(ResilienceContext context) =>
        context.Properties.TryGetValue(Started, out var started) ? Stopwatch.GetElapsedTime(started) : TimeSpan.Zero;
}
