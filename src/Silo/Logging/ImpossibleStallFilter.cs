using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Silo.Logging;

/// <summary>
/// Drops the one warning Orleans' watchdog gets wrong: its <c>Start</c> starts the platform check thread before it
/// sets the participant-check timestamp, so a first check that wins that race measures from timestamp 0 and reports
/// the machine's uptime ("Participant check thread has not completed for 01:48:41") on a silo seconds old. A stall
/// longer than the process has lived cannot have happened; every other watchdog warning passes untouched.
/// </summary>
internal sealed class ImpossibleStallFilter(ILoggerProvider inner, DateTimeOffset processStart) : ILoggerProvider, ISupportExternalScope
{
    private const string WatchdogCategory = "Orleans.Runtime.Watchdog";

    /// <summary>Wraps every logger provider registered so far (console, debug, event source) in the filter.</summary>
    public static void WrapProviders(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        var start = new DateTimeOffset(Process.GetCurrentProcess().StartTime);
        foreach (var descriptor in logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider)).ToList())
        {
            logging.Services.Remove(descriptor);
            logging.Services.Add(ServiceDescriptor.Singleton<ILoggerProvider>(sp => new ImpossibleStallFilter(Create(sp, descriptor), start)));
        }
    }

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName == WatchdogCategory ? new FilteringLogger(logger, processStart) : logger;
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    /// <summary>True for a warning whose reported duration is longer than this process has run.</summary>
    internal static bool IsImpossibleStall<TState>(LogLevel level, TState state, DateTimeOffset processStart, DateTimeOffset now) =>
        level == LogLevel.Warning && state is IReadOnlyList<KeyValuePair<string, object?>> values
        && values.Any(v => v.Value is TimeSpan duration && duration > now - processStart);

    private static ILoggerProvider Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as ILoggerProvider
        ?? descriptor.ImplementationFactory?.Invoke(services) as ILoggerProvider
        ?? (ILoggerProvider)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);

    private sealed class FilteringLogger(ILogger inner, DateTimeOffset processStart) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsImpossibleStall(logLevel, state, processStart, DateTimeOffset.Now))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
