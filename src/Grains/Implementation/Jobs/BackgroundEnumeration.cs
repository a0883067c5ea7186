using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// Runs a job's input enumeration off the grain's turn — listing a large input takes long and must not hold up
/// status calls — and hands the outcome back as a grain call, so the job's state changes only inside its turns.
/// </summary>
internal static partial class BackgroundEnumeration
{
    private const int HandBackAttempts = 8;

    public static void Start(IJobInputCatalog catalog, IJobEnumerationSink sink, string jobId, JobSpec spec, ILogger logger) =>
        _ = Task.Run(() => RunAsync(catalog, sink, jobId, spec, logger));

    private static async Task RunAsync(IJobInputCatalog catalog, IJobEnumerationSink sink, string jobId, JobSpec spec, ILogger logger)
    {
        int count;
        try
        {
            count = await catalog.EnumerateAsync(jobId, spec, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any failure to enumerate fails the job with its reason; nothing above could handle it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogEnumerationFailed(logger, e, jobId);
            await TellAsync(() => sink.OnEnumerationFailedAsync($"Could not enumerate input {spec.Input}: {e.Message}"), logger, jobId).ConfigureAwait(false);
            return;
        }
        await TellAsync(() => sink.OnEnumeratedAsync(count), logger, jobId).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands the outcome back, retrying with growing pauses: a lost hand-back would leave the job pending until its
    /// grain happened to reactivate. The sink ignores a repeated outcome, so retrying is safe.
    /// </summary>
    private static async Task TellAsync(Func<Task> call, ILogger logger, string jobId)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call().ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Retried; after the last attempt the job enumerates again when it next activates.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (attempt == HandBackAttempts)
                {
                    LogHandBackFailed(logger, e, jobId);
                    return;
                }
                LogHandBackRetry(logger, jobId, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 1 << (attempt - 1)))).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: enumerating the input failed")]
    private static partial void LogEnumerationFailed(ILogger logger, Exception exception, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: handing the enumeration result back failed (attempt {Attempt}), retrying: {Reason}")]
    private static partial void LogHandBackRetry(ILogger logger, string job, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: could not hand the enumeration result back; it is redone on the job's next activation")]
    private static partial void LogHandBackFailed(ILogger logger, Exception exception, string job);
}
