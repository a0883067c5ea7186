using Microsoft.Extensions.Logging;
using Polly;

namespace Mae.Cluster.Grains.Workers;

/// <summary>
/// Gets a shard's outcome (completed or failed) to its partition. Reports are retried (0.2 s doubling to 5 s between
/// tries) until they get through or the lease's last known expiry passes: a partition whose silo died comes back only
/// once the membership declares that silo dead, which can take longer than any fixed count of tries, and a report lost
/// leaves a committed shard to be leased again, or a failed attempt uncounted. Past the lease the shard may have been
/// leased again, and its new holder settles it (the commit record, or a new attempt).
/// </summary>
internal sealed partial class OutcomeReports(string workerId, TimeProvider time, ILogger logger)
{
    private readonly ResiliencePipeline _retry = GrainCallRetry.Create(int.MaxValue, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5),
        (attempt, e) => LogReportRetry(logger, e, workerId, attempt), time);

    /// <summary>
    /// Sends <paramref name="report"/> about <paramref name="held"/>; never throws. The lease stays held meanwhile, so it
    /// is renewed, and a partition that lost its activation takes it back on the first renewal that reaches it. A failed
    /// try puts the lease in doubt (<see cref="HeldLease.InDoubt"/>), so the worker leases nothing more from that
    /// partition until a renewal is answered.
    /// </summary>
    public async Task SendAsync(HeldLease held, Func<Task> report)
    {
        try
        {
            await _retry.ExecuteUntilAsync(async () =>
            {
                try
                {
                    await report().ConfigureAwait(false);
                }
                catch
                {
                    held.Doubt();
                    throw;
                }
            }, () => held.ExpiresAt).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Given up on past the lease: the shard's next holder settles it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReportGivenUp(logger, e, workerId, held.Lease.JobId, held.Lease.Shard);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker}: outcome report attempt {Attempt} failed; retrying")]
    private static partial void LogReportRetry(ILogger logger, Exception exception, string worker, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} gave up reporting job {Job} shard {Shard}: its lease has run out, so its next holder settles it")]
    private static partial void LogReportGivenUp(ILogger logger, Exception exception, string worker, string job, int shard);
}
