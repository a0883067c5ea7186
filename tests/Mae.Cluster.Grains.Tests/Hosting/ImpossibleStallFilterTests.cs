using Mae.Cluster.Silo.Logging;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Tests.Hosting;

/// <summary>
/// The silo drops the watchdog's warning of a stall longer than the process has lived (an Orleans start-up race that
/// reports the machine's uptime) and passes every other log entry, the watchdog's real stalls included.
/// </summary>
public sealed partial class ImpossibleStallFilterTests
{
    private const string Watchdog = "Orleans.Runtime.Watchdog";

    [Fact]
    public void AWatchdogStallLongerThanTheProcessHasRunIsDroppedAndEveryOtherEntryPasses()
    {
        var inner = new RecordingProvider();
        using var filter = new ImpossibleStallFilter(inner, processStart: DateTimeOffset.Now - TimeSpan.FromSeconds(30));
        var watchdog = filter.CreateLogger(Watchdog);
        var other = filter.CreateLogger("Mae.Cluster.Grains.Workers.ShardWorker");

        // As Orleans logs them: source-generated entries whose state carries the duration.
        LogParticipantCheckStalled(watchdog, TimeSpan.FromHours(1.8));
        LogParticipantCheckStalled(watchdog, TimeSpan.FromSeconds(25));
        LogPlatformStalled(watchdog, TimeSpan.FromSeconds(3));
        LogWatchdogError(watchdog, TimeSpan.FromHours(2));
        LogSlowRenewal(other, TimeSpan.FromHours(2));

        Assert.Equal(
        [
            (Watchdog, "Participant check thread has not completed for 00:00:25"),
            (Watchdog, ".NET Runtime Platform stalled for 00:00:03"),
            (Watchdog, "Watchdog internal error after 02:00:00"),
            ("Mae.Cluster.Grains.Workers.ShardWorker", "Lease renewal took 02:00:00"),
        ], inner.Entries);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Participant check thread has not completed for {TimeSinceLastTick}")]
    private static partial void LogParticipantCheckStalled(ILogger logger, TimeSpan timeSinceLastTick);

    [LoggerMessage(Level = LogLevel.Warning, Message = ".NET Runtime Platform stalled for {TimeSinceLastTick}")]
    private static partial void LogPlatformStalled(ILogger logger, TimeSpan timeSinceLastTick);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watchdog internal error after {Elapsed}")]
    private static partial void LogWatchdogError(ILogger logger, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease renewal took {Elapsed}")]
    private static partial void LogSlowRenewal(ILogger logger, TimeSpan elapsed);

    private sealed class RecordingProvider : ILoggerProvider
    {
        public List<(string Category, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recording(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Recording(RecordingProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Entries.Add((category, formatter(state, exception)));
        }
    }
}
