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
    /// Hands the outcome back, retrying with growing pauses (1 s doubling to 30 s, <see cref="HandBackAttempts"/> tries):
    /// a lost hand-back would leave the job pending until its grain happened to reactivate. The sink ignores a
    /// repeated outcome, so retrying is safe.
    /// </summary>
    private static async Task TellAsync(Func<Task> call, ILogger logger, string jobId)
    {
        var retry = GrainCallRetry.Create(HandBackAttempts, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30),
            (attempt, e) => LogHandBackRetry(logger, jobId, attempt, e.Message));
        try
        {
            await retry.ExecuteAsync(async _ => await call().ConfigureAwait(false)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // After the last attempt the job enumerates again when it next activates.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandBackFailed(logger, e, jobId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: enumerating the input failed")]
    private static partial void LogEnumerationFailed(ILogger logger, Exception exception, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: handing the enumeration result back failed (attempt {Attempt}), retrying: {Reason}")]
    private static partial void LogHandBackRetry(ILogger logger, string job, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: could not hand the enumeration result back; it is redone on the job's next activation")]
    private static partial void LogHandBackFailed(ILogger logger, Exception exception, string job);
}
