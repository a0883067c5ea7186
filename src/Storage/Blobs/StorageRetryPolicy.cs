using System.Diagnostics;
using System.Globalization;
using Azure;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// Retries transient failures of one blob operation with exponential backoff and jitter (Polly), until
/// <see cref="StorageRetryOptions.GiveUpAfter"/> has passed since the operation's first failure; then it
/// throws <see cref="StorageUnavailableException"/>. Permanent failures pass through untouched for the
/// caller to translate. The Azure SDK's own retries are switched off so that attempts do not multiply and
/// the time budget holds for every kind of failure, refused connections included.
/// </summary>
internal sealed class StorageRetryPolicy
{
    private static readonly ResiliencePropertyKey<long> FirstFailureTimestamp = new("mae.storage.first-failure");
    private static readonly ResiliencePropertyKey<string> OperationName = new("mae.storage.operation");
    private static readonly ResiliencePropertyKey<string> TargetName = new("mae.storage.target");

    private readonly StorageRetryOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    public StorageRetryPolicy(StorageRetryOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, args.Context)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.FirstDelay,
                MaxDelay = options.MaxDelay,
                // The time budget, not a count, ends the retries.
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult(ServerRequestedDelay(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    StorageLog.RetryingTransientFailure(
                        _logger,
                        args.Context.Properties.GetValue(OperationName, "operation"),
                        args.Context.Properties.GetValue(TargetName, "?"),
                        (long)args.RetryDelay.TotalMilliseconds,
                        args.AttemptNumber + 1,
                        (long)Elapsed(args.Context).TotalMilliseconds,
                        TransientFailures.Describe(args.Outcome.Exception!));
                    return default;
                },
            })
            .Build();
    }

    public TimeSpan GiveUpAfter => _options.GiveUpAfter;

    /// <summary>Runs <paramref name="action"/>, retrying transient failures.</summary>
    /// <param name="operation">What is being done, for messages ("read", "write", "list").</param>
    /// <param name="target">The redacted location concerned, for messages.</param>
    public async Task<T> ExecuteAsync<T>(
        string operation, string target, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationName, operation);
        context.Properties.Set(TargetName, target);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, work) => await work(ctx.CancellationToken).ConfigureAwait(false),
                context,
                action).ConfigureAwait(false);
        }
        catch (Exception e) when (TransientFailures.IsTransient(e, cancellationToken))
        {
            throw new StorageUnavailableException(
                $"Could not {operation} {target}: {TransientFailures.Describe(e)}; still failing after " +
                $"{Elapsed(context).TotalSeconds:0.0} s of retries (limit {_options.GiveUpAfter.TotalSeconds:0.#} s).",
                target,
                e is RequestFailedException failed ? BlobFailureTranslator.Sanitized(failed) : e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Runs <paramref name="action"/>, retrying transient failures.</summary>
    public Task ExecuteAsync(string operation, string target, Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        ExecuteAsync(
            operation,
            target,
            async token =>
            {
                await action(token).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private bool ShouldRetry(Exception? exception, ResilienceContext context)
    {
        if (exception is null || !TransientFailures.IsTransient(exception, context.CancellationToken))
        {
            return false;
        }

        if (!context.Properties.TryGetValue(FirstFailureTimestamp, out _))
        {
            context.Properties.Set(FirstFailureTimestamp, Stopwatch.GetTimestamp());
        }

        return Elapsed(context) < _options.GiveUpAfter;
    }

    private static TimeSpan Elapsed(ResilienceContext context) =>
        context.Properties.TryGetValue(FirstFailureTimestamp, out var first) ? Stopwatch.GetElapsedTime(first) : TimeSpan.Zero;

    // Throttling responses (429/503) may say how long to wait; waiting less only earns more throttling.
    private TimeSpan? ServerRequestedDelay(Exception? exception)
    {
        if (exception is RequestFailedException failed
            && failed.GetRawResponse() is { } response
            && response.Headers.TryGetValue("Retry-After", out var value)
            && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            var requested = TimeSpan.FromSeconds(seconds);
            return requested < _options.MaxDelay ? requested : _options.MaxDelay;
        }

        return null;
    }
}
